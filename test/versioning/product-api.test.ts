/**
 * Time Machine product API (/api/versions): the spec's curl examples run AS WRITTEN with the
 * real curl (host, session cookie, file and ids substituted; the spec page renders
 * `-F "file=@report.pdf"` as an obfuscated e-mail link, restored here), answering exactly the
 * documented JSON; then download, permanent delete, deleted files + undelete, purge, paging and
 * compare (unified diff for text, metadata comparison for binaries).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { ISO_DATE, api, createAccount, expectError, keyHeaders, login, sh, ROOT_API_KEY, type Session } from '../rest/rest-helpers'
import { VERSION_ID } from './helpers'

let srv: TestServer
let s3: S3Client
let work: string
let session: Session
const B = 'my-bucket'
const KEY = 'docs/report.pdf'
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex')

/** Three different "PDF" contents of different sizes (binary: NULs and high bytes). */
const PDF = [1, 2, 3].map((n) => Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(1000 * n, n), Buffer.from([0, 0xff, 0xfe]), Buffer.from(`\n%%EOF ${n}\n`)]))

function substitute(example: string, extra: Record<string, string> = {}) {
  let s = example.replaceAll('https://cloudstorage.io', srv.httpUrl).replaceAll('session=your-session-cookie', session.cookie).replaceAll('[email protected]', 'file=@report.pdf')
  for (const [from, to] of Object.entries(extra)) s = s.replaceAll(from, to)
  return s
}
/** Runs a spec example with bash; returns the HTTP status and the parsed JSON body. */
async function curl(example: string, extra: Record<string, string> = {}) {
  const cmd = substitute(example, extra).replace(/^curl /, 'curl -sS -w "\\n%{http_code}" ')
  const r = await sh(cmd, work)
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  const i = r.stdout.lastIndexOf('\n')
  return { status: Number(r.stdout.slice(i + 1)), body: JSON.parse(r.stdout.slice(0, i)) }
}
const cookie = () => ({ cookie: session.cookie })
const S3_TEXT = async (Bucket: string, Key: string) => (await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToByteArray())

const UPLOAD = `curl -X POST https://cloudstorage.io/api/versions \\
-H "Cookie: session=your-session-cookie" \\
-F "[email protected]" \\
-F "bucket=my-bucket" \\
-F "key=docs/report.pdf"`
const LIST = `curl "https://cloudstorage.io/api/versions?bucket=my-bucket&key=docs/report.pdf" \\
-H "Cookie: session=your-session-cookie"`
const RESTORE = `curl -X PATCH https://cloudstorage.io/api/versions \\
-H "Content-Type: application/json" \\
-H "Cookie: session=your-session-cookie" \\
-d '{ "versionId": "ver_def456" }'`

beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
  work = mkdtempSync(join(tmpdir(), 'cs-versions-'))
  session = await login(srv)
  const mk = await api(srv, 'POST', '/api/buckets', { headers: cookie(), json: { name: B } })
  expect(mk.status).toBe(201)
}, 60_000)
afterAll(async () => {
  await srv?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
}, 30_000)

