/**
 * The public API document's curl examples (keys API and the simple REST file API), run AS
 * WRITTEN with the real curl binary: only the host, the keys, the session cookie and the file id
 * are substituted. The responses must have exactly the documented shape.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { FILE_ID, ISO_DATE, ROOT_API_KEY, api, keyHeaders, login, sh, type Session } from './rest-helpers'

// Servers start and argon2 hashes run on a shared 2-core machine: no tight per-test clock.
setDefaultTimeout(120_000)

let srv: TestServer
let work: string
let session: Session
let defaultBucket: string
// A tiny but real JPEG header + payload: the bytes only need to round-trip.
const PHOTO = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('CloudStorage spec example photo '.repeat(64)), Buffer.from([0xff, 0xd9])])

beforeAll(async () => {
  srv = await startInProcess()
  work = mkdtempSync(join(tmpdir(), 'cs-spec-'))
  writeFileSync(join(work, 'photo.jpg'), PHOTO)
  session = await login(srv)
  const me = await api(srv, 'GET', '/api/me', { headers: { cookie: session.cookie } })
  defaultBucket = me.body.account.defaultBucket
})
afterAll(async () => {
  await srv?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

/** The documented hosts and placeholders, mapped onto this test server. */
function substitute(example: string, extra: Record<string, string> = {}): string {
  let s = example
    .replaceAll('https://cloudstorage.io', srv.httpUrl)
    .replaceAll('YOUR_ACCESS_KEY:YOUR_SECRET_KEY', ROOT_API_KEY)
    .replaceAll('session=your-session-cookie', session.cookie)
  for (const [from, to] of Object.entries(extra)) s = s.replaceAll(from, to)
  return s
}

/** Runs an example with bash (continuation lines as written) and parses the JSON it prints. */
async function run(example: string, extra: Record<string, string> = {}) {
  // -sS keeps curl's progress meter out of stdout; it changes nothing on the wire.
  const cmd = substitute(example, extra).replace(/^curl /, 'curl -sS ')
  const r = await sh(cmd, work)
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return r.stdout
}

describe('keys API examples (session cookie)', () => {
  let created: { accessKey: string; secretKey: string }

  test('POST /api/keys as documented returns accessKey CS… and secretKey', async () => {
    const out = await run(`curl -X POST https://cloudstorage.io/api/keys \\
-H "Content-Type: application/json" \\
-H "Cookie: session=your-session-cookie" \\
-d '{"name": "production-key"}'`)
    const body = JSON.parse(out)
    expect(body.accessKey).toMatch(/^CS[A-Z0-9]{18}$/)
    expect(body.secretKey).toMatch(/^[A-Za-z0-9]{40}$/)
    // Documented fields plus the key's id/name/creation time (for the dashboard's list).
    expect(Object.keys(body).sort()).toEqual(['accessKey', 'createdAt', 'id', 'name', 'secretKey'])
    expect(body.name).toBe('production-key')
    expect(body.createdAt).toMatch(ISO_DATE)
    created = body
    // The new key works on the REST API at once.
    const r = await api(srv, 'GET', '/api/v1/files', { headers: keyHeaders(`${body.accessKey}:${body.secretKey}`) })
    expect(r.status).toBe(200)
  })

  test('GET /api/keys lists keys, never secrets', async () => {
    const out = await run(`curl https://cloudstorage.io/api/keys \\
-H "Cookie: session=your-session-cookie"`)
    const body = JSON.parse(out)
    expect(Object.keys(body)).toEqual(['keys'])
    const mine = body.keys.find((k: { accessKey: string }) => k.accessKey === created.accessKey)
    expect(mine).toBeDefined()
    expect(Object.keys(mine).sort()).toEqual(['accessKey', 'createdAt', 'id', 'lastUsedAt', 'name'])
    expect(out).not.toContain(created.secretKey)
  })

  test('DELETE /api/keys?id=xxx revokes it', async () => {
    const out = await run(`curl -X DELETE "https://cloudstorage.io/api/keys?id=xxx" \\
-H "Cookie: session=your-session-cookie"`, { xxx: created.accessKey })
    expect(JSON.parse(out)).toEqual({ success: true })
    const r = await api(srv, 'GET', '/api/v1/files', { headers: keyHeaders(`${created.accessKey}:${created.secretKey}`) })
    expect(r.status).toBe(401)
  })
})

