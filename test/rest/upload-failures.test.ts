/**
 * Issue 9, nothing half-stored. An upload that fails — a key any surface refuses, a bucket that
 * does not exist, a quota cut-off, a broken digest, a failed condition — leaves nothing behind:
 * after each failure the account's usage, the bytes reserved for uploads in progress (admin API
 * `usage.reservedBytes`) and the blob files under <data>/blobs and <data>/tmp are exactly what
 * they were. Names known before the body are refused before a byte of it is read (the answer
 * comes while the body has not been sent at all). Uploads of unknown length reserve quota as
 * they stream, so two of them cannot jointly pass the quota even while in progress.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { startInProcess, type TestServer } from '../helpers/server'
import { md5Base64, s3Fetch, xmlTags } from '../helpers/raw-s3'
import { rawExchange, signedHead } from '../quota/helpers'
import { adminHeaders, api, createAccount, type Account } from './rest-helpers'

setDefaultTimeout(120_000)

const MiB = 2 ** 20
let srv: TestServer
let user: Account

beforeAll(async () => {
  srv = await startInProcess()
  user = await createAccount(srv, { email: 'half@stored.test', quota: '8MiB' })
})
afterAll(async () => { await srv?.stop() })

/** Every file under <data>/blobs and <data>/tmp. */
function blobFiles(): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    if (!existsSync(dir)) return
    for (const e of readdirSync(dir, { withFileTypes: true })) e.isDirectory() ? walk(join(dir, e.name)) : out.push(join(dir, e.name).slice(srv.dataDir.length))
  }
  walk(join(srv.dataDir, 'blobs'))
  walk(join(srv.dataDir, 'tmp'))
  return out.sort()
}

interface State { usage: { bytes: number; storedBytes: number; objects: number; reservedBytes: number }; files: string[] }

async function state(a: Account = user): Promise<State> {
  const r = await api(srv, 'GET', `/api/admin/accounts/${a.id}`, { headers: adminHeaders(srv) })
  expect(r.status).toBe(200)
  return { usage: r.body.usage, files: blobFiles() }
}

/**
 * The state comes back to `before`: discarded blobs are unlinked in the background, so this
 * polls (with a deadline) rather than sampling once, then compares everything exactly.
 */
async function expectUnchanged(before: State, a: Account = user) {
  let now = await state(a)
  for (let deadline = Date.now() + 30_000; Date.now() < deadline && JSON.stringify(now) !== JSON.stringify(before); await Bun.sleep(25)) now = await state(a)
  expect(now).toEqual(before)
}

const keyHeader = (a: Account) => ({ 'x-api-key': a.apiKey })

