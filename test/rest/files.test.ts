/**
 * The REST file API (/api/v1/files): isolation between accounts, REST ⇄ S3 round trips, bad
 * input answered with exact JSON errors, pagination, Range/conditional downloads, and a 1 GiB
 * multipart upload streamed through the server in constant memory.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test'
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3'
import { startInProcess, startServer, type ProcessTestServer, type TestServer } from '../helpers/server'
import { s3Client, s3Error } from '../helpers/s3-client'
import { FILE_ID, ISO_DATE, api, createAccount, expectError, keyHeaders, type Account } from './rest-helpers'
import { logSettled, untilOutput } from '../helpers/output'
import { until } from '../helpers/wait'

// Servers start and argon2 hashes run on a shared 2-core machine: no tight per-test clock.
setDefaultTimeout(120_000)

let srv: TestServer
let alice: Account
let bob: Account
beforeAll(async () => {
  srv = await startInProcess()
  alice = await createAccount(srv, { email: 'alice@files.test' })
  bob = await createAccount(srv, { email: 'bob@files.test' })
})
afterAll(async () => { await srv?.stop() })

const s3For = (a: Account) => s3Client(srv.s3Url, { accessKeyId: a.accessKey, secretAccessKey: a.secretKey })
const H = (a: Account, extra: Record<string, string> = {}) => ({ ...keyHeaders(a.apiKey), ...extra })

/** A multipart/form-data upload built with FormData (what browsers and most clients send). */
function form(parts: Array<[string, string | Blob, string?]>): FormData {
  const f = new FormData()
  for (const [name, value, filename] of parts) {
    if (typeof value === 'string') f.append(name, value)
    else f.append(name, value, filename)
  }
  return f
}
const upload = (a: Account, body: BodyInit, query = '', headers: Record<string, string> = {}) =>
  api(srv, 'POST', `/api/v1/files${query}`, { headers: H(a, headers), body })


function countFiles(dir: string): number {
  let n = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(join(dir, e.name)) : 1
  return n
}
const blobFileCount = () => countFiles(join(srv.dataDir, 'blobs')) + countFiles(join(srv.dataDir, 'tmp'))
/**
 * Blob files on disk (committed blobs plus temp files) once no upload is staging: tmp/ is empty,
 * so every earlier upload has committed its blob or discarded its temp file (blobs/ changes only
 * then; the GC grace period keeps dead blobs for 10 minutes). With `expect`, waits until the
 * count is that (a discard after an error answer may finish just after the answer) and returns
 * the last count seen if it never gets there.
 */
async function settledBlobFiles(expect?: number): Promise<number> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const staging = countFiles(join(srv.dataDir, 'tmp'))
    const n = blobFileCount()
    if (expect !== undefined ? n === expect : staging === 0) return n
    if (Date.now() > deadline) return n
    await Bun.sleep(10)
  }
}