describe('spec examples', () => {
  const ids: string[] = []

  test('upload a new version (-F file, bucket, key; Cookie) ×3 → {versionId,key,bucket,size,versionNumber,createdAt}, numbers 1,2,3', async () => {
    for (let n = 0; n < 3; n++) {
      writeFileSync(join(work, 'report.pdf'), PDF[n])
      const r = await curl(UPLOAD)
      expect(r.status).toBe(201)
      expect(Object.keys(r.body).sort()).toEqual(['bucket', 'createdAt', 'key', 'size', 'versionId', 'versionNumber'])
      expect(r.body).toEqual({ versionId: r.body.versionId, key: KEY, bucket: B, size: PDF[n].length, versionNumber: n + 1, createdAt: r.body.createdAt })
      expect(r.body.versionId).toMatch(VERSION_ID)
      expect(r.body.createdAt).toMatch(ISO_DATE)
      ids.push(r.body.versionId)
    }
    expect(new Set(ids).size).toBe(3)
    // It is the same object S3 sees.
    expect(Buffer.from(await S3_TEXT(B, KEY)).equals(PDF[2])).toBe(true)
  })

  test('list versions of a file → {versions:[{versionId,versionNumber,size,createdAt,isCurrent}]} newest first', async () => {
    const r = await curl(LIST)
    expect(r.status).toBe(200)
    // The documented `versions`, plus the bucket and key the list is for.
    expect(Object.keys(r.body).sort()).toEqual(['bucket', 'key', 'versions'])
    expect(r.body.bucket).toBe(B)
    expect(r.body.key).toBe(KEY)
    for (const v of r.body.versions) {
      expect(Object.keys(v).sort()).toEqual(['createdAt', 'isCurrent', 'size', 'versionId', 'versionNumber'])
      expect(v.createdAt).toMatch(ISO_DATE)
    }
    expect(r.body.versions.map((v: any) => [v.versionId, v.versionNumber, v.size, v.isCurrent])).toEqual([
      [ids[2], 3, PDF[2].length, true], [ids[1], 2, PDF[1].length, false], [ids[0], 1, PDF[0].length, false],
    ])
  })

  test('restore a previous version → {success,restoredVersion,newVersionNumber}: a new current version 4 with version 2\'s bytes', async () => {
    const r = await curl(RESTORE, { ver_def456: ids[1] })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ success: true, restoredVersion: ids[1], newVersionNumber: 4 })
    const list = await curl(LIST)
    expect(list.body.versions.map((v: any) => [v.versionNumber, v.size, v.isCurrent])).toEqual([
      [4, PDF[1].length, true], [3, PDF[2].length, false], [2, PDF[1].length, false], [1, PDF[0].length, false],
    ])
    expect(list.body.versions[0].versionId).not.toBe(ids[1])
    expect(Buffer.from(await S3_TEXT(B, KEY)).equals(PDF[1])).toBe(true)
    // Restoring the current version again is allowed and numbers on.
    const again = await api(srv, 'PATCH', '/api/versions', { headers: cookie(), json: { versionId: list.body.versions[0].versionId } })
    expect(again.body).toEqual({ success: true, restoredVersion: list.body.versions[0].versionId, newVersionNumber: 5 })
  })

  test('the same calls with an API key (X-API-Key) instead of the cookie', async () => {
    const r = await api(srv, 'GET', `/api/versions?bucket=${B}&key=${encodeURIComponent(KEY)}`, { headers: keyHeaders(ROOT_API_KEY) })
    expect(r.status).toBe(200)
    expect(r.body.versions.length).toBe(5)
    const none = await api(srv, 'GET', `/api/versions?bucket=${B}&key=${encodeURIComponent(KEY)}`)
    expectError(none, 401, 'Unauthorized')
  })

  test('validation: missing bucket, unknown key, unknown/foreign version ids', async () => {
    expectError(await api(srv, 'GET', '/api/versions', { headers: cookie() }), 400, 'ValidationError')
    expectError(await api(srv, 'GET', `/api/versions?bucket=${B}&key=nope.txt`, { headers: cookie() }), 404, 'NoSuchKey')
    expectError(await api(srv, 'GET', '/api/versions?bucket=no-such-bucket-x', { headers: cookie() }), 404, 'NoSuchBucket')
    expectError(await api(srv, 'PATCH', '/api/versions', { headers: cookie(), json: { versionId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } }), 404, 'NoSuchVersion')
    expectError(await api(srv, 'PATCH', '/api/versions', { headers: cookie(), json: {} }), 400, 'ValidationError')
    // Another account cannot see, download, restore or delete our versions.
    const other = await createAccount(srv)
    const h = keyHeaders(other.apiKey)
    expectError(await api(srv, 'GET', `/api/versions/${ids[0]}`, { headers: h }), 404, 'NoSuchVersion')
    expectError(await api(srv, 'PATCH', '/api/versions', { headers: h, json: { versionId: ids[0] } }), 404, 'NoSuchVersion')
    expectError(await api(srv, 'DELETE', `/api/versions/${ids[0]}`, { headers: h }), 404, 'NoSuchVersion')
    const theirs = await api(srv, 'GET', `/api/versions?bucket=${B}&key=${encodeURIComponent(KEY)}`, { headers: h })
    expectError(theirs, 403, 'AccessDenied')
  })

  test('download a version: exact bytes, attachment, nosniff; ?meta=true JSON', async () => {
    const res = await fetch(`${srv.httpUrl}/api/versions/${ids[0]}`, { headers: cookie() })
    expect(res.status).toBe(200)
    expect(Buffer.from(await res.arrayBuffer()).equals(PDF[0])).toBe(true)
    expect(res.headers.get('content-type')).toBe('application/pdf')
    expect(res.headers.get('content-length')).toBe(String(PDF[0].length))
    expect(res.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''report.pdf")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('x-version-number')).toBe('1')
    const meta = await api(srv, 'GET', `/api/versions/${ids[0]}?meta=true`, { headers: cookie() })
    expect(meta.status).toBe(200)
    expect(meta.body).toEqual({
      versionId: ids[0], versionNumber: 1, key: KEY, bucket: B, size: PDF[0].length, contentType: 'application/pdf',
      etag: `"${createHash('md5').update(PDF[0]).digest('hex')}"`, createdAt: meta.body.createdAt, isCurrent: false,
    })
  })
})

