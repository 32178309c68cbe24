/**
 * The API the TUI and the dashboard browse and move files with: listing with folders and
 * cursors, one object's details, delete (Time Machine keeps history), and presigned S3 URLs
 * signed with a key of the caller's account, one at a time or up to 100 in one call.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT_ACCESS_KEY, startInProcess, type InProcessTestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { adminHeaders, api, createAccount, expectError, keyHeaders, login, ROOT_API_KEY, type Account } from './rest-helpers'

setDefaultTimeout(120_000)

let srv: InProcessTestServer
let skew = 0
let alice: Account
let bob: Account
beforeAll(async () => {
  srv = await startInProcess({ now: () => Date.now() + skew, env: { CLOUDSTORAGE_MULTIPART_MIN_PART_SIZE: '5' } })
  alice = await createAccount(srv)
  bob = await createAccount(srv)
})
afterAll(async () => { await srv?.stop() })

const s3Of = (a: Account) => s3Client(srv.s3Url, { accessKeyId: a.accessKey, secretAccessKey: a.secretKey })
const as = (a: Account) => keyHeaders(a.apiKey)
const put = (a: Account, bucket: string, key: string, body: string | Uint8Array, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}) =>
  s3Of(a).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }))
const s3Text = async (a: Account, bucket: string, key: string) => (await s3Of(a).send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString()

describe('GET /api/buckets/{name}/objects', () => {
  beforeAll(async () => {
    for (const k of ['a.txt', 'b.txt', 'photos/2024/img1.jpg', 'photos/2024/img2.jpg', 'photos/cover.png', 'zz/deep/x']) await put(alice, alice.bucket, k, `data of ${k}`, { ContentType: k.endsWith('.txt') ? 'text/plain' : undefined })
  })

  test('with delimiter=/: files and folders of one level, quoted ETags, ISO times', async () => {
    const r = await api(srv, 'GET', `/api/buckets/${alice.bucket}/objects?delimiter=/`, { headers: as(alice) })
    expect(r.status).toBe(200)
    expect(Object.keys(r.body).sort()).toEqual(['bucket', 'delimiter', 'nextCursor', 'objects', 'prefix', 'prefixes'])
    expect(r.body).toMatchObject({ bucket: alice.bucket, prefix: '', delimiter: '/', prefixes: ['photos/', 'zz/'], nextCursor: null })
    expect(r.body.objects.map((o: { key: string }) => o.key)).toEqual(['a.txt', 'b.txt'])
    const a = r.body.objects[0]
    expect(Object.keys(a).sort()).toEqual(['contentType', 'etag', 'id', 'key', 'lastModified', 'size'])
    expect(a).toMatchObject({ size: 'data of a.txt'.length, contentType: 'text/plain', etag: `"${createHash('md5').update('data of a.txt').digest('hex')}"` })
    expect(a.lastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(a.id).toMatch(/^[0-9A-Z]{26}$/)
    const sub = await api(srv, 'GET', `/api/buckets/${alice.bucket}/objects?delimiter=/&prefix=photos/`, { headers: as(alice) })
    expect(sub.body.prefixes).toEqual(['photos/2024/'])
    expect(sub.body.objects.map((o: { key: string }) => o.key)).toEqual(['photos/cover.png'])
  })

  test('without a delimiter: every key; pages follow nextCursor to the end', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
      const r = await api(srv, 'GET', `/api/buckets/${alice.bucket}/objects?limit=4${q}`, { headers: as(alice) })
      expect(r.status).toBe(200)
      expect(r.body.objects.length).toBeLessThanOrEqual(4)
      seen.push(...r.body.objects.map((o: { key: string }) => o.key))
      cursor = r.body.nextCursor
      pages++
    } while (cursor)
    expect(pages).toBe(2)
    expect(seen).toEqual(['a.txt', 'b.txt', 'photos/2024/img1.jpg', 'photos/2024/img2.jpg', 'photos/cover.png', 'zz/deep/x'])
    // Folders page too: a page that ends on a folder resumes after everything under it.
    const first = await api(srv, 'GET', `/api/buckets/${alice.bucket}/objects?delimiter=/&limit=3`, { headers: as(alice) })
    expect([...first.body.objects.map((o: { key: string }) => o.key), ...first.body.prefixes]).toEqual(['a.txt', 'b.txt', 'photos/'])
    const second = await api(srv, 'GET', `/api/buckets/${alice.bucket}/objects?delimiter=/&limit=3&cursor=${first.body.nextCursor}`, { headers: as(alice) })
    expect(second.body).toMatchObject({ objects: [], prefixes: ['zz/'], nextCursor: null })
  })

  test('limit 1..1000, a foreign cursor, another account\'s bucket, a missing bucket', async () => {
    expectError(await api(srv, 'GET', `/api/buckets/${alice.bucket}/objects?limit=0`, { headers: as(alice) }), 400, 'ValidationError')
    expectError(await api(srv, 'GET', `/api/buckets/${alice.bucket}/objects?limit=1001`, { headers: as(alice) }), 400, 'ValidationError')
    expectError(await api(srv, 'GET', `/api/buckets/${alice.bucket}/objects?cursor=not*ours`, { headers: as(alice) }), 400, 'ValidationError')
    expectError(await api(srv, 'GET', `/api/buckets/${alice.bucket}/objects`, { headers: as(bob) }), 403, 'AccessDenied')
    expectError(await api(srv, 'GET', '/api/buckets/no-such-bucket-here/objects', { headers: as(alice) }), 404, 'NoSuchBucket')
    expectError(await api(srv, 'GET', `/api/buckets/${alice.bucket}/objects`), 401, 'Unauthorized')
  })
})

describe('GET and DELETE /api/buckets/{name}/object', () => {
  test('details: size, type, ETag, checksum, metadata, stored headers, versions kept', async () => {
    const body = 'first version'
    await put(alice, alice.bucket, 'docs/report.txt', body, { ContentType: 'text/plain', Metadata: { project: 'apollo' }, CacheControl: 'max-age=60', ChecksumAlgorithm: 'SHA256' })
    await put(alice, alice.bucket, 'docs/report.txt', 'second version!', { ContentType: 'text/markdown' })
    const r = await api(srv, 'GET', `/api/buckets/${alice.bucket}/object?key=${encodeURIComponent('docs/report.txt')}`, { headers: as(alice) })
    expect(r.status).toBe(200)
    expect(Object.keys(r.body).sort()).toEqual(['bucket', 'checksum', 'contentType', 'etag', 'headers', 'id', 'key', 'lastModified', 'metadata', 'size', 'versionId', 'versionNumber', 'versions'])
    expect(r.body).toMatchObject({ bucket: alice.bucket, key: 'docs/report.txt', size: 15, contentType: 'text/markdown', versionNumber: 2, versions: 2, metadata: {}, headers: {} })
    // The SDK sends a CRC32 by default.
    expect(r.body.checksum).toEqual({ algorithm: 'CRC32', type: 'FULL_OBJECT', value: expect.any(String) })
    // An older version by its Time Machine id.
    const hist = await api(srv, 'GET', `/api/versions?bucket=${alice.bucket}&key=docs/report.txt`, { headers: as(alice) })
    const v1 = hist.body.versions.find((v: { versionNumber: number }) => v.versionNumber === 1)
    const old = await api(srv, 'GET', `/api/buckets/${alice.bucket}/object?key=docs/report.txt&versionId=${v1.versionId}`, { headers: as(alice) })
    expect(old.body).toMatchObject({
      versionId: v1.versionId, versionNumber: 1, size: body.length, contentType: 'text/plain', etag: `"${createHash('md5').update(body).digest('hex')}"`,
      metadata: { project: 'apollo' }, headers: { cacheControl: 'max-age=60' },
      checksum: { algorithm: 'SHA256', type: 'FULL_OBJECT', value: createHash('sha256').update(body).digest('base64') },
    })
    // The version must be this key's, in this bucket, of this account.
    expectError(await api(srv, 'GET', `/api/buckets/${alice.bucket}/object?key=a.txt&versionId=${v1.versionId}`, { headers: as(alice) }), 404, 'NoSuchVersion')
    expectError(await api(srv, 'GET', `/api/buckets/${bob.bucket}/object?key=docs/report.txt&versionId=${v1.versionId}`, { headers: as(bob) }), 404, 'NoSuchVersion')
    expectError(await api(srv, 'GET', `/api/buckets/${alice.bucket}/object?key=nope.txt`, { headers: as(alice) }), 404, 'NoSuchKey')
    expectError(await api(srv, 'GET', `/api/buckets/${alice.bucket}/object`, { headers: as(alice) }), 400, 'ValidationError')
    expectError(await api(srv, 'GET', `/api/buckets/${alice.bucket}/object?key=docs/report.txt`, { headers: as(bob) }), 403, 'AccessDenied')
  })

  test('delete is S3 DeleteObject: gone from the listing, its history kept for undelete', async () => {
    await put(alice, alice.bucket, 'trash/me.txt', 'keep my history')
    const del = await api(srv, 'DELETE', `/api/buckets/${alice.bucket}/object?key=trash/me.txt`, { headers: as(alice) })
    expect(del.status).toBe(200)
    expect(del.body).toEqual({ success: true })
    const list = await api(srv, 'GET', `/api/buckets/${alice.bucket}/objects?prefix=trash/`, { headers: as(alice) })
    expect(list.body.objects).toEqual([])
    expectError(await api(srv, 'GET', `/api/buckets/${alice.bucket}/object?key=trash/me.txt`, { headers: as(alice) }), 404, 'NoSuchKey')
    const deleted = await api(srv, 'GET', `/api/versions/deleted?bucket=${alice.bucket}`, { headers: as(alice) })
    expect(deleted.body.files.map((f: { key: string }) => f.key)).toContain('trash/me.txt')
    const undo = await api(srv, 'POST', '/api/versions/undelete', { headers: as(alice), json: { bucket: alice.bucket, key: 'trash/me.txt' } })
    expect(undo.status).toBe(200)
    expect(await s3Text(alice, alice.bucket, 'trash/me.txt')).toBe('keep my history')
    expectError(await api(srv, 'DELETE', `/api/buckets/${alice.bucket}/object?key=trash/me.txt`, { headers: as(bob) }), 403, 'AccessDenied')
    expect(await s3Text(alice, alice.bucket, 'trash/me.txt')).toBe('keep my history')
  })

  test('?key= is read strictly, as the versions API reads it: broken percent-encoding is a 400, never the raw text as a key', async () => {
    await put(alice, alice.bucket, '%FF', 'named with a literal percent')
    expect((await api(srv, 'GET', `/api/buckets/${alice.bucket}/object?key=%25FF`, { headers: as(alice) })).body.key).toBe('%FF')
    expectError(await api(srv, 'GET', `/api/buckets/${alice.bucket}/object?key=%FF`, { headers: as(alice) }), 400, 'ValidationError')
    expectError(await api(srv, 'DELETE', `/api/buckets/${alice.bucket}/object?key=%FF`, { headers: as(alice) }), 400, 'ValidationError')
    expect(await s3Text(alice, alice.bucket, '%FF')).toBe('named with a literal percent')
  })
})

describe('POST /api/presign', () => {
  const presign = (headers: Record<string, string>, json: Record<string, unknown>) => api(srv, 'POST', '/api/presign', { headers, json })

  test('PutObject then GetObject: the bytes travel through the S3 port, signed with the caller\'s key', async () => {
    const bytes = randomBytes(70_000)
    const up = await presign(as(alice), { bucket: alice.bucket, key: 'up/blob.bin', operation: 'PutObject', contentType: 'application/x-test' })
    expect(up.status).toBe(200)
    expect(Object.keys(up.body).sort()).toEqual(['expiresAt', 'headers', 'method', 'url'])
    expect(up.body.method).toBe('PUT')
    expect(up.body.headers).toEqual({ 'content-type': 'application/x-test' })
    const u = new URL(up.body.url)
    expect(u.origin).toBe(srv.s3Url)
    expect(u.pathname).toBe(`/${alice.bucket}/up/blob.bin`)
    expect(u.searchParams.get('X-Amz-Credential')).toStartWith(`${alice.accessKey}/`)
    expect(u.searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host')
    expect(Date.parse(up.body.expiresAt) - Date.now()).toBeGreaterThan(3500_000)
    const res = await fetch(up.body.url, { method: 'PUT', headers: up.body.headers, body: bytes })
    expect(res.status).toBe(200)
    const got = await s3Of(alice).send(new GetObjectCommand({ Bucket: alice.bucket, Key: 'up/blob.bin' }))
    expect(got.ContentType).toBe('application/x-test')
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(bytes)).toBe(true)
    // A different content type than signed is refused.
    const wrong = await fetch(up.body.url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'x' })
    expect(wrong.status).toBe(403)

    const down = await presign(as(alice), { bucket: alice.bucket, key: 'up/blob.bin', operation: 'GetObject', expiresIn: 60 })
    expect(down.body.method).toBe('GET')
    expect(down.body.headers).toEqual({})
    const dl = await fetch(down.body.url)
    expect(dl.status).toBe(200)
    expect(Buffer.from(await dl.arrayBuffer()).equals(bytes)).toBe(true)
  })

  test('keys with spaces, unicode and reserved characters sign and fetch', async () => {
    const key = "odd names/ä ö+ü & (1)=?#*!'~%.txt"
    await put(alice, alice.bucket, key, 'odd')
    const r = await presign(as(alice), { bucket: alice.bucket, key, operation: 'GetObject' })
    const res = await fetch(r.body.url)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('odd')
  })

  test('multipart: create, upload parts, complete; abort', async () => {
    const parts = [randomBytes(4096), randomBytes(3000)]
    const create = await presign(as(alice), { bucket: alice.bucket, key: 'mp/big.bin', operation: 'CreateMultipartUpload', contentType: 'application/octet-stream' })
    expect(create.body.method).toBe('POST')
    const c = await fetch(create.body.url, { method: 'POST', headers: create.body.headers })
    expect(c.status).toBe(200)
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await c.text())![1]
    const etags: string[] = []
    for (const [i, body] of parts.entries()) {
      const p = await presign(as(alice), { bucket: alice.bucket, key: 'mp/big.bin', operation: 'UploadPart', uploadId, partNumber: i + 1 })
      const res = await fetch(p.body.url, { method: 'PUT', body })
      expect(res.status).toBe(200)
      etags.push(res.headers.get('etag')!)
    }
    const done = await presign(as(alice), { bucket: alice.bucket, key: 'mp/big.bin', operation: 'CompleteMultipartUpload', uploadId })
    const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`
    const fin = await fetch(done.body.url, { method: 'POST', body: xml })
    expect(fin.status).toBe(200)
    const got = await s3Of(alice).send(new GetObjectCommand({ Bucket: alice.bucket, Key: 'mp/big.bin' }))
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true)

    const other = await fetch((await presign(as(alice), { bucket: alice.bucket, key: 'mp/gone.bin', operation: 'CreateMultipartUpload' })).body.url, { method: 'POST' })
    const otherId = /<UploadId>([^<]+)<\/UploadId>/.exec(await other.text())![1]
    const abort = await presign(as(alice), { bucket: alice.bucket, key: 'mp/gone.bin', operation: 'AbortMultipartUpload', uploadId: otherId })
    expect(abort.body.method).toBe('DELETE')
    expect((await fetch(abort.body.url, { method: 'DELETE' })).status).toBe(204)
  })

  test('sessions and the admin token sign with the account\'s oldest key', async () => {
    const s = await login(srv, alice.email, alice.password)
    const viaSession = await presign({ cookie: s.cookie, 'x-csrf-token': s.csrf }, { bucket: alice.bucket, key: 'a.txt', operation: 'GetObject' })
    expect(viaSession.status).toBe(200)
    expect(new URL(viaSession.body.url).searchParams.get('X-Amz-Credential')).toStartWith(`${alice.accessKey}/`)
    expect(await (await fetch(viaSession.body.url)).text()).toBe('data of a.txt')
    const viaToken = await presign(adminHeaders(srv), { bucket: (await api(srv, 'GET', '/api/buckets', { headers: keyHeaders(ROOT_API_KEY) })).body.buckets[0].name, key: 'x', operation: 'PutObject' })
    expect(viaToken.status).toBe(200)
    expect(new URL(viaToken.body.url).searchParams.get('X-Amz-Credential')).toStartWith(`${ROOT_ACCESS_KEY}/`)
  })

  test('refused: another account\'s bucket, a missing bucket, missing upload fields, expiry out of range, bad keys', async () => {
    expectError(await presign(as(bob), { bucket: alice.bucket, key: 'a.txt', operation: 'GetObject' }), 403, 'AccessDenied')
    expectError(await presign(as(alice), { bucket: 'no-such-bucket-here', key: 'a', operation: 'GetObject' }), 404, 'NoSuchBucket')
    expectError(await presign(as(alice), { bucket: alice.bucket, key: 'a', operation: 'UploadPart', partNumber: 1 }), 400, 'ValidationError')
    expectError(await presign(as(alice), { bucket: alice.bucket, key: 'a', operation: 'UploadPart', uploadId: 'x' }), 400, 'ValidationError')
    expectError(await presign(as(alice), { bucket: alice.bucket, key: 'a', operation: 'UploadPart', uploadId: 'x', partNumber: 10001 }), 400, 'ValidationError')
    expectError(await presign(as(alice), { bucket: alice.bucket, key: 'a', operation: 'CompleteMultipartUpload' }), 400, 'ValidationError')
    expectError(await presign(as(alice), { bucket: alice.bucket, key: 'a', operation: 'GetObject', expiresIn: 0 }), 400, 'ValidationError')
    expectError(await presign(as(alice), { bucket: alice.bucket, key: 'a', operation: 'GetObject', expiresIn: 604801 }), 400, 'ValidationError')
    expectError(await presign(as(alice), { bucket: alice.bucket, key: 'a', operation: 'DeleteObject' }), 400, 'ValidationError')
    expectError(await presign(as(alice), { bucket: alice.bucket, key: '', operation: 'GetObject' }), 400, 'ValidationError')
  })

  test('a presigned URL stops working when it expires', async () => {
    const r = await presign(as(alice), { bucket: alice.bucket, key: 'a.txt', operation: 'GetObject', expiresIn: 30 })
    expect((await fetch(r.body.url)).status).toBe(200)
    skew += 31_000
    try {
      const late = await fetch(r.body.url)
      expect(late.status).toBe(403)
      expect(await late.text()).toContain('Request has expired')
    } finally {
      skew -= 31_000
    }
  })

  test('with s3-public-url set, URLs point there', async () => {
    const other = await startInProcess({ env: { CLOUDSTORAGE_S3_PUBLIC_URL: 'https://s3.example.com/' } })
    try {
      const r = await api(other, 'POST', '/api/presign', { headers: keyHeaders(ROOT_API_KEY), json: { bucket: (await api(other, 'GET', '/api/buckets', { headers: keyHeaders(ROOT_API_KEY) })).body.buckets[0].name, key: 'k', operation: 'GetObject' } })
      expect(r.body.url).toStartWith('https://s3.example.com/')
      const o = await api(other, 'GET', '/api/admin/overview', { headers: adminHeaders(other) })
      expect(o.body.urls.s3).toBe('https://s3.example.com')
    } finally {
      await other.stop()
    }
  })
})

describe('POST /api/presign/batch', () => {
  const batch = (headers: Record<string, string>, requests: unknown) => api(srv, 'POST', '/api/presign/batch', { headers, json: { requests } })

  test('answers in the order asked, each URL as POST /api/presign would sign it; the URLs work', async () => {
    await put(alice, alice.bucket, 'batch/read-me.txt', 'read me')
    const r = await batch(as(alice), [
      { bucket: alice.bucket, key: 'batch/one.txt', operation: 'PutObject', contentType: 'text/plain' },
      { bucket: alice.bucket, key: 'batch/read-me.txt', operation: 'GetObject', expiresIn: 60 },
      { bucket: alice.bucket, key: 'batch/big.bin', operation: 'CreateMultipartUpload' },
      { bucket: alice.bucket, key: 'batch/two.txt', operation: 'PutObject' },
    ])
    expect(r.status).toBe(200)
    expect(Object.keys(r.body)).toEqual(['results'])
    const res = r.body.results as Array<{ url: string; method: string; headers: Record<string, string>; expiresAt: string }>
    expect(res.map((x) => [new URL(x.url).pathname, x.method])).toEqual([
      [`/${alice.bucket}/batch/one.txt`, 'PUT'], [`/${alice.bucket}/batch/read-me.txt`, 'GET'], [`/${alice.bucket}/batch/big.bin`, 'POST'], [`/${alice.bucket}/batch/two.txt`, 'PUT'],
    ])
    for (const x of res) expect(Object.keys(x).sort()).toEqual(['expiresAt', 'headers', 'method', 'url'])
    expect(res[0].headers).toEqual({ 'content-type': 'text/plain' })
    expect(new URL(res[1].url).searchParams.get('X-Amz-Expires')).toBe('60')
    expect(new URL(res[2].url).searchParams.has('uploads')).toBe(true)
    expect(new URL(res[0].url).searchParams.get('X-Amz-Credential')).toStartWith(`${alice.accessKey}/`)
    expect((await fetch(res[0].url, { method: 'PUT', headers: res[0].headers, body: 'one' })).status).toBe(200)
    expect((await fetch(res[3].url, { method: 'PUT', body: 'two' })).status).toBe(200)
    expect(await s3Text(alice, alice.bucket, 'batch/one.txt')).toBe('one')
    expect(await s3Text(alice, alice.bucket, 'batch/two.txt')).toBe('two')
    expect(await (await fetch(res[1].url)).text()).toBe('read me')
  })

  test('a multipart upload\'s part URLs, complete and abort in one call', async () => {
    const create = await batch(as(alice), [{ bucket: alice.bucket, key: 'batch/mp.bin', operation: 'CreateMultipartUpload' }])
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await (await fetch(create.body.results[0].url, { method: 'POST' })).text())![1]
    const parts = [randomBytes(6000), randomBytes(10)]
    const r = await batch(as(alice), [
      ...parts.map((_, i) => ({ bucket: alice.bucket, key: 'batch/mp.bin', operation: 'UploadPart', uploadId, partNumber: i + 1 })),
      { bucket: alice.bucket, key: 'batch/mp.bin', operation: 'CompleteMultipartUpload', uploadId },
      { bucket: alice.bucket, key: 'batch/mp.bin', operation: 'AbortMultipartUpload', uploadId },
    ])
    expect(r.body.results.map((x: { method: string }) => x.method)).toEqual(['PUT', 'PUT', 'POST', 'DELETE'])
    const etags: string[] = []
    for (const [i, body] of parts.entries()) etags.push((await fetch(r.body.results[i].url, { method: 'PUT', body })).headers.get('etag')!)
    const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`
    expect((await fetch(r.body.results[2].url, { method: 'POST', body: xml })).status).toBe(200)
    const got = await s3Of(alice).send(new GetObjectCommand({ Bucket: alice.bucket, Key: 'batch/mp.bin' }))
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true)
  })

  test('all or nothing: one bad item fails the call with the single route\'s code, the item named', async () => {
    const good = { bucket: alice.bucket, key: 'a.txt', operation: 'GetObject' }
    const refused = async (item: Record<string, unknown>, status: number, code: string) => {
      const r = await batch(as(alice), [good, good, item])
      expectError(r, status, code)
      return r.body.error.message as string
    }
    // Checked by the declared schema (the single route's, shared).
    await refused({ ...good, operation: 'DeleteObject' }, 400, 'ValidationError')
    expect(await refused({ ...good, expiresIn: 604801 }, 400, 'ValidationError')).toBe('expiresIn must be an integer from 1 to 604800 (seconds).')
    expect(await refused({ ...good, partNumber: 0 }, 400, 'ValidationError')).toBe('partNumber must be an integer from 1 to 10000.')
    expect(await refused({ ...good, extra: 1 }, 400, 'ValidationError')).toContain("'requests[2].extra'")
    expect(await refused({ bucket: alice.bucket, operation: 'GetObject' }, 400, 'ValidationError')).toContain("'requests[2].key'")
    // Checked by the service, item by item, before anything is signed.
    expect(await refused({ ...good, operation: 'UploadPart', partNumber: 1 }, 400, 'ValidationError')).toBe('requests[2]: UploadPart needs uploadId.')
    expect(await refused({ ...good, operation: 'CompleteMultipartUpload' }, 400, 'ValidationError')).toBe('requests[2]: CompleteMultipartUpload needs uploadId.')
    expect(await refused({ ...good, key: '' }, 400, 'ValidationError')).toStartWith('requests[2]: ')
    expect(await refused({ ...good, bucket: bob.bucket }, 403, 'AccessDenied')).toStartWith('requests[2]: ')
    await refused({ ...good, bucket: 'no-such-bucket-here' }, 404, 'NoSuchBucket')
  })

  test('1 to 100 requests: none, 101 or no list at all is 400; 100 sign in one call', async () => {
    const item = (i: number) => ({ bucket: alice.bucket, key: `many/${i}.bin`, operation: 'PutObject' })
    expect((await batch(as(alice), Array.from({ length: 100 }, (_, i) => item(i)))).body.results.length).toBe(100)
    const tooMany = await batch(as(alice), Array.from({ length: 101 }, (_, i) => item(i)))
    expectError(tooMany, 400, 'ValidationError')
    expect(tooMany.body.error.message).toBe('requests must list 1 to 100 presign requests.')
    expectError(await batch(as(alice), []), 400, 'ValidationError')
    expectError(await batch(as(alice), item(0)), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/presign/batch', { headers: as(alice), json: {} }), 400, 'ValidationError')
    expectError(await batch({}, [item(0)]), 401, 'Unauthorized')
  })

  test('an account without access keys: 404 NoSuchAccessKey, as for one URL', async () => {
    const carol = await createAccount(srv)
    const s = await login(srv, carol.email, carol.password)
    const session = { cookie: s.cookie, 'x-csrf-token': s.csrf }
    expect((await api(srv, 'DELETE', `/api/keys?id=${carol.accessKey}`, { headers: session })).status).toBe(200)
    const item = { bucket: carol.bucket, key: 'x', operation: 'PutObject' }
    expectError(await batch(session, [item]), 404, 'NoSuchAccessKey')
    expectError(await api(srv, 'POST', '/api/presign', { headers: session, json: item }), 404, 'NoSuchAccessKey')
  })

  test('one call is one request of the dashboard budget, however many URLs it signs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-presign-'))
    const config = join(dir, 'config.json')
    writeFileSync(config, JSON.stringify({ plans: { default: { quota: '10GiB', 'rate-limits': { write: 1000, read: 1000, list: 1000, 'dashboard-per-minute': 3 } } } }))
    const limited = await startInProcess({ env: { CLOUDSTORAGE_RATE_LIMITS: 'on' }, args: ['--config', config] })
    try {
      const a = await createAccount(limited)
      const items = Array.from({ length: 100 }, (_, i) => ({ bucket: a.bucket, key: `k${i}`, operation: 'PutObject' }))
      for (let i = 0; i < 3; i++) {
        const r = await api(limited, 'POST', '/api/presign/batch', { headers: keyHeaders(a.apiKey), json: { requests: items } })
        expect({ status: r.status, n: r.body.results?.length }).toEqual({ status: 200, n: 100 })
      }
      // 300 URLs spent the 3 requests of the minute: the next call is refused.
      expectError(await api(limited, 'POST', '/api/presign/batch', { headers: keyHeaders(a.apiKey), json: { requests: items.slice(0, 1) } }), 429, 'TooManyRequests')
    } finally {
      await limited.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
