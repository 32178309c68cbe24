/**
 * Issue 5, quotas: a small quota (1 MiB, set with `admin account create --quota`) filled through
 * every write path. Each path asserts the exact rejection point (the write that exactly fits
 * succeeds, one byte more is 403 QuotaExceeded in the surface's format), that a rejection leaves
 * usage unchanged (/api/me and `admin usage --json`) and no blob or temp file behind, that known
 * lengths are refused before the body is read, and that unknown lengths are cut off at the
 * remaining quota with nothing partial stored.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  PutObjectCommand, UploadPartCommand, UploadPartCopyCommand, type S3Client,
} from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { chunkedPut, presignUrl, s3Fetch } from '../helpers/raw-s3'
import {
  adminUsage, apiAccount, blobFiles, bytesOf, cliAccount, eventually, expectJsonError, expectS3Error, expectUsage, keyHeaders, meUsage, rawExchange, signedHead,
  type QuotaAccount,
} from './helpers'

const Q = 1024 * 1024
setDefaultTimeout(30_000)

let srv: TestServer
let work: string
beforeAll(async () => {
  srv = await startInProcess()
  work = mkdtempSync(join(tmpdir(), 'cs-quota-'))
})
afterAll(async () => {
  await srv?.stop()
  rmSync(work, { recursive: true, force: true })
})

/** Final usage per account, checked once more against `admin usage --json` at the end. */
const finals = new Map<string, { a: QuotaAccount; bytes: number }>()
/** Accounts are made up front, two at a time (password hashing is the slow part). */
let pool: Array<Promise<QuotaAccount>> = []
async function account(): Promise<QuotaAccount> {
  if (!pool.length) pool = Array.from({ length: 4 }, () => apiAccount(srv, '1MiB'))
  const a = await pool.shift()!
  expect(a.quota).toBe(Q)
  return a
}
async function done(a: QuotaAccount, bytes: number) {
  await expectUsage(srv, a, bytes)
  finals.set(a.email, { a, bytes })
}

const client = (a: QuotaAccount): S3Client => s3Client(srv.s3Url, { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey }, { maxAttempts: 1 })


/** After a rejection: usage as before, no new blob, no temp file (cleanup is best-effort async). */
async function expectNothingStored(a: QuotaAccount, usage: number, before: { blobs: string[] }) {
  await eventually(() => {
    const now = blobFiles(srv)
    return now.tmp.length === 0 && JSON.stringify(now.blobs) === JSON.stringify(before.blobs)
  }, 'no leftover blob or temp file')
  await expectUsage(srv, a, usage)
}

const s3Put = (a: QuotaAccount, key: string, body: Uint8Array) => s3Fetch(srv.s3Url, { method: 'PUT', bucket: a.bucket, key, body, creds: a })

async function restUpload(a: QuotaAccount, key: string, body: Uint8Array<ArrayBuffer>, path = '/api/v1/files') {
  return fetch(`${srv.httpUrl}${path}?bucket=${a.bucket}&key=${encodeURIComponent(key)}`, { method: 'POST', headers: keyHeaders(a), body })
}

async function formUpload(a: QuotaAccount, key: string, body: Uint8Array<ArrayBuffer>, path = '/api/v1/files') {
  const form = new FormData()
  form.append('bucket', a.bucket)
  form.append('key', key)
  form.append('file', new Blob([body]), key)
  return fetch(`${srv.httpUrl}${path}`, { method: 'POST', headers: keyHeaders(a), body: form })
}