describe('delete, deleted files, undelete, purge', () => {
  test('permanently delete a non-current version; the current one is refused', async () => {
    const list = (await api(srv, 'GET', `/api/versions?bucket=${B}&key=${encodeURIComponent(KEY)}`, { headers: cookie() })).body.versions
    const v1 = list.find((v: any) => v.versionNumber === 1)
    const del = await api(srv, 'DELETE', `/api/versions/${v1.versionId}`, { headers: cookie() })
    expect(del.status).toBe(200)
    expect(del.body).toEqual({ success: true, freedBytes: PDF[0].length })
    expectError(await api(srv, 'GET', `/api/versions/${v1.versionId}`, { headers: cookie() }), 404, 'NoSuchVersion')
    expectError(await api(srv, 'DELETE', `/api/versions/${v1.versionId}`, { headers: cookie() }), 404, 'NoSuchVersion')
    const after = (await api(srv, 'GET', `/api/versions?bucket=${B}&key=${encodeURIComponent(KEY)}`, { headers: cookie() })).body.versions
    expect(after.map((v: any) => v.versionNumber)).toEqual([5, 4, 3, 2])
    expectError(await api(srv, 'DELETE', `/api/versions/${after[0].versionId}`, { headers: cookie() }), 400, 'ValidationError')
  })

  test('deleted files (unversioned bucket): listed with {id,key,versions,deletedAt}; undelete brings the newest content back', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'trash/a.txt', Body: 'a-one' }))
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'trash/a.txt', Body: 'a-two!' }))
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'trash/b.txt', Body: 'b' }))
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'trash/a.txt' }))
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'trash/b.txt' }))
    const r = await api(srv, 'GET', `/api/versions/deleted?bucket=${B}`, { headers: cookie() })
    expect(r.status).toBe(200)
    expect(Object.keys(r.body).sort()).toEqual(['bucket', 'files', 'hasMore', 'nextCursor'])
    expect(r.body.files.map((f: any) => Object.keys(f).sort())).toEqual([['deletedAt', 'id', 'key', 'versions'], ['deletedAt', 'id', 'key', 'versions']])
    expect(r.body.files.map((f: any) => [f.key, f.versions])).toEqual([['trash/a.txt', 2], ['trash/b.txt', 1]])
    expect(r.body.files[0].deletedAt).toMatch(ISO_DATE)
    expect(r.body.files[0].id).toMatch(VERSION_ID)
    expect({ hasMore: r.body.hasMore, nextCursor: r.body.nextCursor }).toEqual({ hasMore: false, nextCursor: null })
    // Paging.
    const p1 = await api(srv, 'GET', `/api/versions/deleted?bucket=${B}&limit=1`, { headers: cookie() })
    expect(p1.body.files.map((f: any) => f.key)).toEqual(['trash/a.txt'])
    expect(p1.body.hasMore).toBe(true)
    const p2 = await api(srv, 'GET', `/api/versions/deleted?bucket=${B}&limit=1&cursor=${p1.body.nextCursor}`, { headers: cookie() })
    expect(p2.body.files.map((f: any) => f.key)).toEqual(['trash/b.txt'])
    expect(p2.body.hasMore).toBe(false)

    const u = await api(srv, 'POST', '/api/versions/undelete', { headers: cookie(), json: { bucket: B, key: 'trash/a.txt' } })
    expect(u.status).toBe(200)
    expect(u.body).toEqual({ success: true, versionId: u.body.versionId, versionNumber: 3 })
    expect(u.body.versionId).toMatch(VERSION_ID)
    expect(Buffer.from(await S3_TEXT(B, 'trash/a.txt')).toString()).toBe('a-two!')
    const left = await api(srv, 'GET', `/api/versions/deleted?bucket=${B}`, { headers: cookie() })
    expect(left.body.files.map((f: any) => f.key)).toEqual(['trash/b.txt'])
    expectError(await api(srv, 'POST', '/api/versions/undelete', { headers: cookie(), json: { bucket: B, key: 'trash/a.txt' } }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/versions/undelete', { headers: cookie(), json: { bucket: B, key: 'trash/never' } }), 400, 'ValidationError')
  })

  test('deleted files on an S3-versioned bucket: undelete removes the delete marker (no new version)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'tm-versioned' }))
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'tm-versioned', VersioningConfiguration: { Status: 'Enabled' } }))
    const p = await s3.send(new PutObjectCommand({ Bucket: 'tm-versioned', Key: 'k.txt', Body: 'kept' }))
    await s3.send(new DeleteObjectCommand({ Bucket: 'tm-versioned', Key: 'k.txt' }))
    const d = await api(srv, 'GET', '/api/versions/deleted?bucket=tm-versioned', { headers: cookie() })
    expect(d.body.files.map((f: any) => [f.key, f.versions])).toEqual([['k.txt', 1]])
    const u = await api(srv, 'POST', '/api/versions/undelete', { headers: cookie(), json: { bucket: 'tm-versioned', key: 'k.txt' } })
    expect(u.body).toEqual({ success: true, versionId: p.VersionId, versionNumber: 1 })
    const g = await s3.send(new GetObjectCommand({ Bucket: 'tm-versioned', Key: 'k.txt' }))
    expect(g.VersionId).toBe(p.VersionId)
    expect(await g.Body!.transformToString()).toBe('kept')
  })

  test('versioned files of a bucket: {bucket, files:[{id,key,versions,deleted,updatedAt}], hasMore, nextCursor}', async () => {
    const r = await api(srv, 'GET', `/api/versions?bucket=${B}`, { headers: cookie() })
    expect(r.status).toBe(200)
    expect(Object.keys(r.body).sort()).toEqual(['bucket', 'files', 'hasMore', 'nextCursor'])
    expect(r.body.files.map((f: any) => Object.keys(f).sort())[0]).toEqual(['deleted', 'id', 'key', 'updatedAt', 'versions'])
    expect(r.body.files.map((f: any) => [f.key, f.versions, f.deleted])).toEqual([[KEY, 4, false], ['trash/a.txt', 3, false], ['trash/b.txt', 1, true]])
    const p1 = await api(srv, 'GET', `/api/versions?bucket=${B}&limit=2`, { headers: cookie() })
    expect(p1.body.files.map((f: any) => f.key)).toEqual([KEY, 'trash/a.txt'])
    expect(p1.body.hasMore).toBe(true)
    const p2 = await api(srv, 'GET', `/api/versions?bucket=${B}&limit=2&cursor=${p1.body.nextCursor}`, { headers: cookie() })
    expect(p2.body.files.map((f: any) => f.key)).toEqual(['trash/b.txt'])
    expect({ hasMore: p2.body.hasMore, nextCursor: p2.body.nextCursor }).toEqual({ hasMore: false, nextCursor: null })
    const pre = await api(srv, 'GET', `/api/versions?bucket=${B}&prefix=trash/`, { headers: cookie() })
    expect(pre.body.files.map((f: any) => f.key)).toEqual(['trash/a.txt', 'trash/b.txt'])
  })

  test('purge the history of a key: only the current version remains; bytes reported', async () => {
    const before = (await api(srv, 'GET', `/api/versions?bucket=${B}&key=${encodeURIComponent(KEY)}`, { headers: cookie() })).body.versions
    const r = await api(srv, 'DELETE', `/api/versions?bucket=${B}&key=${encodeURIComponent(KEY)}`, { headers: cookie() })
    expect(r.status).toBe(200)
    const nonCurrent = before.filter((v: any) => !v.isCurrent)
    expect(r.body).toEqual({ success: true, removedVersions: nonCurrent.length, freedBytes: nonCurrent.reduce((s: number, v: any) => s + v.size, 0) })
    const after = (await api(srv, 'GET', `/api/versions?bucket=${B}&key=${encodeURIComponent(KEY)}`, { headers: cookie() })).body.versions
    expect(after.map((v: any) => [v.versionId, v.isCurrent])).toEqual([[before[0].versionId, true]])
    // A deleted file's history purged: it leaves the deleted list for good.
    const t = await api(srv, 'DELETE', `/api/versions?bucket=${B}&key=trash/b.txt`, { headers: cookie() })
    expect(t.body).toEqual({ success: true, removedVersions: 1, freedBytes: 1 })
    expect((await api(srv, 'GET', `/api/versions/deleted?bucket=${B}`, { headers: cookie() })).body.files).toEqual([])
    expectError(await api(srv, 'GET', `/api/versions?bucket=${B}&key=trash/b.txt`, { headers: cookie() }), 404, 'NoSuchKey')
  })
})