describe('REST ⇄ S3 round trip', () => {
  test('a multipart upload is visible through S3 with the same bytes and Content-Type', async () => {
    const bytes = randomBytes(100_000)
    const r = await upload(alice, form([['file', new Blob([bytes], { type: 'application/pdf' }), 'report.pdf'], ['key', 'docs/report.pdf']]))
    expect(r.status).toBe(201)
    expect(Object.keys(r.body).sort()).toEqual(['bucket', 'contentType', 'createdAt', 'id', 'key', 'size'])
    expect(r.body).toMatchObject({ key: 'docs/report.pdf', bucket: alice.bucket, size: bytes.length, contentType: 'application/pdf' })
    expect(r.body.id).toMatch(FILE_ID)
    expect(r.body.createdAt).toMatch(ISO_DATE)
    const got = await s3For(alice).send(new GetObjectCommand({ Bucket: alice.bucket, Key: 'docs/report.pdf' }))
    expect(got.ContentType).toBe('application/pdf')
    expect(got.ContentLength).toBe(bytes.length)
    expect(got.ETag).toBe(`"${createHash('md5').update(bytes).digest('hex')}"`)
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(bytes)).toBe(true)
  })

  test('raw-body uploads: ?bucket=&key= with Content-Type, and X-File-Name with the type sniffed from the name', async () => {
    const a = await upload(alice, 'plain words', `?bucket=${alice.bucket}&key=${encodeURIComponent('notes/a b.txt')}`, { 'content-type': 'text/plain; charset=utf-8' })
    expect(a.status).toBe(201)
    expect(a.body).toMatchObject({ key: 'notes/a b.txt', bucket: alice.bucket, size: 11, contentType: 'text/plain; charset=utf-8' })
    const b = await upload(alice, new Uint8Array([0x89, 0x50, 0x4e, 0x47]), '', { 'x-file-name': 'images/logo.png', 'content-type': 'application/octet-stream' })
    expect(b.status).toBe(201)
    expect(b.body).toMatchObject({ key: 'images/logo.png', bucket: alice.bucket, size: 4, contentType: 'image/png' })
    const c = await upload(alice, 'x', '?bucket=default&key=unknown-ext.zzz9', { 'content-type': 'application/octet-stream' })
    expect(c.body.contentType).toBe('application/octet-stream')
    const h = await s3For(alice).send(new HeadObjectCommand({ Bucket: alice.bucket, Key: 'notes/a b.txt' }))
    expect(h.ContentType).toBe('text/plain; charset=utf-8')
    expect(h.ContentLength).toBe(11)
  })

  test('a form posted to ?bucket=&key= goes there (fields may repeat them; a disagreement is 400)', async () => {
    const mk = await api(srv, 'POST', '/api/buckets', { headers: H(alice), json: { name: 'alice-query' } })
    expect(mk.status).toBe(201)
    const r = await upload(alice, form([['file', new Blob(['via query']), 'q.txt']]), '?bucket=alice-query&key=from-query.txt')
    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({ bucket: 'alice-query', key: 'from-query.txt' })
    const same = await upload(alice, form([['bucket', 'alice-query'], ['file', new Blob(['same']), 'q.txt']]), '?bucket=alice-query')
    expect(same.body).toMatchObject({ bucket: 'alice-query', key: 'q.txt' })
    const before = await settledBlobFiles()
    expectError(await upload(alice, form([['file', new Blob(['disagree']), 'q.txt'], ['bucket', 'default']]), '?bucket=alice-query'), 400, 'ValidationError')
    expectError(await upload(alice, form([['key', 'a.txt'], ['file', new Blob(['disagree']), 'q.txt']]), '?key=b.txt'), 400, 'ValidationError')
    expectError(await upload(alice, form([['file', new Blob(['x']), 'q.txt']]), `?bucket=${bob.bucket}`), 403, 'AccessDenied')
    expect(await settledBlobFiles(before)).toBe(before)
  })

  test('a form file part with a generic type gets its type from the name', async () => {
    const r = await upload(alice, form([['file', new Blob(['<svg/>'], { type: 'application/octet-stream' }), 'pic.svg']]))
    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({ key: 'pic.svg', contentType: 'image/svg+xml' })
  })

  test('an object written through S3 appears in the REST list with an id, and downloads by that id', async () => {
    const bytes = randomBytes(5000)
    await s3For(alice).send(new PutObjectCommand({ Bucket: alice.bucket, Key: 's3side/data.bin', Body: bytes, ContentType: 'application/x-custom', Metadata: { color: 'blue' } }))
    const list = await api(srv, 'GET', '/api/v1/files?prefix=s3side/', { headers: H(alice) })
    expect(list.status).toBe(200)
    expect(list.body.files.length).toBe(1)
    const f = list.body.files[0]
    expect(f).toMatchObject({ key: 's3side/data.bin', size: 5000, contentType: 'application/x-custom' })
    expect(f.id).toMatch(FILE_ID)
    const res = await fetch(`${srv.httpUrl}/api/v1/files/${f.id}`, { headers: H(alice) })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/x-custom')
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true)
    const meta = await api(srv, 'GET', `/api/v1/files/${f.id}?meta=true`, { headers: H(alice) })
    expect(meta.body).toMatchObject({ id: f.id, key: 's3side/data.bin', bucket: alice.bucket, size: 5000, metadata: { color: 'blue' } })
  })

  test('the id is stable: overwriting the same key keeps it (and S3 sees the new bytes)', async () => {
    const one = await upload(alice, 'version one', '?key=stable.txt', { 'content-type': 'text/plain' })
    const two = await upload(alice, 'version two!', '?key=stable.txt', { 'content-type': 'text/plain' })
    expect(two.body.id).toBe(one.body.id)
    expect(two.body.size).toBe(12)
    const got = await s3For(alice).send(new GetObjectCommand({ Bucket: alice.bucket, Key: 'stable.txt' }))
    expect(await got.Body!.transformToString()).toBe('version two!')
    const meta = await api(srv, 'GET', `/api/v1/files/${one.body.id}?meta=true`, { headers: H(alice) })
    expect(meta.body.versionNumber).toBe(2)
  })

  test('delete answers {"success":true}; the object is gone from S3 and the list', async () => {
    const up = await upload(alice, 'short-lived', '?key=gone.txt', { 'content-type': 'text/plain' })
    const del = await api(srv, 'DELETE', `/api/v1/files/${up.body.id}`, { headers: H(alice) })
    expect(del.status).toBe(200)
    expect(del.text).toBe('{"success":true}')
    expect(await s3Error(s3For(alice).send(new GetObjectCommand({ Bucket: alice.bucket, Key: 'gone.txt' })))).toEqual({ code: 'NoSuchKey', status: 404 })
    const list = await api(srv, 'GET', '/api/v1/files?prefix=gone', { headers: H(alice) })
    expect(list.body.files).toEqual([])
    expectError(await api(srv, 'GET', `/api/v1/files/${up.body.id}`, { headers: H(alice) }), 404, 'NoSuchKey')
    expectError(await api(srv, 'DELETE', `/api/v1/files/${up.body.id}`, { headers: H(alice) }), 404, 'NoSuchKey')
  })

  test('delete in an S3-versioned bucket leaves a delete marker: the file is gone from REST', async () => {
    const mk = await api(srv, 'POST', '/api/buckets', { headers: H(alice), json: { name: 'alice-versioned' } })
    expect(mk.status).toBe(201)
    await s3For(alice).send(new PutBucketVersioningCommand({ Bucket: 'alice-versioned', VersioningConfiguration: { Status: 'Enabled' } }))
    const up = await upload(alice, 'kept as a version', '?bucket=alice-versioned&key=v.txt', { 'content-type': 'text/plain' })
    expect((await api(srv, 'DELETE', `/api/v1/files/${up.body.id}`, { headers: H(alice) })).status).toBe(200)
    expectError(await api(srv, 'GET', `/api/v1/files/${up.body.id}`, { headers: H(alice) }), 404, 'NoSuchKey')
    expect((await api(srv, 'GET', '/api/v1/files?bucket=alice-versioned', { headers: H(alice) })).body.files).toEqual([])
  })
})