async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const p = Bun.spawn(['curl', '-sS', '-o', '-', '-w', '\n%{http_code}', ...args], { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  if (code !== 0) throw new Error(`curl failed (${code}): ${err}`)
  const i = out.lastIndexOf('\n')
  return { status: Number(out.slice(i + 1)), body: out.slice(0, i) }
}

function file(name: string, data: Uint8Array): string {
  const p = join(work, name)
  writeFileSync(p, data)
  return p
}

describe('S3 PutObject', () => {
  test('fills to the byte: the write that fits passes, one byte over is 403 QuotaExceeded (SDK and raw XML), usage unchanged', async () => {
    const a = await cliAccount(srv, '1MiB')
    expect(a.quota).toBe(Q)
    const s3 = client(a)
    await s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'fill', Body: bytesOf(Q - 100) }))
    await expectUsage(srv, a, Q - 100)

    const before = blobFiles(srv)
    expect(await sdkError(s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'over', Body: bytesOf(101) })))).toEqual({ name: 'QuotaExceeded', status: 403 })
    const xml = await expectS3Error(await s3Put(a, 'over', bytesOf(101)), 403, 'QuotaExceeded')
    expect(xml).toContain('<Message>')
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: a.bucket, Key: 'over' })))).toEqual({ name: 'NotFound', status: 404 })
    await expectNothingStored(a, Q - 100, before)
    await expectUsage(srv, a, Q - 100, { cli: true })

    await s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'exact', Body: bytesOf(100) }))
    await done(a, Q)
    const full = blobFiles(srv)
    await expectS3Error(await s3Put(a, 'one-more', bytesOf(1)), 403, 'QuotaExceeded')
    await expectNothingStored(a, Q, full)
  })

  test('aws-chunked: the quota is checked against x-amz-decoded-content-length', async () => {
    const a = await account()
    expect((await s3Put(a, 'fill', bytesOf(Q - 10_000))).status).toBe(200)
    const before = blobFiles(srv)
    const over = await chunkedPut(srv.s3Url, { bucket: a.bucket, key: 'chunked', data: bytesOf(10_001), chunkSize: 8192, mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', creds: a })
    await expectS3Error(over, 403, 'QuotaExceeded')
    await expectNothingStored(a, Q - 10_000, before)
    const fits = await chunkedPut(srv.s3Url, { bucket: a.bucket, key: 'chunked', data: bytesOf(10_000), chunkSize: 8192, mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', creds: a })
    expect({ status: fits.status, body: await fits.text() }).toEqual({ status: 200, body: '' })
    await done(a, Q)
  })

  test('a PUT declaring 10 MiB is refused with 403 before its body is sent; nothing is written', async () => {
    const a = await account()
    const before = blobFiles(srv)
    const head = await signedHead(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'huge', creds: a, payloadHash: 'UNSIGNED-PAYLOAD' })
    // The body is never sent: a response proves the server did not wait for it.
    const x = rawExchange(head.url, 'PUT', { ...head.headers, 'content-length': String(10 * Q) })
    try {
      const res = await x.response
      expect(res.status).toBe(403)
      expect(res.body).toContain('<Code>QuotaExceeded</Code>')
    } finally {
      x.close()
    }
    expect(blobFiles(srv)).toEqual({ blobs: before.blobs, tmp: [] })

    // Real clients see the early 403 too: the SDK sending a 10 MiB body, curl (Expect: 100-continue) a presigned PUT.
    const big = bytesOf(10 * Q)
    expect(await sdkError(client(a).send(new PutObjectCommand({ Bucket: a.bucket, Key: 'huge', Body: big })))).toEqual({ name: 'QuotaExceeded', status: 403 })
    const url = await presignUrl(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'huge', creds: a, presign: { expires: 600 } })
    const viaCurl = await curl(['-T', file('huge', big), url])
    expect({ status: viaCurl.status, code: /<Code>([^<]*)<\/Code>/.exec(viaCurl.body)?.[1] }).toEqual({ status: 403, code: 'QuotaExceeded' })
    await eventually(() => blobFiles(srv).tmp.length === 0, 'no temp file')
    expect(blobFiles(srv).blobs).toEqual(before.blobs)
    await done(a, 0)
  })
})

