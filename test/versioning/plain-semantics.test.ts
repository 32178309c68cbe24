/**
 * A DEFAULT bucket (no S3 versioning status, Time Machine on): S3 clients see plain,
 * unversioned S3 — no version ids, only "null" versions, no delete markers, a delete really
 * removes the key (so `aws s3 sync --delete`, restic and rclone behave as on AWS) — while the
 * Time Machine API still holds every overwritten and deleted content, restorable.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, writeFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import {
  CopyObjectCommand, CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetBucketVersioningCommand,
  GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, ListObjectsV2Command, PutBucketVersioningCommand, PutObjectCommand, type S3Client,
} from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { errorOf, s3Fetch } from '../helpers/raw-s3'
import { run, scratchDir, toolEnv } from '../helpers/cli'
import { hasTool, testWithTool } from '../helpers/tools'
import { ROOT_API_KEY, api, keyHeaders } from '../rest/rest-helpers'

let srv: TestServer
let s3: S3Client
const B = 'root' // the root account's default bucket
const H = () => keyHeaders(ROOT_API_KEY)

const text = async (Key: string, VersionId?: string, Bucket = B) => {
  const r = await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }))
  return { body: await r.Body!.transformToString(), versionId: r.VersionId }
}
async function allVersions(Bucket: string, Prefix: string) {
  const r = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix }))
  return {
    versions: (r.Versions ?? []).map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size]),
    markers: (r.DeleteMarkers ?? []).map((m) => [m.Key, m.VersionId, m.IsLatest]),
  }
}
const history = async (key: string, bucket = B) => {
  const r = await api(srv, 'GET', `/api/versions?bucket=${bucket}&key=${encodeURIComponent(key)}`, { headers: H() })
  expect(r.status).toBe(200)
  return r.body as { bucket: string; key: string; versions: Array<{ versionId: string; versionNumber: number; size: number; createdAt: string; isCurrent: boolean }> }
}

beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

describe('default bucket: plain S3 semantics', () => {
  test('GetBucketVersioning is empty (no Status, no MfaDelete)', async () => {
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: B }))).Status).toBeUndefined()
    const raw = await s3Fetch(srv.s3Url, { bucket: B, query: { versioning: '' } })
    const xml = await raw.text()
    expect(raw.status).toBe(200)
    expect(xml).toContain('<VersioningConfiguration')
    expect(xml).not.toContain('<Status>')
    expect(xml).not.toContain('MfaDelete')
    // A new bucket too.
    await s3.send(new CreateBucketCommand({ Bucket: 'plain-new' }))
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'plain-new' }))).Status).toBeUndefined()
  })

  test('overwrite: no x-amz-version-id anywhere, ListObjectVersions shows one "null" version', async () => {
    const p1 = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'doc.txt', Body: 'version one' }))
    const p2 = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'doc.txt', Body: 'version two!' }))
    expect([p1.VersionId, p2.VersionId]).toEqual([undefined, undefined])
    const put = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: B, key: 'doc.txt', body: 'version three' })
    expect(put.status).toBe(200)
    expect(put.headers.get('x-amz-version-id')).toBeNull()
    const get = await s3Fetch(srv.s3Url, { bucket: B, key: 'doc.txt' })
    expect(await get.text()).toBe('version three')
    expect(get.headers.get('x-amz-version-id')).toBeNull()
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'doc.txt' }))
    expect(head.VersionId).toBeUndefined()
    const copy = await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'doc-copy.txt', CopySource: `${B}/doc.txt` }))
    expect(copy.VersionId).toBeUndefined()

    expect(await allVersions(B, 'doc')).toEqual({
      versions: [['doc-copy.txt', 'null', true, 13], ['doc.txt', 'null', true, 13]], markers: [],
    })
    // The null version is addressable; Time Machine ids are not S3 versions here.
    expect((await text('doc.txt', 'null')).body).toBe('version three')
    const h = await history('doc.txt')
    expect(h.versions.map((v) => [v.versionNumber, v.size, v.isCurrent])).toEqual([[3, 13, true], [2, 12, false], [1, 11, false]])
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: B, Key: 'doc.txt', VersionId: h.versions[2].versionId })))).toEqual({ status: 404, name: 'NoSuchVersion' })
    const del = await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: B, key: 'doc.txt', query: { versionId: h.versions[2].versionId } })
    expect(del.status).toBe(204) // S3: deleting a version that does not exist is a no-op
    expect((await history('doc.txt')).versions.length).toBe(3)
  })

  test('delete really removes the key: no delete marker, 404 without x-amz-delete-marker, gone from listings', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'gone/a.txt', Body: 'alpha 1' }))
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'gone/a.txt', Body: 'alpha 22' }))
    const del = await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: B, key: 'gone/a.txt' })
    expect(del.status).toBe(204)
    expect(del.headers.get('x-amz-delete-marker')).toBeNull()
    expect(del.headers.get('x-amz-version-id')).toBeNull()
    const sdkDel = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'gone/a.txt' }))
    expect([sdkDel.DeleteMarker, sdkDel.VersionId]).toEqual([undefined, undefined])

    const get = await s3Fetch(srv.s3Url, { bucket: B, key: 'gone/a.txt' })
    const e = await errorOf(get)
    expect({ status: e.status, code: e.code }).toEqual({ status: 404, code: 'NoSuchKey' })
    expect(get.headers.get('x-amz-delete-marker')).toBeNull()
    expect(await allVersions(B, 'gone/')).toEqual({ versions: [], markers: [] })
    expect((await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'gone/' }))).KeyCount).toBe(0)

    // Time Machine kept both contents.
    const h = await history('gone/a.txt')
    expect(h.versions.map((v) => [v.versionNumber, v.size, v.isCurrent])).toEqual([[2, 8, false], [1, 7, false]])
    const deleted = await api(srv, 'GET', `/api/versions/deleted?bucket=${B}&prefix=gone/`, { headers: H() })
    expect(deleted.status).toBe(200)
    expect(deleted.body.files.map((f: any) => [f.key, f.versions])).toEqual([['gone/a.txt', 2]])

    // Restore the first version from Time Machine: S3 sees the key again, still unversioned.
    const r = await api(srv, 'PATCH', '/api/versions', { headers: H(), json: { versionId: h.versions[1].versionId } })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ success: true, restoredVersion: h.versions[1].versionId, newVersionNumber: 3 })
    expect(await text('gone/a.txt')).toEqual({ body: 'alpha 1', versionId: undefined })
    expect(await allVersions(B, 'gone/')).toEqual({ versions: [['gone/a.txt', 'null', true, 7]], markers: [] })
  })

  test('DeleteObjects: plain Deleted entries, no markers; Time Machine undelete brings a key back', async () => {
    await Promise.all(['x/1', 'x/2', 'x/3'].map((Key) => s3.send(new PutObjectCommand({ Bucket: B, Key, Body: `body of ${Key}` }))))
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [{ Key: 'x/1' }, { Key: 'x/2' }, { Key: 'x/missing' }] } }))
    expect(r.Errors ?? []).toEqual([])
    expect((r.Deleted ?? []).sort((a, b) => a.Key!.localeCompare(b.Key!))).toEqual([{ Key: 'x/1' }, { Key: 'x/2' }, { Key: 'x/missing' }])
    expect((await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'x/' }))).Contents?.map((o) => o.Key)).toEqual(['x/3'])
    expect(await allVersions(B, 'x/')).toEqual({ versions: [['x/3', 'null', true, 11]], markers: [] })

    const u = await api(srv, 'POST', '/api/versions/undelete', { headers: H(), json: { bucket: B, key: 'x/2' } })
    expect(u.status).toBe(200)
    expect(u.body.success).toBe(true)
    expect(u.body.versionNumber).toBe(2)
    expect(await text('x/2')).toEqual({ body: 'body of x/2', versionId: undefined })
    expect((await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'x/' }))).Contents?.map((o) => o.Key)).toEqual(['x/2', 'x/3'])
  })

  test('`aws s3 sync --delete`-like mirror with the SDK: list, upload changed, delete extra → listing equals the source', async () => {
    const src = new Map([['m/a.txt', 'A1'], ['m/b.txt', 'B1'], ['m/sub/c.txt', 'C1']])
    const mirror = async () => {
      const listed = (await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'm/' }))).Contents ?? []
      for (const [Key, Body] of src) await s3.send(new PutObjectCommand({ Bucket: B, Key, Body }))
      const extra = listed.map((o) => o.Key!).filter((k) => !src.has(k))
      if (extra.length) await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: extra.map((Key) => ({ Key })) } }))
    }
    await mirror()
    src.delete('m/b.txt')
    src.set('m/a.txt', 'A2-changed')
    await mirror()
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'm/' }))).Contents!.map((o) => [o.Key, o.Size])
    expect(listed).toEqual([['m/a.txt', 10], ['m/sub/c.txt', 2]])
    expect(await allVersions(B, 'm/')).toEqual({ versions: [['m/a.txt', 'null', true, 10], ['m/sub/c.txt', 'null', true, 2]], markers: [] })
    expect((await history('m/b.txt')).versions.map((v) => [v.size, v.isCurrent])).toEqual([[2, false]])
  })

  testWithTool('aws', hasTool('aws'), '`aws s3 sync --delete` mirrors a folder: removed files vanish for S3, Time Machine keeps them', async () => {
    const home = scratchDir('cs-sync-home-')
    const dir = scratchDir('cs-sync-src-')
    try {
      const env = toolEnv(home.dir)
      const aws = async (...args: string[]) => {
        const t0 = performance.now()
        const r = await run(['aws', '--endpoint-url', srv.s3Url, ...args], { env })
        if (process.env.CS_DEBUG) console.log(args.join(' '), Math.round(performance.now() - t0), 'ms')
        return r
      }
      mkdirSync(join(dir.dir, 'sub'))
      writeFileSync(join(dir.dir, 'keep.txt'), 'keep v1')
      writeFileSync(join(dir.dir, 'drop.txt'), 'drop me')
      writeFileSync(join(dir.dir, 'sub', 'deep.txt'), 'deep')
      let r = await aws('s3', 'sync', dir.dir, `s3://${B}/sync/`, '--delete')
      expect(r.code).toBe(0)
      rmSync(join(dir.dir, 'drop.txt'))
      writeFileSync(join(dir.dir, 'keep.txt'), 'keep version 2')
      r = await aws('s3', 'sync', dir.dir, `s3://${B}/sync/`, '--delete')
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
      expect(r.stdout).toContain(`delete: s3://${B}/sync/drop.txt`)

      const ls = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'sync/' }))
      expect(ls.Contents!.map((o) => [o.Key, o.Size])).toEqual([['sync/keep.txt', 14], ['sync/sub/deep.txt', 4]])
      expect(await allVersions(B, 'sync/')).toEqual({ versions: [['sync/keep.txt', 'null', true, 14], ['sync/sub/deep.txt', 'null', true, 4]], markers: [] })

      expect((await history('sync/drop.txt')).versions.map((v) => [v.size, v.isCurrent])).toEqual([[7, false]])
      expect((await history('sync/keep.txt')).versions.map((v) => [v.versionNumber, v.size, v.isCurrent])).toEqual([[2, 14, true], [1, 7, false]])
    } finally {
      home.cleanup()
      dir.cleanup()
    }
  }, 60_000)

  test('a bucket whose keys are all deleted can be deleted: Time Machine history does not make it "not empty"', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'plain-drop' }))
    await s3.send(new PutObjectCommand({ Bucket: 'plain-drop', Key: 'f', Body: 'one' }))
    await s3.send(new PutObjectCommand({ Bucket: 'plain-drop', Key: 'f', Body: 'two' }))
    expect(await sdkError(s3.send(new DeleteBucketCommand({ Bucket: 'plain-drop' })))).toEqual({ status: 409, name: 'BucketNotEmpty' })
    await s3.send(new DeleteObjectCommand({ Bucket: 'plain-drop', Key: 'f' }))
    expect((await history('f', 'plain-drop')).versions.length).toBe(2)
    await s3.send(new DeleteBucketCommand({ Bucket: 'plain-drop' }))
    expect(await sdkError(s3.send(new ListObjectsV2Command({ Bucket: 'plain-drop' })))).toEqual({ status: 404, name: 'NoSuchBucket' })
  })

  test('Time Machine off: overwrite and delete keep nothing', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'plain-notm' }))
    const off = await api(srv, 'PATCH', '/api/buckets/plain-notm', { headers: H(), json: { versioning: false } })
    expect(off.status).toBe(200)
    expect(off.body.timeMachine).toBe(false)
    await s3.send(new PutObjectCommand({ Bucket: 'plain-notm', Key: 'f', Body: 'one' }))
    await s3.send(new PutObjectCommand({ Bucket: 'plain-notm', Key: 'f', Body: 'two!' }))
    expect((await history('f', 'plain-notm')).versions.map((v) => [v.versionNumber, v.size, v.isCurrent])).toEqual([[2, 4, true]])
    await s3.send(new DeleteObjectCommand({ Bucket: 'plain-notm', Key: 'f' }))
    const h = await api(srv, 'GET', '/api/versions?bucket=plain-notm&key=f', { headers: H() })
    expect({ status: h.status, code: h.body.error?.code }).toEqual({ status: 404, code: 'NoSuchKey' })
  })

  test('enabling S3 versioning later exposes the Time Machine history as S3 versions (one history, two views)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'plain-later' }))
    for (const body of ['h1', 'h22', 'h333']) await s3.send(new PutObjectCommand({ Bucket: 'plain-later', Key: 'f', Body: body }))
    const before = await history('f', 'plain-later')
    expect(await allVersions('plain-later', '')).toEqual({ versions: [['f', 'null', true, 4]], markers: [] })
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'plain-later', VersioningConfiguration: { Status: 'Enabled' } }))
    // The current version stays "null"; the older ones appear with the ids Time Machine shows.
    const [, v2, v1] = before.versions.map((v) => v.versionId)
    expect(await allVersions('plain-later', '')).toEqual({ versions: [['f', 'null', true, 4], ['f', v2, false, 3], ['f', v1, false, 2]], markers: [] })
    const old = await s3.send(new GetObjectCommand({ Bucket: 'plain-later', Key: 'f', VersionId: v1 }))
    expect(await old.Body!.transformToString()).toBe('h1')
    const p = await s3.send(new PutObjectCommand({ Bucket: 'plain-later', Key: 'f', Body: 'v-real' }))
    expect(p.VersionId).toMatch(/^[0-9A-Z]{26}$/)
    expect(await allVersions('plain-later', '')).toEqual({ versions: [['f', p.VersionId, true, 6], ['f', 'null', false, 4], ['f', v2, false, 3], ['f', v1, false, 2]], markers: [] })
    expect((await history('f', 'plain-later')).versions.map((v) => [v.versionNumber, v.size, v.isCurrent])).toEqual([[4, 6, true], [3, 4, false], [2, 3, false], [1, 2, false]])
  })
})