describe('isolation between accounts', () => {
  let secret: { id: string }
  beforeAll(async () => {
    const r = await upload(alice, 'alice private data', '?key=private/secret.txt', { 'content-type': 'text/plain' })
    expect(r.status).toBe(201)
    secret = r.body
  })

  test("another account's file id answers 404 NoSuchKey on download, metadata and delete", async () => {
    const missing = await api(srv, 'GET', '/api/v1/files/01ZZZZZZZZZZZZZZZZZZZZZZZZ', { headers: H(bob) })
    expectError(missing, 404, 'NoSuchKey')
    const get = await api(srv, 'GET', `/api/v1/files/${secret.id}`, { headers: H(bob) })
    expectError(get, 404, 'NoSuchKey')
    // Indistinguishable from an id that does not exist.
    expect(get.body.error.message.replace(secret.id, 'ID')).toBe(missing.body.error.message.replace('01ZZZZZZZZZZZZZZZZZZZZZZZZ', 'ID'))
    expectError(await api(srv, 'GET', `/api/v1/files/${secret.id}?meta=true`, { headers: H(bob) }), 404, 'NoSuchKey')
    expectError(await api(srv, 'GET', `/api/v1/files/${secret.id}`, { headers: H(bob, { range: 'bytes=0-3' }) }), 404, 'NoSuchKey')
    expectError(await api(srv, 'DELETE', `/api/v1/files/${secret.id}`, { headers: H(bob) }), 404, 'NoSuchKey')
    // Still there for its owner.
    const mine = await fetch(`${srv.httpUrl}/api/v1/files/${secret.id}`, { headers: H(alice) })
    expect(await mine.text()).toBe('alice private data')
  })

  test("another account's bucket name → 403 AccessDenied on list and on both upload forms; nothing is stored", async () => {
    const blobsBefore = await settledBlobFiles()
    const bobUsage = (await api(srv, 'GET', '/api/me', { headers: H(bob) })).body.usage
    expectError(await api(srv, 'GET', `/api/v1/files?bucket=${alice.bucket}`, { headers: H(bob) }), 403, 'AccessDenied')
    expectError(await upload(bob, 'intruder', `?bucket=${alice.bucket}&key=intruder.txt`), 403, 'AccessDenied')
    // Bucket field before the file: refused before the file is stored.
    expectError(await upload(bob, form([['bucket', alice.bucket], ['key', 'intruder.txt'], ['file', new Blob(['intruder-a']), 'i.txt']])), 403, 'AccessDenied')
    // Bucket field after the file: the staged bytes are discarded.
    expectError(await upload(bob, form([['file', new Blob(['intruder-b']), 'i.txt'], ['bucket', alice.bucket], ['key', 'intruder.txt']])), 403, 'AccessDenied')
    expect((await s3Error(s3For(alice).send(new HeadObjectCommand({ Bucket: alice.bucket, Key: 'intruder.txt' })))).status).toBe(404)
    expect((await api(srv, 'GET', '/api/me', { headers: H(bob) })).body.usage).toEqual(bobUsage)
    expect(await settledBlobFiles(blobsBefore)).toBe(blobsBefore)
  })

  test("each account's default bucket is its own: lists never show the other's files", async () => {
    const up = await upload(bob, 'bob data', '?key=private/bob.txt', { 'content-type': 'text/plain' })
    expect(up.body.bucket).toBe(bob.bucket)
    const bobList = await api(srv, 'GET', '/api/v1/files?prefix=private/', { headers: H(bob) })
    expect(bobList.body.files.map((f: { key: string }) => f.key)).toEqual(['private/bob.txt'])
    const bobDefault = await api(srv, 'GET', '/api/v1/files?prefix=private/&bucket=default', { headers: H(bob) })
    expect(bobDefault.body).toEqual(bobList.body)
    const aliceList = await api(srv, 'GET', '/api/v1/files?prefix=private/', { headers: H(alice) })
    expect(aliceList.body.files.map((f: { key: string }) => f.key)).toEqual(['private/secret.txt'])
  })

  test('an unknown bucket is 404 NoSuchBucket', async () => {
    expectError(await api(srv, 'GET', '/api/v1/files?bucket=no-such-bucket-xyz', { headers: H(bob) }), 404, 'NoSuchBucket')
    expectError(await upload(bob, 'x', '?bucket=no-such-bucket-xyz&key=x.txt'), 404, 'NoSuchBucket')
    expectError(await upload(bob, form([['file', new Blob(['x']), 'x.txt'], ['bucket', 'no-such-bucket-xyz']])), 404, 'NoSuchBucket')
  })
})