describe('overwrites', () => {
  test('Time Machine off: an overwrite needs room only for its growth (S3 PUT, REST raw, CopyObject, a retried part); with it on, the full size', async () => {
    const a = await account()
    const s3 = client(a)
    const patch = (versioning: boolean) => fetch(`${srv.httpUrl}/api/buckets/${a.bucket}`, { method: 'PATCH', headers: { ...keyHeaders(a), 'content-type': 'application/json' }, body: JSON.stringify({ versioning }) })
    expect((await patch(false)).status).toBe(200)
    expect((await s3Put(a, 'a', bytesOf(Q - 1000))).status).toBe(200)
    expect((await s3Put(a, 'b', bytesOf(1000))).status).toBe(200)
    await expectUsage(srv, a, Q)
    // At a full quota: same size passes, one byte of growth does not.
    expect((await s3Put(a, 'b', bytesOf(1000))).status).toBe(200)
    await expectS3Error(await s3Put(a, 'b', bytesOf(1001)), 403, 'QuotaExceeded')
    await expectUsage(srv, a, Q)
    expect((await restUpload(a, 'b', bytesOf(500))).status).toBe(201)
    await expectUsage(srv, a, Q - 500)
    expect((await restUpload(a, 'b', bytesOf(1000))).status).toBe(201)
    await expectJsonError(await restUpload(a, 'b', bytesOf(1001)), 403, 'QuotaExceeded')
    await expectUsage(srv, a, Q)
    // Copy the small object over the large one: frees Q - 2000.
    await s3.send(new CopyObjectCommand({ Bucket: a.bucket, Key: 'a', CopySource: `${a.bucket}/b` }))
    await expectUsage(srv, a, 2000)
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: a.bucket, Key: 'mp' }))
    const part = (n: number) => s3.send(new UploadPartCommand({ Bucket: a.bucket, Key: 'mp', UploadId, PartNumber: 1, Body: bytesOf(n) }))
    await part(Q - 2000)
    await expectUsage(srv, a, Q)
    await part(Q - 2000) // a retried part replaces the earlier one
    expect(await sdkError(part(Q - 1999))).toEqual({ name: 'QuotaExceeded', status: 403 })
    await expectUsage(srv, a, Q)
    // Time Machine on: the replaced version is kept as history, so an overwrite needs its full size.
    expect((await patch(true)).status).toBe(200)
    await expectS3Error(await s3Put(a, 'b', bytesOf(1)), 403, 'QuotaExceeded')
    await done(a, Q)
  })
})

describe('presigned PUT (curl)', () => {
  test('fills to the byte; over quota is 403 QuotaExceeded XML', async () => {
    const a = await account()
    const put = async (key: string, n: number) => {
      const url = await presignUrl(srv.s3Url, { method: 'PUT', bucket: a.bucket, key, creds: a, presign: { expires: 600 } })
      return curl(['-T', file(`${key}-${n}`, bytesOf(n)), url])
    }
    expect((await put('fill', Q - 50)).status).toBe(200)
    const before = blobFiles(srv)
    const over = await put('over', 51)
    expect({ status: over.status, code: /<Code>([^<]*)<\/Code>/.exec(over.body)?.[1] }).toEqual({ status: 403, code: 'QuotaExceeded' })
    await expectNothingStored(a, Q - 50, before)
    expect((await put('exact', 50)).status).toBe(200)
    await expectUsage(srv, a, Q)
    expect((await put('one-more', 1)).status).toBe(403)
    await done(a, Q)
  })
})

describe('multipart', () => {
  test('UploadPart counts parts from the moment they are stored; one byte over is refused; Complete at a full quota succeeds', async () => {
    const a = await account()
    const s3 = client(a)
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: a.bucket, Key: 'mpu' }))
    const p1 = await s3.send(new UploadPartCommand({ Bucket: a.bucket, Key: 'mpu', UploadId, PartNumber: 1, Body: bytesOf(Q - 100) }))
    await expectUsage(srv, a, Q - 100)
    const before = blobFiles(srv)
    expect(await sdkError(s3.send(new UploadPartCommand({ Bucket: a.bucket, Key: 'mpu', UploadId, PartNumber: 2, Body: bytesOf(101) })))).toEqual({ name: 'QuotaExceeded', status: 403 })
    await expectS3Error(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'mpu', query: { partNumber: '2', uploadId: UploadId! }, body: bytesOf(101), creds: a }), 403, 'QuotaExceeded')
    await expectNothingStored(a, Q - 100, before)
    await s3.send(new UploadPartCommand({ Bucket: a.bucket, Key: 'mpu', UploadId, PartNumber: 2, Body: bytesOf(100) }))
    await expectUsage(srv, a, Q)
    expect(await sdkError(s3.send(new UploadPartCommand({ Bucket: a.bucket, Key: 'mpu', UploadId, PartNumber: 3, Body: bytesOf(1) })))).toEqual({ name: 'QuotaExceeded', status: 403 })
    await expectUsage(srv, a, Q)

    // Completing adds no bytes (the parts are already counted); the unlisted part 2 is freed.
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: a.bucket, Key: 'mpu', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] } }))
    await done(a, Q - 100)
    const got = await s3.send(new GetObjectCommand({ Bucket: a.bucket, Key: 'mpu' }))
    expect(got.ContentLength).toBe(Q - 100)
    await got.Body!.transformToByteArray()
  })

  test('UploadPartCopy: a copied range counts; a range one byte over is refused', async () => {
    const a = await account()
    const s3 = client(a)
    const S = 400_000
    await s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'src', Body: bytesOf(S) }))
    await s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'filler', Body: bytesOf(Q - 1000 - S) }))
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: a.bucket, Key: 'dst' }))
    const before = blobFiles(srv)
    const copy = (range?: string) => s3.send(new UploadPartCopyCommand({ Bucket: a.bucket, Key: 'dst', UploadId, PartNumber: 1, CopySource: `${a.bucket}/src`, CopySourceRange: range }))
    expect(await sdkError(copy())).toEqual({ name: 'QuotaExceeded', status: 403 })
    expect(await sdkError(copy('bytes=0-1000'))).toEqual({ name: 'QuotaExceeded', status: 403 })
    await expectNothingStored(a, Q - 1000, before)
    const ok = await copy('bytes=0-999')
    expect(ok.CopyPartResult?.ETag).toBeString()
    await expectUsage(srv, a, Q)
    await expectS3Error(await s3Fetch(srv.s3Url, {
      method: 'PUT', bucket: a.bucket, key: 'dst', query: { partNumber: '2', uploadId: UploadId! }, creds: a,
      headers: { 'x-amz-copy-source': `/${a.bucket}/src`, 'x-amz-copy-source-range': 'bytes=0-0' },
    }), 403, 'QuotaExceeded')
    await done(a, Q)
  })
})