describe('compare', () => {
  test('two text versions: a unified diff with the changed lines', async () => {
    const v1 = 'alpha\nbeta\ngamma\ndelta\n'
    const v2 = 'alpha\nBETA changed\ngamma\ndelta\nepsilon\n'
    const ids: string[] = []
    for (const body of [v1, v2]) {
      const form = new FormData()
      form.set('bucket', B)
      form.set('key', 'notes/todo.md')
      form.set('file', new Blob([body], { type: 'text/markdown' }), 'todo.md')
      const r = await api(srv, 'POST', '/api/versions', { headers: cookie(), body: form })
      expect(r.status).toBe(201)
      ids.push(r.body.versionId)
    }
    const r = await api(srv, 'GET', `/api/versions/compare?from=${ids[0]}&to=${ids[1]}`, { headers: cookie() })
    expect(r.status).toBe(200)
    expect(r.body.kind).toBe('diff')
    expect(r.body.identical).toBe(false)
    expect(r.body.key).toBe('notes/todo.md')
    expect(r.body.stats).toEqual({ added: 2, removed: 1 })
    const lines = r.body.diff.split('\n')
    expect(lines).toContain('-beta')
    expect(lines).toContain('+BETA changed')
    expect(lines).toContain('+epsilon')
    expect(lines).toContain(' alpha')
    expect(lines.some((l: string) => l.startsWith('--- notes/todo.md@v1'))).toBe(true)
    expect(lines.some((l: string) => l.startsWith('+++ notes/todo.md@v2'))).toBe(true)
    expect(lines.some((l: string) => /^@@ -1,4 \+1,5 @@/.test(l))).toBe(true)
    expect(r.body.from).toEqual({
      versionId: ids[0], versionNumber: 1, size: v1.length, etag: createHash('md5').update(v1).digest('hex'), sha256: sha(v1),
      contentType: 'text/markdown', createdAt: r.body.from.createdAt, metadata: {},
    })
    expect(r.body.to.sha256).toBe(sha(v2))
  })

  test('two binary versions: a metadata comparison with the reason', async () => {
    await curl(UPLOAD.replace('docs/report.pdf', 'bin/report.pdf'))
    writeFileSync(join(work, 'report.pdf'), PDF[0])
    await curl(UPLOAD.replace('docs/report.pdf', 'bin/report.pdf'))
    const list = (await api(srv, 'GET', `/api/versions?bucket=${B}&key=bin/report.pdf`, { headers: cookie() })).body.versions
    const [to, from] = list
    const r = await api(srv, 'GET', `/api/versions/compare?from=${from.versionId}&to=${to.versionId}`, { headers: cookie() })
    expect(r.status).toBe(200)
    expect(Object.keys(r.body).sort()).toEqual(['from', 'identical', 'key', 'kind', 'reason', 'to'])
    expect(r.body.kind).toBe('metadata')
    expect(r.body.reason).toBe('not a text file')
    expect(r.body.identical).toBe(false)
    expect([r.body.from.size, r.body.to.size]).toEqual([PDF[2].length, PDF[0].length])
    expect([r.body.from.sha256, r.body.to.sha256]).toEqual([sha(PDF[2]), sha(PDF[0])])
    expect(r.body.from.contentType).toBe('application/pdf')
    // Versions of different files cannot be compared.
    const other = (await api(srv, 'GET', `/api/versions?bucket=${B}&key=notes/todo.md`, { headers: cookie() })).body.versions[0]
    expectError(await api(srv, 'GET', `/api/versions/compare?from=${from.versionId}&to=${other.versionId}`, { headers: cookie() }), 400, 'ValidationError')
  })

  test('text larger than 1 MiB falls back to metadata; identical content says so', async () => {
    const big = 'line\n'.repeat(220_000) // 1.1 MB
    const ids: string[] = []
    for (const body of [big, big + 'tail\n', big + 'tail\n']) {
      const p = await s3.send(new PutObjectCommand({ Bucket: 'tm-versioned', Key: 'big.txt', Body: body, ContentType: 'text/plain' }))
      ids.push(p.VersionId!)
    }
    const r = await api(srv, 'GET', `/api/versions/compare?from=${ids[0]}&to=${ids[1]}`, { headers: cookie() })
    expect({ kind: r.body.kind, reason: r.body.reason, diff: r.body.diff }).toEqual({ kind: 'metadata', reason: 'larger than 1048576 bytes', diff: undefined })
    const same = await api(srv, 'GET', `/api/versions/compare?from=${ids[1]}&to=${ids[2]}`, { headers: cookie() })
    expect(same.body.identical).toBe(true)
  })
})