describe('REST file API examples', () => {
  let uploaded: Record<string, unknown>

  test('both authentication options are accepted', async () => {
    const a = JSON.parse(await run(`curl https://cloudstorage.io/api/v1/files \\
-H "X-API-Key: YOUR_ACCESS_KEY:YOUR_SECRET_KEY"`))
    const b = JSON.parse(await run(`curl https://cloudstorage.io/api/v1/files \\
-H "Authorization: Bearer YOUR_ACCESS_KEY:YOUR_SECRET_KEY"`))
    expect(Object.keys(a).sort()).toEqual(['files', 'hasMore', 'nextCursor'])
    expect(b).toEqual(a)
  })

  test('upload with -F "file=@photo.jpg" answers exactly {id,key,bucket,size,contentType,createdAt}', async () => {
    const out = await run(`curl -X POST https://cloudstorage.io/api/v1/files \\
-H "X-API-Key: YOUR_ACCESS_KEY:YOUR_SECRET_KEY" \\
-F "file=@photo.jpg"`)
    const body = JSON.parse(out)
    expect(Object.keys(body).sort()).toEqual(['bucket', 'contentType', 'createdAt', 'id', 'key', 'size'])
    expect(body.id).toMatch(FILE_ID)
    expect(body.key).toBe('photo.jpg')
    // The account's default bucket, by its real (global) name.
    expect(body.bucket).toBe(defaultBucket)
    expect(body.size).toBe(PHOTO.length)
    expect(body.contentType).toBe('image/jpeg')
    expect(body.createdAt).toMatch(ISO_DATE)
    expect(Math.abs(Date.parse(body.createdAt) - Date.now())).toBeLessThan(10 * 60_000)
    uploaded = body
    // Same bytes and type through S3.
    const got = await s3Client(srv.s3Url).send(new GetObjectCommand({ Bucket: defaultBucket, Key: 'photo.jpg' }))
    expect(got.ContentType).toBe('image/jpeg')
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(PHOTO)).toBe(true)
  })

  test('list ?prefix=photos/&limit=20&bucket=my-bucket answers {files:[{id,key,size,contentType,updatedAt}],hasMore}', async () => {
    const mk = await api(srv, 'POST', '/api/buckets', { headers: { cookie: session.cookie }, json: { name: 'my-bucket' } })
    expect(mk.status).toBe(201)
    writeFileSync(join(work, 'cat.jpg'), PHOTO)
    writeFileSync(join(work, 'dog.png'), Buffer.from('\x89PNG\r\n\x1a\n fake png body', 'latin1'))
    const ids: Record<string, string> = {}
    for (const [file, key] of [['cat.jpg', 'photos/cat.jpg'], ['dog.png', 'photos/dog.png'], ['cat.jpg', 'other/cat.jpg']]) {
      const up = JSON.parse(await run(`curl -X POST https://cloudstorage.io/api/v1/files \\
-H "X-API-Key: YOUR_ACCESS_KEY:YOUR_SECRET_KEY" \\
-F "file=@${file}" -F "bucket=my-bucket" -F "key=${key}"`))
      expect(up.bucket).toBe('my-bucket')
      expect(up.key).toBe(key)
      ids[key] = up.id
    }
    const out = await run(`curl "https://cloudstorage.io/api/v1/files?prefix=photos/&limit=20&bucket=my-bucket" \\
-H "X-API-Key: YOUR_ACCESS_KEY:YOUR_SECRET_KEY"`)
    const body = JSON.parse(out)
    expect(Object.keys(body).sort()).toEqual(['files', 'hasMore', 'nextCursor'])
    expect(body.hasMore).toBe(false)
    expect(body.nextCursor).toBeNull()
    expect(body.files.map((f: { key: string }) => f.key)).toEqual(['photos/cat.jpg', 'photos/dog.png'])
    for (const f of body.files) {
      expect(Object.keys(f).sort()).toEqual(['contentType', 'id', 'key', 'size', 'updatedAt'])
      expect(f.id).toBe(ids[f.key])
      expect(f.updatedAt).toMatch(ISO_DATE)
    }
    expect(body.files[0].contentType).toBe('image/jpeg')
    expect(body.files[0].size).toBe(PHOTO.length)
    expect(body.files[1].contentType).toBe('image/png')
  })

  test('download by id with -o writes the same bytes', async () => {
    const out = await run(`curl https://cloudstorage.io/api/v1/files/abc123 \\
-H "X-API-Key: YOUR_ACCESS_KEY:YOUR_SECRET_KEY" \\
-o downloaded-file.jpg`, { abc123: uploaded.id as string })
    expect(out).toBe('')
    expect(readFileSync(join(work, 'downloaded-file.jpg')).equals(PHOTO)).toBe(true)
  })

  test('?meta=true returns the metadata as JSON', async () => {
    const body = JSON.parse(await run(`curl "https://cloudstorage.io/api/v1/files/abc123?meta=true" \\
-H "X-API-Key: YOUR_ACCESS_KEY:YOUR_SECRET_KEY"`, { abc123: uploaded.id as string }))
    expect(body.id).toBe(uploaded.id)
    expect(body.key).toBe('photo.jpg')
    expect(body.bucket).toBe(defaultBucket)
    expect(body.size).toBe(PHOTO.length)
    expect(body.contentType).toBe('image/jpeg')
    // updatedAt is this content's time (the upload's createdAt); createdAt is the file's (id's)
    // creation, the same moment give or take the clock read of the object row.
    expect(body.updatedAt).toBe(uploaded.createdAt)
    expect(body.createdAt).toMatch(ISO_DATE)
    expect(Date.parse(uploaded.createdAt as string) - Date.parse(body.createdAt)).toBeWithin(0, 1000)
    expect(body.etag).toMatch(/^"[0-9a-f]{32}"$/)
  })

  test('delete answers {"success":true} and the id is gone', async () => {
    const out = await run(`curl -X DELETE https://cloudstorage.io/api/v1/files/abc123 \\
-H "X-API-Key: YOUR_ACCESS_KEY:YOUR_SECRET_KEY"`, { abc123: uploaded.id as string })
    expect(out).toBe('{"success":true}')
    const again = await api(srv, 'GET', `/api/v1/files/${uploaded.id}`, { headers: keyHeaders(ROOT_API_KEY) })
    expect(again.status).toBe(404)
    expect(again.body.error.code).toBe('NoSuchKey')
  })
})