describe('CopyObject', () => {
  test('a copy counts the source size; the copy that fits passes, one byte more is refused', async () => {
    const a = await account()
    const s3 = client(a)
    const S = 300_000
    await s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'src1', Body: bytesOf(S) }))
    await s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'src2', Body: bytesOf(S - 1) }))
    await s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'filler', Body: bytesOf(Q - 3 * S + 2) }))
    await expectUsage(srv, a, Q - (S - 1))
    expect(await sdkError(s3.send(new CopyObjectCommand({ Bucket: a.bucket, Key: 'copy', CopySource: `${a.bucket}/src1` })))).toEqual({ name: 'QuotaExceeded', status: 403 })
    await expectS3Error(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'copy', creds: a, headers: { 'x-amz-copy-source': `/${a.bucket}/src1` } }), 403, 'QuotaExceeded')
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: a.bucket, Key: 'copy' })))).toEqual({ name: 'NotFound', status: 404 })
    await expectUsage(srv, a, Q - (S - 1))
    await s3.send(new CopyObjectCommand({ Bucket: a.bucket, Key: 'copy', CopySource: `${a.bucket}/src2` }))
    await done(a, Q)
  })
})

describe('REST upload', () => {
  test('raw body with Content-Length: exact fit 201, one byte over 403 QuotaExceeded JSON', async () => {
    const a = await account()
    expect((await restUpload(a, 'fill', bytesOf(Q - 100))).status).toBe(201)
    const before = blobFiles(srv)
    const body = await expectJsonError(await restUpload(a, 'over', bytesOf(101)), 403, 'QuotaExceeded')
    expect(body.error.requestId).toMatch(/^[0-9A-F]{16}$/)
    await expectNothingStored(a, Q - 100, before)
    expect((await restUpload(a, 'exact', bytesOf(100))).status).toBe(201)
    await expectUsage(srv, a, Q)
    await expectJsonError(await restUpload(a, 'one-more', bytesOf(1)), 403, 'QuotaExceeded')
    await done(a, Q)
  })

  test('raw body declaring 10 MiB: 403 before the body is sent', async () => {
    const a = await account()
    const before = blobFiles(srv)
    const x = rawExchange(`${srv.httpUrl}/api/v1/files?bucket=${a.bucket}&key=huge`, 'POST', { 'x-api-key': a.apiKey, 'content-length': String(10 * Q), 'content-type': 'application/octet-stream' })
    try {
      const res = await x.response
      expect(res.status).toBe(403)
      expect(JSON.parse(res.body).error.code).toBe('QuotaExceeded')
    } finally {
      x.close()
    }
    expect(blobFiles(srv)).toEqual({ blobs: before.blobs, tmp: [] })
    await done(a, 0)
  })

  test('form upload (unknown file length) is cut off at the remaining quota; nothing partial is stored', async () => {
    const a = await account()
    expect((await formUpload(a, 'fill', bytesOf(Q - 100))).status).toBe(201)
    const before = blobFiles(srv)
    await expectJsonError(await formUpload(a, 'over', bytesOf(101)), 403, 'QuotaExceeded')
    await expectJsonError(await formUpload(a, 'big', bytesOf(300_000)), 403, 'QuotaExceeded')
    await expectNothingStored(a, Q - 100, before)
    const list = await (await fetch(`${srv.httpUrl}/api/v1/files?bucket=${a.bucket}`, { headers: keyHeaders(a) })).json() as any
    expect(list.files.map((f: { key: string }) => f.key)).toEqual(['fill'])
    expect((await formUpload(a, 'exact', bytesOf(100))).status).toBe(201)
    await done(a, Q)
  })

  test('raw chunked body (Transfer-Encoding: chunked, no Content-Length, curl) is cut off at the remaining quota', async () => {
    const a = await account()
    const up = (key: string, n: number) => curl(['-X', 'POST', '-H', `X-API-Key: ${a.apiKey}`, '-H', 'Transfer-Encoding: chunked', '-H', 'Content-Type: application/octet-stream',
      '--data-binary', `@${file(`chunked-${key}`, bytesOf(n))}`, `${srv.httpUrl}/api/v1/files?bucket=${a.bucket}&key=${key}`])
    expect((await up('fill', Q - 5000)).status).toBe(201)
    const before = blobFiles(srv)
    const over = await up('over', 5001)
    expect({ status: over.status, code: JSON.parse(over.body).error.code }).toEqual({ status: 403, code: 'QuotaExceeded' })
    await expectNothingStored(a, Q - 5000, before)
    expect((await up('exact', 5000)).status).toBe(201)
    await done(a, Q)
  })
})