describe('bad input: clear JSON errors', () => {
  test('multipart/form-data without a boundary → 400 ValidationError', async () => {
    expectError(await upload(alice, 'whatever', '', { 'content-type': 'multipart/form-data' }), 400, 'ValidationError')
  })

  test('a form without the file field → 400 ValidationError', async () => {
    const r = await upload(alice, form([['key', 'nofile.txt']]))
    expectError(r, 400, 'ValidationError')
    expect(r.body.error.message).toContain("'file'")
  })

  test("'file' sent as a text field (curl -F file=<path) → 400 ValidationError explaining it", async () => {
    const r = await upload(alice, form([['file', 'just text, no filename']]))
    expectError(r, 400, 'ValidationError')
    expect(r.body.error.message).toContain('file part')
  })

  test('a file under another field name → 400 ValidationError', async () => {
    expectError(await upload(alice, form([['upload', new Blob(['data']), 'a.txt']])), 400, 'ValidationError')
  })

  test('two files → 400 ValidationError', async () => {
    expectError(await upload(alice, form([['file', new Blob(['one']), 'a.txt'], ['file', new Blob(['two']), 'b.txt']])), 400, 'ValidationError')
  })

  test('empty uploads → 400 ValidationError (form and raw), nothing stored', async () => {
    const before = await settledBlobFiles()
    const a = await upload(alice, form([['file', new Blob([]), 'empty.txt']]))
    expectError(a, 400, 'ValidationError')
    expect(a.body.error.message).toContain('empty')
    expectError(await upload(alice, '', '?key=empty.txt'), 400, 'ValidationError')
    expect((await api(srv, 'GET', '/api/v1/files?prefix=empty', { headers: H(alice) })).body.files).toEqual([])
    expect(await settledBlobFiles(before)).toBe(before)
  })

  test('unknown form fields → 400 ValidationError naming the field, before or after the file; nothing stored', async () => {
    const before = await settledBlobFiles()
    const a = await upload(alice, form([['color', 'blue'], ['file', new Blob(['unknown-field-a']), 'u.txt']]))
    expectError(a, 400, 'ValidationError')
    expect(a.body.error.message).toContain("'color'")
    const b = await upload(alice, form([['file', new Blob(['unknown-field-b']), 'u.txt'], ['colour', 'red']]))
    expectError(b, 400, 'ValidationError')
    expect(b.body.error.message).toContain("'colour'")
    expect((await api(srv, 'GET', '/api/v1/files?prefix=u.txt', { headers: H(alice) })).body.files).toEqual([])
    expect(await settledBlobFiles(before)).toBe(before)
  })

  test('a duplicated field → 400 ValidationError', async () => {
    expectError(await upload(alice, form([['key', 'a.txt'], ['key', 'b.txt'], ['bucket', 'default'], ['file', new Blob(['x']), 'x.txt']])), 400, 'ValidationError')
  })

  test('a truncated multipart body → 400 ValidationError', async () => {
    const body = '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="t.txt"\r\nContent-Type: text/plain\r\n\r\nhalf a file and no closing boundary'
    const r = await upload(alice, body, '', { 'content-type': 'multipart/form-data; boundary=XYZ' })
    expectError(r, 400, 'ValidationError')
    expect((await api(srv, 'GET', '/api/v1/files?prefix=t.txt', { headers: H(alice) })).body.files).toEqual([])
  })

  test('a raw upload without a key → 400 ValidationError; a key over 1024 bytes → 400 ValidationError (JSON surfaces; S3 says KeyTooLongError)', async () => {
    expectError(await upload(alice, 'data', '', { 'content-type': 'text/plain' }), 400, 'ValidationError')
    expectError(await upload(alice, 'data', `?key=${'k'.repeat(1025)}`, { 'content-type': 'text/plain' }), 400, 'ValidationError')
    expectError(await upload(alice, form([['key', 'é'.repeat(513)], ['file', new Blob(['x']), 'x.txt']])), 400, 'ValidationError')
    expect((await upload(alice, 'data', `?key=${'k'.repeat(1024)}`, { 'content-type': 'text/plain' })).status).toBe(201)
  })

  test('list parameters: limit must be 1..1000, a bad cursor is 400', async () => {
    for (const limit of ['0', '1001', 'abc', '-1', '1.5', '']) {
      const r = await api(srv, 'GET', `/api/v1/files?limit=${limit}`, { headers: H(alice) })
      expect({ limit, status: r.status, code: r.body?.error?.code }).toEqual({ limit, status: 400, code: 'ValidationError' })
    }
    expect((await api(srv, 'GET', '/api/v1/files?limit=1000', { headers: H(alice) })).status).toBe(200)
    for (const cursor of ['!!!not-base64!!!', 'abc=', Buffer.from([0xff, 0xfe, 0x00]).toString('base64url')]) {
      const r = await api(srv, 'GET', `/api/v1/files?cursor=${encodeURIComponent(cursor)}`, { headers: H(alice) })
      expect({ cursor, status: r.status, code: r.body?.error?.code }).toEqual({ cursor, status: 400, code: 'ValidationError' })
    }
  })

  test('malformed file ids → 404 NoSuchKey; broken percent-encoding → 400 InvalidURI (never a 500)', async () => {
    for (const id of ['nope', '..%2F..%2Fetc%2Fpasswd', 'a'.repeat(300), '01ARZ3NDEKTSV4RRFFQ69G5FA%00', '01arz3ndektsv4rrffq69g5fav']) {
      const r = await api(srv, 'GET', `/api/v1/files/${id}`, { headers: H(alice) })
      expect({ id, status: r.status, code: r.body?.error?.code }).toEqual({ id, status: 404, code: 'NoSuchKey' })
      const d = await api(srv, 'DELETE', `/api/v1/files/${id}`, { headers: H(alice) })
      expect({ id, status: d.status, code: d.body?.error?.code }).toEqual({ id, status: 404, code: 'NoSuchKey' })
    }
    expectError(await api(srv, 'GET', '/api/v1/files/%E0%A4%A', { headers: H(alice) }), 400, 'InvalidURI')
    expectError(await api(srv, 'DELETE', '/api/v1/files/%E0%A4%A', { headers: H(alice) }), 400, 'InvalidURI')
  })

  test('broken percent-encoding in dashboard and admin paths → 400 InvalidURI (never a 500)', async () => {
    expectError(await api(srv, 'GET', '/api/buckets/%E0%A4%A', { headers: H(alice) }), 400, 'InvalidURI')
    expectError(await api(srv, 'PATCH', '/api/buckets/%ZZ', { headers: H(alice), json: { publicRead: true } }), 400, 'InvalidURI')
    expectError(await api(srv, 'DELETE', '/api/buckets/%ZZ', { headers: H(alice) }), 400, 'InvalidURI')
    const token = { authorization: `Bearer ${require('node:fs').readFileSync(`${srv.dataDir}/admin.token`, 'utf8').trim()}` }
    expectError(await api(srv, 'GET', '/api/admin/accounts/%ZZ', { headers: token }), 400, 'InvalidURI')
  })

  test('credentials: none, malformed, wrong secret, cookie-style → 401 Unauthorized', async () => {
    const cases: Record<string, string>[] = [
      {},
      { 'x-api-key': alice.accessKey },
      { 'x-api-key': `${alice.accessKey}:wrong-secret` },
      { 'x-api-key': `${alice.accessKey}:${alice.secretKey}x` },
      { 'x-api-key': `:${alice.secretKey}` },
      { authorization: `Bearer ${alice.accessKey}` },
      { authorization: `Basic ${Buffer.from(`${alice.accessKey}:${alice.secretKey}`).toString('base64')}` },
      { authorization: `AWS4-HMAC-SHA256 Credential=${alice.accessKey}/20260101/eu-central-1/s3/aws4_request` },
    ]
    for (const headers of cases) {
      const r = await api(srv, 'GET', '/api/v1/files', { headers })
      expect({ headers, status: r.status, code: r.body?.error?.code }).toEqual({ headers, status: 401, code: 'Unauthorized' })
    }
  })

  test('JSON endpoints: invalid JSON, unknown fields, wrong types, wrong content type', async () => {
    expectError(await api(srv, 'POST', '/api/buckets', { headers: H(alice, { 'content-type': 'application/json' }), body: '{"name": "x",}' }), 400, 'InvalidJSON')
    expectError(await api(srv, 'POST', '/api/buckets', { headers: H(alice, { 'content-type': 'application/json' }), body: '' }), 400, 'InvalidJSON')
    expectError(await api(srv, 'POST', '/api/buckets', { headers: H(alice, { 'content-type': 'application/json' }), body: 'null' }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/buckets', { headers: H(alice), json: { name: 'ok-name-1', extra: 1 } }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/buckets', { headers: H(alice), json: { name: 123 } }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/buckets', { headers: H(alice, { 'content-type': 'application/x-www-form-urlencoded' }), body: 'name=ok-name-1' }), 415, 'UnsupportedMediaType')
    expectError(await api(srv, 'POST', '/api/buckets', { headers: H(alice, { 'content-type': 'application/json' }), body: JSON.stringify({ name: 'x'.repeat(70_000) }) }), 413, 'RequestEntityTooLarge')
  })

  test('unknown API paths and methods → JSON 404 NotFound (not the router’s plain text)', async () => {
    for (const [method, path] of [['GET', '/api/v1/nope'], ['PUT', '/api/v1/files'], ['PATCH', '/api/keys'], ['GET', '/api/v1/files/a/b'], ['POST', `/api/buckets/${alice.bucket}`]]) {
      const r = await api(srv, method, path, { headers: H(alice) })
      expect({ method, path, status: r.status, code: r.body?.error?.code }).toEqual({ method, path, status: 404, code: 'NotFound' })
    }
    expect((await api(srv, 'GET', '/api/openapi.json')).status).toBe(200)
  })

  test('huge request headers are refused without harming the server', async () => {
    const res = await fetch(`${srv.httpUrl}/api/v1/files`, { headers: { ...H(alice), 'x-padding': 'p'.repeat(256 * 1024) } }).catch((e) => e as Error)
    if (res instanceof Response) {
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
    }
    expect((await api(srv, 'GET', '/api/v1/files', { headers: H(alice) })).status).toBe(200)
  })
})

describe('listing', () => {
  test('pagination with limit and nextCursor walks every key once, in order', async () => {
    const keys = ['pg/a', 'pg/b', 'pg/c/d', 'pg/é', 'pg/z 1', 'pg/日本']
    for (const k of keys) expect((await upload(bob, `content of ${k}`, `?key=${encodeURIComponent(k)}`, { 'content-type': 'text/plain' })).status).toBe(201)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const q: string = `/api/v1/files?prefix=pg/&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const r = await api(srv, 'GET', q, { headers: H(bob) })
      expect(r.status).toBe(200)
      expect(r.body.files.length).toBeLessThanOrEqual(2)
      seen.push(...r.body.files.map((f: { key: string }) => f.key))
      expect(r.body.hasMore).toBe(r.body.nextCursor !== null)
      cursor = r.body.nextCursor
      pages++
    } while (cursor && pages < 10)
    expect(seen).toEqual([...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))))
    expect(pages).toBe(3)
  })

  test('the default limit is 100', async () => {
    const mk = await api(srv, 'POST', '/api/buckets', { headers: H(bob), json: { name: 'bob-many' } })
    expect(mk.status).toBe(201)
    const s3 = s3For(bob)
    for (let i = 0; i < 105; i += 15) await Promise.all(Array.from({ length: Math.min(15, 105 - i) }, (_, j) => s3.send(new PutObjectCommand({ Bucket: 'bob-many', Key: `k${String(i + j).padStart(3, '0')}`, Body: `v${i + j}` }))))
    const r = await api(srv, 'GET', '/api/v1/files?bucket=bob-many', { headers: H(bob) })
    expect(r.body.files.length).toBe(100)
    expect(r.body.hasMore).toBe(true)
    const rest = await api(srv, 'GET', `/api/v1/files?bucket=bob-many&cursor=${encodeURIComponent(r.body.nextCursor)}`, { headers: H(bob) })
    expect(rest.body.files.map((f: { key: string }) => f.key)).toEqual(['k100', 'k101', 'k102', 'k103', 'k104'])
    expect(rest.body.hasMore).toBe(false)
    expect(rest.body.nextCursor).toBeNull()
  })
})

describe('downloads: Range, conditional requests, safe headers', () => {
  const body = 'The quick brown fox jumps over the lazy dog' // 43 bytes
  let file: { id: string }
  let etag: string
  beforeAll(async () => {
    file = (await upload(alice, body, '?key=dl/fox.txt', { 'content-type': 'text/plain' })).body
    etag = `"${createHash('md5').update(body).digest('hex')}"`
  })
  const get = (headers: Record<string, string> = {}) => fetch(`${srv.httpUrl}/api/v1/files/${file.id}`, { headers: H(alice, headers) })

  test('a plain download: bytes, ETag, Last-Modified, attachment, nosniff', async () => {
    const r = await get()
    expect(r.status).toBe(200)
    expect(await r.text()).toBe(body)
    expect(r.headers.get('etag')).toBe(etag)
    expect(r.headers.get('content-length')).toBe('43')
    expect(r.headers.get('accept-ranges')).toBe('bytes')
    expect(Date.parse(r.headers.get('last-modified')!)).not.toBeNaN()
    expect(r.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''fox.txt")
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
  })

  test('Range: first-last, open-ended, suffix → 206 with Content-Range', async () => {
    for (const [range, part, cr] of [['bytes=4-8', 'quick', 'bytes 4-8/43'], ['bytes=40-', 'dog', 'bytes 40-42/43'], ['bytes=-4', ' dog', 'bytes 39-42/43'], ['bytes=40-1000', 'dog', 'bytes 40-42/43']]) {
      const r = await get({ range })
      expect({ range, status: r.status, cr: r.headers.get('content-range'), len: r.headers.get('content-length') }).toEqual({ range, status: 206, cr, len: String(part.length) })
      expect(await r.text()).toBe(part)
    }
  })

  test('an unsatisfiable Range → 416 InvalidRange with Content-Range: bytes */size', async () => {
    const r = await api(srv, 'GET', `/api/v1/files/${file.id}`, { headers: H(alice, { range: 'bytes=43-50' }) })
    expectError(r, 416, 'InvalidRange')
    expect(r.headers.get('content-range')).toBe('bytes */43')
  })

  test('If-None-Match with the ETag → 304 without a body; If-Modified-Since → 304', async () => {
    const r = await get({ 'if-none-match': etag })
    expect(r.status).toBe(304)
    expect(r.headers.get('etag')).toBe(etag)
    expect(await r.text()).toBe('')
    const lm = (await get()).headers.get('last-modified')!
    expect((await get({ 'if-modified-since': lm })).status).toBe(304)
    expect((await get({ 'if-none-match': '"something-else"' })).status).toBe(200)
  })

  test('If-Match mismatch → 412 PreconditionFailed; match → 200', async () => {
    expectError(await api(srv, 'GET', `/api/v1/files/${file.id}`, { headers: H(alice, { 'if-match': '"0000"' }) }), 412, 'PreconditionFailed')
    expect((await get({ 'if-match': etag })).status).toBe(200)
  })

  test('HTML is served as an attachment with nosniff and a sandbox CSP (no stored XSS on the API origin)', async () => {
    const up = await upload(alice, form([['file', new Blob(['<script>alert(document.cookie)</script>'], { type: 'text/html' }), 'evil.html']]))
    const r = await fetch(`${srv.httpUrl}/api/v1/files/${up.body.id}`, { headers: H(alice) })
    expect(r.headers.get('content-type')).toBe('text/html')
    expect(r.headers.get('content-disposition')).toStartWith('attachment')
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
    expect(r.headers.get('content-security-policy')).toBe('sandbox')
  })
})

describe('clients that go away mid-upload', () => {
  /** Sends the head and part of a declared body over a raw socket, then drops the connection. */
  async function abandon(path: string, headers: Record<string, string>, declared: number, prefix: Buffer) {
    const { hostname, port } = new URL(srv.httpUrl)
    const net = await import('node:net')
    const sock = net.connect(Number(port), hostname)
    await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject) })
    const head = [`POST ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, `Content-Length: ${declared}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n')
    const tmp = join(srv.dataDir, 'tmp')
    const staged = new Set(readdirSync(tmp))
    sock.write(head)
    await new Promise<void>((resolve) => sock.write(prefix, () => resolve()))
    // Dropped only once the server is storing the body: a temp file of this upload exists.
    await until(() => readdirSync(tmp).some((f) => !staged.has(f)), 'the abandoned upload to reach the blob store')
    sock.destroy()
  }
  const uploadLines = (out: string) => out.split('\n').filter((l) => / rest POST \/api\/v1\/files /.test(l))
  /** Waits (polling with a deadline) until the server has logged `n` more REST uploads. */
  async function loggedUploads(before: number, n: number): Promise<string[]> {
    return uploadLines(await untilOutput(srv, (out) => uploadLines(out).length >= before + n, `${n} more upload log lines`)).slice(before)
  }
  const uploadsLogged = async () => uploadLines(await logSettled(srv)).length

  test('an abandoned form or raw upload ends its request, removes its temp file and frees its quota reservation', async () => {
    const carol = await createAccount(srv, { email: 'carol@files.test', quota: '30MiB' })
    const before = await uploadsLogged()
    const blobsBefore = await settledBlobFiles()
    const boundary = 'abandonedboundary'
    const formHead = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="gone.bin"\r\n\r\n`)
    await abandon('/api/v1/files', { 'X-API-Key': carol.apiKey, 'Content-Type': `multipart/form-data; boundary=${boundary}` }, 20 * 2 ** 20, Buffer.concat([formHead, randomBytes(3 * 2 ** 20)]))
    // A raw upload declaring 20 MiB reserves 20 of the 30 MiB quota while it runs.
    await abandon('/api/v1/files?key=gone-raw.bin', { 'X-API-Key': carol.apiKey, 'Content-Type': 'application/octet-stream' }, 20 * 2 ** 20, randomBytes(3 * 2 ** 20))
    const lines = await loggedUploads(before, 2)
    expect(lines.length).toBe(2)
    for (const l of lines) expect(l).toMatch(/ 400 .*error=(ValidationError|IncompleteBody)/)
    expect(await settledBlobFiles(blobsBefore)).toBe(blobsBefore)
    expect(readdirSync(join(srv.dataDir, 'tmp'))).toEqual([])
    // Had the reservation leaked, 20 MiB more would exceed the 30 MiB quota.
    const full = await upload(carol, randomBytes(20 * 2 ** 20), '?key=after.bin')
    expect(full.status).toBe(201)
    expect((await api(srv, 'GET', '/api/me', { headers: H(carol) })).body.usage.objects).toBe(1)
  })
})

/** VmRSS of a process in bytes. */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!m) throw new Error('no VmRSS')
  return Number(m[1]) * 1024
}