describe('bucket settings for Time Machine (PATCH /api/buckets/:name)', () => {
  test('retention {maxVersions, maxAgeDays} applies on the next write; null restores the default; bad values are refused', async () => {
    await api(srv, 'POST', '/api/buckets', { headers: cookie(), json: { name: 'tm-settings' } })
    const set = await api(srv, 'PATCH', '/api/buckets/tm-settings', { headers: cookie(), json: { retention: { maxVersions: 2, maxAgeDays: 5 } } })
    expect(set.status).toBe(200)
    expect(set.body.retention).toEqual({ maxVersions: 2, maxAgeDays: 5 })
    expect(set.body.timeMachine).toBe(true)
    for (let i = 1; i <= 4; i++) await s3.send(new PutObjectCommand({ Bucket: 'tm-settings', Key: 'f', Body: `f${i}` }))
    const h = await api(srv, 'GET', '/api/versions?bucket=tm-settings&key=f', { headers: cookie() })
    expect(h.body.versions.map((v: any) => v.versionNumber)).toEqual([4, 3])
    const back = await api(srv, 'PATCH', '/api/buckets/tm-settings', { headers: cookie(), json: { retention: { maxVersions: null, maxAgeDays: null } } })
    expect(back.body.retention).toEqual({ maxVersions: null, maxAgeDays: null })
    for (const bad of [{ maxVersions: 0 }, { maxVersions: 1.5 }, { maxAgeDays: -1 }, { maxVersions: '3' }, { keep: 3 }]) {
      expectError(await api(srv, 'PATCH', '/api/buckets/tm-settings', { headers: cookie(), json: { retention: bad } }), 400, 'ValidationError')
    }
    const off = await api(srv, 'PATCH', '/api/buckets/tm-settings', { headers: cookie(), json: { versioning: false } })
    expect(off.body.timeMachine).toBe(false)
    await s3.send(new PutObjectCommand({ Bucket: 'tm-settings', Key: 'f', Body: 'f5' }))
    const h2 = await api(srv, 'GET', '/api/versions?bucket=tm-settings&key=f', { headers: cookie() })
    expect(h2.body.versions.map((v: any) => v.versionNumber)).toEqual([5, 3])
  })
})