describe('Time Machine API', () => {
  test('/api/versions upload (raw and form): exact fit passes, one byte over is 403 QuotaExceeded JSON', async () => {
    const a = await account()
    const r1 = await restUpload(a, 'doc', bytesOf(Q - 200), '/api/versions')
    expect(r1.status).toBe(201)
    const before = blobFiles(srv)
    await expectJsonError(await restUpload(a, 'doc', bytesOf(201), '/api/versions'), 403, 'QuotaExceeded')
    await expectJsonError(await formUpload(a, 'doc', bytesOf(201), '/api/versions'), 403, 'QuotaExceeded')
    await expectNothingStored(a, Q - 200, before)
    expect((await formUpload(a, 'doc', bytesOf(100), '/api/versions')).status).toBe(201)
    expect((await restUpload(a, 'doc', bytesOf(100), '/api/versions')).status).toBe(201)
    await done(a, Q)
    const hist = await (await fetch(`${srv.httpUrl}/api/versions?bucket=${a.bucket}&key=doc`, { headers: keyHeaders(a) })).json() as any
    expect(hist.versions.map((v: { size: number }) => v.size)).toEqual([100, 100, Q - 200])
  })

  test('restore (PATCH /api/versions) adds the restored size: one byte over is refused, the exact fit passes', async () => {
    const a = await account()
    const ids: string[] = []
    for (const n of [1001, 1000, 10]) {
      const r = await restUpload(a, 'k', bytesOf(n), '/api/versions')
      expect(r.status).toBe(201)
      ids.push(((await r.json()) as any).versionId)
    }
    expect((await restUpload(a, 'filler', bytesOf(Q - 2011 - 1000))).status).toBe(201)
    await expectUsage(srv, a, Q - 1000)
    const restore = (versionId: string) => fetch(`${srv.httpUrl}/api/versions`, { method: 'PATCH', headers: { ...keyHeaders(a), 'content-type': 'application/json' }, body: JSON.stringify({ versionId }) })
    await expectJsonError(await restore(ids[0]), 403, 'QuotaExceeded')
    await expectUsage(srv, a, Q - 1000)
    const ok = await restore(ids[1])
    expect(ok.status).toBe(200)
    expect(((await ok.json()) as any).newVersionNumber).toBe(4)
    await done(a, Q)
    expect((await meUsage(srv, a)).objects).toBe(2)
  })
})

test('`admin usage --json` recomputes every account above to the bytes asserted over the API, with no drift', async () => {
  expect(finals.size).toBe(14)
  const r = await srv.admin('usage', '--json')
  expect(r.code).toBe(0)
  const rows = new Map((JSON.parse(r.stdout).accounts as Array<{ email: string; bytes: number; counters: { bytes: number }; drift: boolean }>).map((x) => [x.email, x]))
  for (const [email, f] of finals) {
    const row = rows.get(email)!
    expect({ email, bytes: row.bytes, counter: row.counters.bytes, drift: row.drift }).toEqual({ email, bytes: f.bytes, counter: f.bytes, drift: false })
    expect(row.bytes).toBeLessThanOrEqual(Q)
  }
})