/** A multipart/form-data body with parts in exactly this order. */
function formBody(parts: Array<{ name: string; value: string | Uint8Array; filenameHeader?: string }>): { body: Uint8Array<ArrayBuffer>; type: string } {
  const boundary = 'halfstoredboundary' + randomBytes(6).toString('hex')
  const chunks: Buffer[] = []
  for (const p of parts) {
    const disp = `form-data; name="${p.name}"${p.filenameHeader ? `; ${p.filenameHeader}` : ''}`
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disp}\r\n${p.filenameHeader ? 'Content-Type: application/octet-stream\r\n' : ''}\r\n`))
    chunks.push(Buffer.from(p.value))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: new Uint8Array(Buffer.concat(chunks)), type: `multipart/form-data; boundary=${boundary}` }
}

/** A chunked (unknown-length) request body delivered in pieces the test controls. */
function chunkedUpload(path: string, headers: Record<string, string>) {
  const x = rawExchange(`${srv.httpUrl}${path}`, 'POST', { ...headers, 'transfer-encoding': 'chunked' })
  return {
    response: x.response,
    send: (b: Uint8Array) => x.write(Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), Buffer.from(b), Buffer.from('\r\n')])),
    end: () => x.write(Buffer.from('0\r\n\r\n')),
    close: x.close,
  }
}

const code = (body: string) => { try { return JSON.parse(body).error?.code ?? null } catch { return null } }

for (const route of ['/api/v1/files', '/api/versions']) {
  describe(`POST ${route}`, () => {
    test('a key with NUL, an over-long key, a key that is not UTF-8: 400 ValidationError before the body is read, nothing stored', async () => {
      const before = await state()
      for (const [query, extra] of [['?key=a%00b', {}], [`?key=${'k'.repeat(1025)}`, {}], ['?key=%FF%FE', {}], ['', { 'x-file-name': 'x'.repeat(1025) }]] as Array<[string, Record<string, string>]>) {
        // The head declares 5 MiB and not one byte of it is sent: the answer cannot wait for it.
        const x = rawExchange(`${srv.httpUrl}${route}${query}`, 'POST', { ...keyHeader(user), ...extra, 'content-type': 'application/octet-stream', 'content-length': String(5 * MiB) })
        try {
          const res = await x.response
          expect({ query: query.slice(0, 20), status: res.status, code: code(res.body) }).toEqual({ query: query.slice(0, 20), status: 400, code: 'ValidationError' })
        } finally {
          x.close()
        }
      }
      // The same with an unknown length (chunked).
      const c = chunkedUpload(`${route}?key=nul%00key`, { ...keyHeader(user), 'content-type': 'application/octet-stream' })
      try {
        const res = await c.response
        expect({ status: res.status, code: code(res.body) }).toEqual({ status: 400, code: 'ValidationError' })
      } finally {
        c.close()
      }
      await expectUnchanged(before)
    })

    test('forms: a bad key field before the file is refused before the file is stored (a file larger than the quota would be QuotaExceeded)', async () => {
      const before = await state()
      const f = formBody([{ name: 'key', value: 'a\0b' }, { name: 'file', value: randomBytes(9 * MiB), filenameHeader: 'filename="big.bin"' }])
      const r = await api(srv, 'POST', route, { headers: { ...keyHeader(user), 'content-type': f.type }, body: f.body })
      expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status: 400, code: 'ValidationError' })
      // The file's own name is the key when no key is given: refused the same way.
      const g = formBody([{ name: 'file', value: randomBytes(9 * MiB), filenameHeader: "filename*=UTF-8''a%00b.txt" }])
      const r2 = await api(srv, 'POST', route, { headers: { ...keyHeader(user), 'content-type': g.type }, body: g.body })
      expect({ status: r2.status, code: r2.body?.error?.code }).toEqual({ status: 400, code: 'ValidationError' })
      await expectUnchanged(before)
    })

    test('forms: names that follow the file (bad key, unknown bucket, a key disagreeing with ?key=) fail after it was staged, and the staged bytes and reservation are released', async () => {
      const before = await state()
      const cases: Array<[string, Array<{ name: string; value: string | Uint8Array; filenameHeader?: string }>, number, string]> = [
        ['', [{ name: 'file', value: randomBytes(MiB), filenameHeader: 'filename="ok.bin"' }, { name: 'key', value: `k${'é'.repeat(600)}` }], 400, 'ValidationError'],
        ['', [{ name: 'file', value: randomBytes(MiB), filenameHeader: 'filename="ok.bin"' }, { name: 'key', value: 'x\0y' }], 400, 'ValidationError'],
        ['', [{ name: 'file', value: randomBytes(MiB), filenameHeader: 'filename="ok.bin"' }, { name: 'bucket', value: 'no-such-bucket-here' }], 404, 'NoSuchBucket'],
        ['?key=one', [{ name: 'file', value: randomBytes(MiB), filenameHeader: 'filename="ok.bin"' }, { name: 'key', value: 'two' }], 400, 'ValidationError'],
        ['', [{ name: 'file', value: new Uint8Array(0), filenameHeader: 'filename="empty.bin"' }], 400, 'ValidationError'],
      ]
      for (const [query, parts, status, errorCode] of cases) {
        const f = formBody(parts)
        const r = await api(srv, 'POST', `${route}${query}`, { headers: { ...keyHeader(user), 'content-type': f.type }, body: f.body })
        expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status, code: errorCode })
        await expectUnchanged(before)
      }
    })

    test('a chunked upload past the quota gets QuotaExceeded and leaves nothing; a form upload too', async () => {
      const before = await state()
      const c = chunkedUpload(`${route}?key=too-big.bin`, { ...keyHeader(user), 'content-type': 'application/octet-stream' })
      try {
        // 9 MiB against an 8 MiB quota, sent until the server refuses.
        for (let i = 0; i < 9; i++) await c.send(randomBytes(MiB))
        await c.end()
        const res = await c.response
        expect({ status: res.status, code: code(res.body) }).toEqual({ status: 403, code: 'QuotaExceeded' })
      } finally {
        c.close()
      }
      await expectUnchanged(before)
      const f = formBody([{ name: 'key', value: 'too-big-form.bin' }, { name: 'file', value: randomBytes(9 * MiB), filenameHeader: 'filename="big.bin"' }])
      const r = await api(srv, 'POST', route, { headers: { ...keyHeader(user), 'content-type': f.type }, body: f.body })
      expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status: 403, code: 'QuotaExceeded' })
      await expectUnchanged(before)
    })
  })
}

test('uploads of unknown length reserve quota as they stream: while one holds 6 MiB of an 8 MiB quota, a second one of 4 MiB is refused', async () => {
  const acct = await createAccount(srv, { email: 'streaming@stored.test', quota: '8MiB' })
  const before = await state(acct)
  const a = chunkedUpload('/api/v1/files?key=first.bin', { ...keyHeader(acct), 'content-type': 'application/octet-stream' })
  try {
    for (let i = 0; i < 6; i++) await a.send(randomBytes(MiB))
    // The bytes in flight are reserved (the first upload is still open).
    let reserved = 0
    for (let deadline = Date.now() + 30_000; Date.now() < deadline && reserved < 6 * MiB; await Bun.sleep(25)) reserved = (await state(acct)).usage.reservedBytes
    expect(reserved).toBeGreaterThanOrEqual(6 * MiB)
    expect(reserved).toBeLessThanOrEqual(7 * MiB)
    const b = chunkedUpload('/api/v1/files?key=second.bin', { ...keyHeader(acct), 'content-type': 'application/octet-stream' })
    try {
      for (let i = 0; i < 4; i++) await b.send(randomBytes(MiB)).catch(() => {})
      await b.end().catch(() => {})
      const rb = await b.response
      expect({ status: rb.status, code: code(rb.body) }).toEqual({ status: 403, code: 'QuotaExceeded' })
    } finally {
      b.close()
    }
    await a.end()
    const ra = await a.response
    expect(ra.status).toBe(201)
    expect(JSON.parse(ra.body).size).toBe(6 * MiB)
  } finally {
    a.close()
  }
  const after = await state(acct)
  expect(after.usage).toEqual({ ...before.usage, bytes: 6 * MiB, storedBytes: 6 * MiB, objects: 1, reservedBytes: 0 })
  expect(after.files.length).toBe(before.files.length + 1)
})

describe('the S3 side', () => {
  const creds = () => ({ accessKeyId: user.accessKey, secretAccessKey: user.secretKey })

  test('a key with NUL is refused (400 InvalidArgument, parseable XML) before the body: the 5 MiB body is never sent', async () => {
    const before = await state()
    const head = await signedHead(srv.s3Url, { method: 'PUT', bucket: user.bucket, key: 'a\0b', creds: creds(), payloadHash: 'UNSIGNED-PAYLOAD' })
    const x = rawExchange(head.url, 'PUT', { ...head.headers, 'content-length': String(5 * MiB) })
    try {
      const res = await x.response
      expect(res.status).toBe(400)
      expect(xmlTags(res.body, 'Code')).toEqual(['InvalidArgument'])
      expect(res.body).not.toContain('&#x0;')
    } finally {
      x.close()
    }
    await expectUnchanged(before)
  })

  test('failures after the body (bad Content-MD5, If-None-Match on an existing key, a quota cut) leave nothing behind', async () => {
    const put = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: user.bucket, key: 'exists.bin', body: 'here', creds: creds() })
    expect(put.status).toBe(200)
    const before = await state()
    const body = randomBytes(MiB)
    const bad = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: user.bucket, key: 'digest.bin', body, headers: { 'content-md5': md5Base64('other') }, creds: creds() })
    expect({ status: bad.status, code: xmlTags(await bad.text(), 'Code')[0] }).toEqual({ status: 400, code: 'BadDigest' })
    await expectUnchanged(before)
    const cond = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: user.bucket, key: 'exists.bin', body, headers: { 'if-none-match': '*' }, creds: creds() })
    expect({ status: cond.status, code: xmlTags(await cond.text(), 'Code')[0] }).toEqual({ status: 412, code: 'PreconditionFailed' })
    await expectUnchanged(before)
    const big = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: user.bucket, key: 'big.bin', body: randomBytes(9 * MiB), creds: creds() })
    expect({ status: big.status, code: xmlTags(await big.text(), 'Code')[0] }).toEqual({ status: 403, code: 'QuotaExceeded' })
    await expectUnchanged(before)
  })
})