describe('1 GiB multipart upload in constant memory', () => {
  const SIZE = 1024 * 1024 * 1024
  const CHUNK = 1024 * 1024
  const LIMIT = 150 * 1024 * 1024
  // The server's memory is measured: it runs in its own process, apart from the test's client.
  let srv: ProcessTestServer
  let alice: Account
  beforeAll(async () => {
    srv = await startServer()
    alice = await createAccount(srv, { email: 'alice@files.test' })
  })
  afterAll(async () => { await srv?.stop() })
  const upload = (a: Account, body: BodyInit, query = '') => api(srv, 'POST', `/api/v1/files${query}`, { headers: H(a), body })

  test('streams through the server (RSS growth < 150 MiB), then downloads with the same size and SHA-256', async () => {
    const pid = srv.proc.pid
    // Warm up the upload path so first-use allocations are not counted as growth.
    expect((await upload(alice, form([['file', new Blob([randomBytes(4 * CHUNK)]), 'warm.bin']]))).status).toBe(201)
    Bun.gc(true)
    const baseline = rssOf(pid)
    let peak = baseline
    const sampler = setInterval(() => { peak = Math.max(peak, rssOf(pid)) }, 50)

    // The body is generated as it is sent: a 1 MiB random block, varied per chunk.
    const boundary = '----cloudstorage-big-' + randomBytes(8).toString('hex')
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nbig/one-gib.bin\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="one-gib.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`)
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
    const block = randomBytes(CHUNK)
    const sent = createHash('sha256')
    let i = 0
    const stream = new ReadableStream<Uint8Array>({
      start(c) { c.enqueue(head) },
      pull(c) {
        if (i === SIZE / CHUNK) {
          c.enqueue(tail)
          c.close()
          return
        }
        const chunk = Buffer.from(block)
        chunk.writeUInt32BE(i++, 0)
        sent.update(chunk)
        c.enqueue(chunk)
      },
    })
    let res: Response
    try {
      res = await fetch(`${srv.httpUrl}/api/v1/files`, { method: 'POST', headers: { ...H(alice), 'content-type': `multipart/form-data; boundary=${boundary}` }, body: stream, duplex: 'half' } as RequestInit)
    } finally {
      clearInterval(sampler)
    }
    const up = await res.json() as Record<string, any>
    expect(res.status).toBe(201)
    expect(up).toMatchObject({ key: 'big/one-gib.bin', bucket: alice.bucket, size: SIZE, contentType: 'application/octet-stream' })
    const uploadGrowth = peak - baseline
    expect(uploadGrowth).toBeLessThan(LIMIT)

    // Download, hashing as it arrives.
    peak = rssOf(pid)
    const dlBaseline = peak
    const sampler2 = setInterval(() => { peak = Math.max(peak, rssOf(pid)) }, 50)
    const got = createHash('sha256')
    let size = 0
    try {
      const dl = await fetch(`${srv.httpUrl}/api/v1/files/${up.id}`, { headers: H(alice) })
      expect(dl.status).toBe(200)
      expect(dl.headers.get('content-length')).toBe(String(SIZE))
      for await (const chunk of dl.body as unknown as AsyncIterable<Uint8Array>) {
        got.update(chunk)
        size += chunk.byteLength
      }
    } finally {
      clearInterval(sampler2)
    }
    expect(size).toBe(SIZE)
    expect(got.digest('hex')).toBe(sent.digest('hex'))
    expect(peak - dlBaseline).toBeLessThan(LIMIT)
    console.log(`1 GiB: upload RSS growth ${(uploadGrowth / 2 ** 20).toFixed(1)} MiB, download ${((peak - dlBaseline) / 2 ** 20).toFixed(1)} MiB`)

    // The blob on disk is the whole file; the account's usage counts it.
    const me = await api(srv, 'GET', '/api/me', { headers: H(alice) })
    expect(me.body.usage.bytes).toBeGreaterThanOrEqual(SIZE)
    expect((await api(srv, 'DELETE', `/api/v1/files/${up.id}`, { headers: H(alice) })).status).toBe(200)
    expect(statSync(srv.dataDir).isDirectory()).toBe(true)
  }, 600_000)
})
