/**
 * S3 versioning through the AWS SDK (latest v3) on a bucket with versioning Enabled/Suspended:
 * version ids on every write and read, GET/HEAD/COPY/DELETE by id, delete markers and undelete,
 * null versions when suspended, DeleteObjects with versions, and ListObjectVersions paging over
 * more than 2,500 versions.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  DeleteObjectsCommand, GetBucketVersioningCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, ListObjectsV2Command,
  PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { errorOf, s3Fetch, xmlTag } from '../helpers/raw-s3'
import { api, ROOT_API_KEY, keyHeaders } from '../rest/rest-helpers'
import { VERSION_ID, buildVersionsByCopy, listAllVersions, pool } from './helpers'

let srv: TestServer
let s3: S3Client
const B = 'ver-sdk'

const text = async (s3c: S3Client, Key: string, VersionId?: string) => {
  const r = await s3c.send(new GetObjectCommand({ Bucket: B, Key, VersionId }))
  return { body: await r.Body!.transformToString(), versionId: r.VersionId }
}


async function versionsOf(key: string) {
  const r = await s3.send(new ListObjectVersionsCommand({ Bucket: B, Prefix: key }))
  return {
    versions: (r.Versions ?? []).filter((v) => v.Key === key).map((v) => ({ id: v.VersionId!, latest: !!v.IsLatest, size: v.Size })),
    markers: (r.DeleteMarkers ?? []).filter((v) => v.Key === key).map((v) => ({ id: v.VersionId!, latest: !!v.IsLatest })),
  }
}

beforeAll(async () => {
  // The 2,500-version fixtures keep up to 100 versions per key: raise Time Machine's cap of 10.
  srv = await startInProcess({ env: { CLOUDSTORAGE_RETENTION_MAX_VERSIONS: '1000' } })
  s3 = s3Client(srv.s3Url)
  await s3.send(new CreateBucketCommand({ Bucket: B }))
  expect((await s3.send(new GetBucketVersioningCommand({ Bucket: B }))).Status).toBeUndefined()
  await s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: 'Enabled' } }))
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

describe('Enabled', () => {
  test('GetBucketVersioning reports Enabled', async () => {
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: B }))).Status).toBe('Enabled')
  })

  test('x-amz-version-id on PUT/GET/HEAD/COPY/Complete; GET/HEAD/COPY by versionId', async () => {
    const p1 = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'doc.txt', Body: 'one', ContentType: 'text/plain' }))
    const p2 = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'doc.txt', Body: 'second' }))
    expect(p1.VersionId).toMatch(VERSION_ID)
    expect(p2.VersionId).toMatch(VERSION_ID)
    expect(p2.VersionId).not.toBe(p1.VersionId)

    expect(await text(s3, 'doc.txt')).toEqual({ body: 'second', versionId: p2.VersionId })
    expect(await text(s3, 'doc.txt', p1.VersionId)).toEqual({ body: 'one', versionId: p1.VersionId })
    const h1 = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'doc.txt', VersionId: p1.VersionId }))
    expect({ len: h1.ContentLength, v: h1.VersionId, type: h1.ContentType }).toEqual({ len: 3, v: p1.VersionId, type: 'text/plain' })
    const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'doc.txt' }))
    expect({ len: h.ContentLength, v: h.VersionId }).toEqual({ len: 6, v: p2.VersionId })

    // Restore the S3 way: copy an old version onto the key.
    const c = await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'doc.txt', CopySource: `${B}/doc.txt?versionId=${p1.VersionId}` }))
    expect(c.VersionId).toMatch(VERSION_ID)
    expect(c.CopySourceVersionId).toBe(p1.VersionId)
    expect(await text(s3, 'doc.txt')).toEqual({ body: 'one', versionId: c.VersionId })
    expect((await versionsOf('doc.txt')).versions).toEqual([
      { id: c.VersionId!, latest: true, size: 3 }, { id: p2.VersionId!, latest: false, size: 6 }, { id: p1.VersionId!, latest: false, size: 3 },
    ])

    // Complete carries the new version id too.
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'doc.txt' }))
    const part = await s3.send(new UploadPartCommand({ Bucket: B, Key: 'doc.txt', UploadId: up.UploadId, PartNumber: 1, Body: 'multipart body' }))
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'doc.txt', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }))
    expect(done.VersionId).toMatch(VERSION_ID)
    expect(await text(s3, 'doc.txt')).toEqual({ body: 'multipart body', versionId: done.VersionId })
    expect(await text(s3, 'doc.txt', p2.VersionId)).toEqual({ body: 'second', versionId: p2.VersionId })

    // Unknown and malformed version ids.
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: B, Key: 'doc.txt', VersionId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })))).toEqual({ status: 404, name: 'NoSuchVersion' })
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: B, Key: 'doc.txt', VersionId: 'not-a-version' })))).toEqual({ status: 400, name: 'InvalidArgument' })
    // The null version does not exist on a key written only while Enabled.
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: B, Key: 'doc.txt', VersionId: 'null' })))).toEqual({ status: 404, name: 'NoSuchVersion' })
  })

  test('DeleteObject adds a delete marker: GET 404 + x-amz-delete-marker, GET by marker id 405; deleting the marker undeletes', async () => {
    const v1 = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'gone.txt', Body: 'alive v1' }))
    const v2 = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'gone.txt', Body: 'alive v2' }))
    const del = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'gone.txt' }))
    expect(del.DeleteMarker).toBe(true)
    expect(del.VersionId).toMatch(VERSION_ID)
    const marker = del.VersionId!

    const get = await s3Fetch(srv.s3Url, { bucket: B, key: 'gone.txt' })
    const e = await errorOf(get)
    expect({ status: e.status, code: e.code }).toEqual({ status: 404, code: 'NoSuchKey' })
    expect(get.headers.get('x-amz-delete-marker')).toBe('true')
    expect(get.headers.get('x-amz-version-id')).toBe(marker)
    const head = await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: B, key: 'gone.txt' })
    expect(head.status).toBe(404)
    expect(head.headers.get('x-amz-delete-marker')).toBe('true')
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: B, Key: 'gone.txt' })))).toEqual({ status: 404, name: 'NoSuchKey' })

    const byId = await s3Fetch(srv.s3Url, { bucket: B, key: 'gone.txt', query: { versionId: marker } })
    const e2 = await errorOf(byId)
    expect({ status: e2.status, code: e2.code }).toEqual({ status: 405, code: 'MethodNotAllowed' })
    expect(byId.headers.get('x-amz-delete-marker')).toBe('true')
    expect(byId.headers.get('x-amz-version-id')).toBe(marker)
    const headById = await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: B, key: 'gone.txt', query: { versionId: marker } })
    expect(headById.status).toBe(405)
    // Older versions stay readable by id.
    expect(await text(s3, 'gone.txt', v1.VersionId)).toEqual({ body: 'alive v1', versionId: v1.VersionId })

    // Not listed; ListObjectVersions shows the marker as latest.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'gone' }))
    expect(listed.KeyCount).toBe(0)
    expect(await versionsOf('gone.txt')).toEqual({
      versions: [{ id: v2.VersionId!, latest: false, size: 8 }, { id: v1.VersionId!, latest: false, size: 8 }],
      markers: [{ id: marker, latest: true }],
    })

    // A second plain delete stacks another marker (S3 does).
    const del2 = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'gone.txt' }))
    expect(del2.DeleteMarker).toBe(true)
    expect(del2.VersionId).not.toBe(marker)
    const undo2 = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'gone.txt', VersionId: del2.VersionId }))
    expect({ dm: undo2.DeleteMarker, v: undo2.VersionId }).toEqual({ dm: true, v: del2.VersionId })

    // Undelete: permanently delete the marker.
    const undo = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'gone.txt', VersionId: marker }))
    expect({ dm: undo.DeleteMarker, v: undo.VersionId }).toEqual({ dm: true, v: marker })
    expect(await text(s3, 'gone.txt')).toEqual({ body: 'alive v2', versionId: v2.VersionId })
    const back = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'gone' }))
    expect(back.Contents?.map((o) => o.Key)).toEqual(['gone.txt'])
    expect(await versionsOf('gone.txt')).toEqual({
      versions: [{ id: v2.VersionId!, latest: true, size: 8 }, { id: v1.VersionId!, latest: false, size: 8 }], markers: [],
    })

    // Deleting the current version by id permanently removes it; the previous one becomes current.
    const rm = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'gone.txt', VersionId: v2.VersionId }))
    expect({ dm: rm.DeleteMarker, v: rm.VersionId }).toEqual({ dm: undefined, v: v2.VersionId })
    expect(await text(s3, 'gone.txt')).toEqual({ body: 'alive v1', versionId: v1.VersionId })
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: B, Key: 'gone.txt', VersionId: v2.VersionId })))).toEqual({ status: 404, name: 'NoSuchVersion' })
    // Deleting a version that is already gone answers 204 (S3 does).
    const again = await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: B, key: 'gone.txt', query: { versionId: v2.VersionId! } })
    expect(again.status).toBe(204)
  })

  test('DeleteObjects with VersionId entries: versions removed, markers removed (undelete), plain keys get markers', async () => {
    const a1 = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'multi/a', Body: 'a1' }))
    const a2 = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'multi/a', Body: 'a2' }))
    const b1 = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'multi/b', Body: 'b1' }))
    const bm = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'multi/b' }))
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'multi/c', Body: 'c1' }))

    const r = await s3.send(new DeleteObjectsCommand({
      Bucket: B,
      Delete: { Objects: [{ Key: 'multi/a', VersionId: a1.VersionId }, { Key: 'multi/b', VersionId: bm.VersionId }, { Key: 'multi/c' }, { Key: 'multi/none', VersionId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }] },
    }))
    expect(r.Errors ?? []).toEqual([])
    const byKey = Object.fromEntries((r.Deleted ?? []).map((d) => [d.Key, d]))
    expect(Object.keys(byKey).sort()).toEqual(['multi/a', 'multi/b', 'multi/c', 'multi/none'])
    expect(byKey['multi/a']).toEqual({ Key: 'multi/a', VersionId: a1.VersionId })
    expect(byKey['multi/b']).toEqual({ Key: 'multi/b', VersionId: bm.VersionId, DeleteMarker: true, DeleteMarkerVersionId: bm.VersionId })
    expect(byKey['multi/c'].DeleteMarker).toBe(true)
    expect(byKey['multi/c'].DeleteMarkerVersionId).toMatch(VERSION_ID)
    expect(byKey['multi/c'].VersionId).toBeUndefined()

    // a: only a2 left; b: undeleted (b1 current); c: a marker on top of c1.
    expect(await versionsOf('multi/a')).toEqual({ versions: [{ id: a2.VersionId!, latest: true, size: 2 }], markers: [] })
    expect(await versionsOf('multi/b')).toEqual({ versions: [{ id: b1.VersionId!, latest: true, size: 2 }], markers: [] })
    expect(await text(s3, 'multi/b')).toEqual({ body: 'b1', versionId: b1.VersionId })
    const c = await versionsOf('multi/c')
    expect(c.markers).toEqual([{ id: byKey['multi/c'].DeleteMarkerVersionId!, latest: true }])
    expect(c.versions.map((v) => v.latest)).toEqual([false])
    // Malformed version id in a batch: a per-key error, the rest proceeds.
    const bad = await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [{ Key: 'multi/a', VersionId: 'bogus' }, { Key: 'multi/a', VersionId: a2.VersionId }] } }))
    expect(bad.Errors?.map((e) => ({ Key: e.Key, VersionId: e.VersionId, Code: e.Code }))).toEqual([{ Key: 'multi/a', VersionId: 'bogus', Code: 'InvalidArgument' }])
    expect(bad.Deleted).toEqual([{ Key: 'multi/a', VersionId: a2.VersionId }])
    expect(await versionsOf('multi/a')).toEqual({ versions: [], markers: [] })
  })
})

describe('Suspended', () => {
  const K = 'susp/file.txt'
  let real: string[] = []

  test('a PUT writes the null version, the next PUT replaces it; earlier real versions remain', async () => {
    const r1 = await s3.send(new PutObjectCommand({ Bucket: B, Key: K, Body: 'real one' }))
    const r2 = await s3.send(new PutObjectCommand({ Bucket: B, Key: K, Body: 'real two' }))
    real = [r1.VersionId!, r2.VersionId!]
    await s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: 'Suspended' } }))
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: B }))).Status).toBe('Suspended')

    const n1 = await s3.send(new PutObjectCommand({ Bucket: B, Key: K, Body: 'null first' }))
    // As on AWS: a write into a suspended bucket answers no x-amz-version-id (reads say "null").
    expect(n1.VersionId).toBeUndefined()
    expect(await versionsOf(K)).toEqual({
      versions: [{ id: 'null', latest: true, size: 10 }, { id: real[1], latest: false, size: 8 }, { id: real[0], latest: false, size: 8 }], markers: [],
    })
    const n2 = await s3.send(new PutObjectCommand({ Bucket: B, Key: K, Body: 'null second!' }))
    expect(n2.VersionId).toBeUndefined()
    // Replaced, not stacked.
    expect(await versionsOf(K)).toEqual({
      versions: [{ id: 'null', latest: true, size: 12 }, { id: real[1], latest: false, size: 8 }, { id: real[0], latest: false, size: 8 }], markers: [],
    })
    expect(await text(s3, K)).toEqual({ body: 'null second!', versionId: 'null' })
    expect(await text(s3, K, 'null')).toEqual({ body: 'null second!', versionId: 'null' })
    expect(await text(s3, K, real[0])).toEqual({ body: 'real one', versionId: real[0] })
    const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: K }))
    expect(h.VersionId).toBe('null')

    // Time Machine still holds the replaced null content as history.
    const hist = await api(srv, 'GET', `/api/versions?bucket=${B}&key=${encodeURIComponent(K)}`, { headers: keyHeaders(ROOT_API_KEY) })
    expect(hist.status).toBe(200)
    expect(hist.body.versions.map((v: any) => [v.versionNumber, v.size, v.isCurrent])).toEqual([[4, 12, true], [3, 10, false], [2, 8, false], [1, 8, false]])
  })

  test('a delete while suspended writes a null delete marker in place of the null version', async () => {
    const del = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: K }))
    expect({ dm: del.DeleteMarker, v: del.VersionId }).toEqual({ dm: true, v: 'null' })
    expect(await versionsOf(K)).toEqual({
      versions: [{ id: real[1], latest: false, size: 8 }, { id: real[0], latest: false, size: 8 }], markers: [{ id: 'null', latest: true }],
    })
    const get = await s3Fetch(srv.s3Url, { bucket: B, key: K })
    expect(get.status).toBe(404)
    expect(get.headers.get('x-amz-delete-marker')).toBe('true')
    expect(get.headers.get('x-amz-version-id')).toBe('null')
    await get.text()
    // Deleting the null marker undeletes to the newest real version.
    const undo = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: K, VersionId: 'null' }))
    expect({ dm: undo.DeleteMarker, v: undo.VersionId }).toEqual({ dm: true, v: 'null' })
    expect(await text(s3, K)).toEqual({ body: 'real two', versionId: real[1] })
  })

  test('re-enabled: new writes get real ids again and the null version stays addressable', async () => {
    const n = await s3.send(new PutObjectCommand({ Bucket: B, Key: K, Body: 'null again' }))
    expect(n.VersionId).toBeUndefined()
    await s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: 'Enabled' } }))
    const r3 = await s3.send(new PutObjectCommand({ Bucket: B, Key: K, Body: 'real three' }))
    expect(r3.VersionId).toMatch(VERSION_ID)
    expect(await versionsOf(K)).toEqual({
      versions: [{ id: r3.VersionId!, latest: true, size: 10 }, { id: 'null', latest: false, size: 10 }, { id: real[1], latest: false, size: 8 }, { id: real[0], latest: false, size: 8 }],
      markers: [],
    })
    expect(await text(s3, K, 'null')).toEqual({ body: 'null again', versionId: 'null' })
  })
})

describe('ListObjectVersions paging over 2,500 versions', () => {
  const keys = Array.from({ length: 25 }, (_, i) => `page/k${String(i).padStart(2, '0')}`)
  let ids: Map<string, string[]>
  const markers = new Map<string, string>()
  let markerOnly: string[] = []
  let zz = ''

  beforeAll(async () => {
    const t0 = performance.now()
    ids = await buildVersionsByCopy(srv.s3Url, B, keys, 100)
    console.log(`built 2,500 versions in ${Math.round(performance.now() - t0)} ms`)
    // Every fifth key ends in a delete marker; one key has a run of markers (pages of markers only).
    for (const k of keys.filter((_, i) => i % 5 === 0)) markers.set(k, (await s3.send(new DeleteObjectCommand({ Bucket: B, Key: k }))).VersionId!)
    zz = (await s3.send(new PutObjectCommand({ Bucket: B, Key: 'page/zz', Body: 'under the markers' }))).VersionId!
    markerOnly = await pool(Array.from({ length: 12 }), 1, async () => (await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'page/zz' }))).VersionId!)
  }, 120_000)

  /** The expected wire order: key ascending, newest first (markers included). */
  function expected() {
    const out: Array<{ key: string; versionId: string; deleteMarker: boolean; isLatest: boolean }> = []
    for (const k of keys) {
      const m = markers.get(k)
      if (m) out.push({ key: k, versionId: m, deleteMarker: true, isLatest: true })
      ids.get(k)!.slice().reverse().forEach((v, i) => out.push({ key: k, versionId: v, deleteMarker: false, isLatest: !m && i === 0 }))
    }
    markerOnly.slice().reverse().forEach((v, i) => out.push({ key: 'page/zz', versionId: v, deleteMarker: true, isLatest: i === 0 }))
    out.push({ key: 'page/zz', versionId: zz, deleteMarker: false, isLatest: false })
    return out
  }

  test('2,500 versions were written with distinct ids', () => {
    const all = [...ids.values()].flat()
    expect(all.length).toBe(2500)
    expect(new Set(all).size).toBe(2500)
    for (const v of all) expect(v).toMatch(VERSION_ID)
  })

  for (const maxKeys of [undefined, 333]) {
    test(`SDK paging with ${maxKeys ?? 'default'} MaxKeys returns every version and marker once, in order`, async () => {
      const exp = expected()
      expect(exp.length).toBe(2500 + 5 + 1 + 12)
      const { entries, pages } = await listAllVersions(s3, B, { prefix: 'page/', maxKeys })
      expect(pages).toBe(Math.ceil(exp.length / (maxKeys ?? 1000)))
      const strip = (e: { key: string; versionId: string; deleteMarker: boolean; isLatest: boolean }) => ({ key: e.key, versionId: e.versionId, deleteMarker: e.deleteMarker, isLatest: e.isLatest })
      // Versions in wire order; markers in wire order (the SDK separates the two lists per page).
      expect(entries.filter((e) => !e.deleteMarker).map(strip)).toEqual(exp.filter((e) => !e.deleteMarker))
      expect(entries.filter((e) => e.deleteMarker).map(strip)).toEqual(exp.filter((e) => e.deleteMarker))
      // One latest entry per key.
      expect(entries.filter((e) => e.isLatest).length).toBe(26)
    }, 60_000)
  }

  test('raw pages: exact MaxKeys, NextKeyMarker/NextVersionIdMarker resume mid-key, markers interleaved in order', async () => {
    const exp = expected()
    const got: Array<{ key: string; versionId: string; deleteMarker: boolean }> = []
    let keyMarker = ''
    let vMarker = ''
    let pages = 0
    for (;;) {
      const q: Record<string, string> = { versions: '', prefix: 'page/', 'max-keys': '777' }
      if (keyMarker) { q['key-marker'] = keyMarker; q['version-id-marker'] = vMarker }
      const res = await s3Fetch(srv.s3Url, { bucket: B, query: q })
      expect(res.status).toBe(200)
      const xml = await res.text()
      pages++
      const items = [...xml.matchAll(/<(Version|DeleteMarker)>([\s\S]*?)<\/\1>/g)].map((m) => ({ key: xmlTag(m[2], 'Key')!, versionId: xmlTag(m[2], 'VersionId')!, deleteMarker: m[1] === 'DeleteMarker' }))
      got.push(...items)
      if (xmlTag(xml, 'IsTruncated') !== 'true') break
      expect(items.length).toBe(777)
      keyMarker = xmlTag(xml, 'NextKeyMarker')!
      vMarker = xmlTag(xml, 'NextVersionIdMarker')!
      expect({ keyMarker, vMarker }).toEqual({ keyMarker: items[776].key, vMarker: items[776].versionId })
    }
    expect(pages).toBe(Math.ceil(exp.length / 777))
    expect(got).toEqual(exp.map((e) => ({ key: e.key, versionId: e.versionId, deleteMarker: e.deleteMarker })))
  }, 60_000)

  test('pages made only of delete markers still continue (s3-pit-restore #26)', async () => {
    const { entries, pages } = await listAllVersions(s3, B, { prefix: 'page/zz', maxKeys: 5 })
    expect(pages).toBe(3)
    expect(entries.filter((e) => e.deleteMarker).map((e) => e.versionId)).toEqual(markerOnly.slice().reverse())
    expect(entries.filter((e) => !e.deleteMarker).length).toBe(1)
  })

  test('delimiter rolls keys into CommonPrefixes; key-marker inside a prefix skips it', async () => {
    const r = await s3.send(new ListObjectVersionsCommand({ Bucket: B, Delimiter: '/', MaxKeys: 1000 }))
    expect(r.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['multi/', 'page/', 'susp/'])
    expect([...(r.Versions ?? []), ...(r.DeleteMarkers ?? [])].every((v) => !v.Key!.includes('/'))).toBe(true)
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: B, Delimiter: '/', KeyMarker: 'page/k03' }))
    expect(after.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['susp/'])
    // Version-id-marker on its own key: resume right after that version.
    const kids = ids.get('page/k07')!
    const mid = await s3.send(new ListObjectVersionsCommand({ Bucket: B, Prefix: 'page/k07', KeyMarker: 'page/k07', VersionIdMarker: kids[50], MaxKeys: 3 }))
    expect(mid.Versions?.map((v) => v.VersionId)).toEqual([kids[49], kids[48], kids[47]])
    expect(mid.IsTruncated).toBe(true)
    expect({ k: mid.NextKeyMarker, v: mid.NextVersionIdMarker }).toEqual({ k: 'page/k07', v: kids[47] })
  })

  test('GET/HEAD by id on any of the 2,500 versions returns that version (bytes, its own metadata)', async () => {
    const picks = keys.flatMap((k, i) => [ids.get(k)![i], ids.get(k)![99 - i]].map((v, j) => ({ k, v, n: j === 0 ? i : 99 - i })))
    await pool(picks, 8, async ({ k, v, n }) => {
      const r = await s3.send(new GetObjectCommand({ Bucket: B, Key: k, VersionId: v }))
      expect({ body: await r.Body!.transformToString(), versionId: r.VersionId, meta: r.Metadata }).toEqual({ body: `${k}#0`, versionId: v, meta: { n: String(n) } })
    })
    const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'page/k03', VersionId: ids.get('page/k03')![42] }))
    expect({ v: h.VersionId, meta: h.Metadata }).toEqual({ v: ids.get('page/k03')![42], meta: { n: '42' } })
  }, 60_000)
})
