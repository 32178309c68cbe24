/**
 * Object events in the durable outbox (the `events` table, read read-only from the data dir):
 * object.created on a key's first write (or when it becomes visible again), object.updated on
 * an overwrite or when the current content changes, object.deleted when it leaves the listing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client,
} from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { ROOT_API_KEY, api, keyHeaders } from '../rest/rest-helpers'
import { readEvents } from './helpers'

let srv: TestServer
let s3: S3Client
let seen = 0

/** Object events written since the last call: [type, key, versionNumber?]. */
function newEvents(bucket: string) {
  const all = readEvents(srv.dataDir)
  const fresh = all.filter((e) => e.id > seen)
  if (all.length) seen = all[all.length - 1].id
  return fresh.filter((e) => e.type.startsWith('object.') && e.payload.bucket === bucket)
}
const brief = (evs: ReturnType<typeof newEvents>) => evs.map((e) => [e.type, e.payload.key])

beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
  await s3.send(new CreateBucketCommand({ Bucket: 'ev-plain' }))
  await s3.send(new CreateBucketCommand({ Bucket: 'ev-versioned' }))
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'ev-versioned', VersioningConfiguration: { Status: 'Enabled' } }))
  newEvents('')
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

describe('default bucket', () => {
  const B = 'ev-plain'
  test('created on the first write, updated on overwrite, deleted on delete, created again after', async () => {
    const p1 = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'a.txt', Body: 'one', ContentType: 'text/plain' }))
    const ev = newEvents(B)
    expect(ev.length).toBe(1)
    expect(ev[0].type).toBe('object.created')
    expect(ev[0].payload).toEqual({ bucket: B, key: 'a.txt', size: 3, contentType: 'text/plain', etag: p1.ETag!.replaceAll('"', ''), versionId: ev[0].payload.versionId, versionNumber: 1 })
    expect(typeof ev[0].accountId).toBe('string')

    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'a.txt', Body: 'two!' }))
    const up = newEvents(B)
    expect(brief(up)).toEqual([['object.updated', 'a.txt']])
    expect({ size: up[0].payload.size, n: up[0].payload.versionNumber }).toEqual({ size: 4, n: 2 })

    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'a.txt' }))
    const del = newEvents(B)
    expect(brief(del)).toEqual([['object.deleted', 'a.txt']])
    expect(del[0].payload.size).toBe(4)
    // Deleting a missing key is not an event.
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'a.txt' }))
    expect(newEvents(B)).toEqual([])

    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'a.txt', Body: 'three' }))
    expect(brief(newEvents(B))).toEqual([['object.created', 'a.txt']])
  })

  test('copy, multi-delete, Time Machine restore and undelete emit the same events', async () => {
    await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'b.txt', CopySource: `${B}/a.txt` }))
    expect(brief(newEvents(B))).toEqual([['object.created', 'b.txt']])
    await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [{ Key: 'a.txt' }, { Key: 'b.txt' }, { Key: 'nope' }] } }))
    expect(brief(newEvents(B))).toEqual([['object.deleted', 'a.txt'], ['object.deleted', 'b.txt']])
    const u = await api(srv, 'POST', '/api/versions/undelete', { headers: keyHeaders(ROOT_API_KEY), json: { bucket: B, key: 'a.txt' } })
    expect(u.status).toBe(200)
    expect(brief(newEvents(B))).toEqual([['object.created', 'a.txt']])
    const h = await api(srv, 'GET', `/api/versions?bucket=${B}&key=a.txt`, { headers: keyHeaders(ROOT_API_KEY) })
    const r = await api(srv, 'PATCH', '/api/versions', { headers: keyHeaders(ROOT_API_KEY), json: { versionId: h.body.versions.at(-1).versionId } })
    expect(r.status).toBe(200)
    const ev = newEvents(B)
    expect(brief(ev)).toEqual([['object.updated', 'a.txt']])
    expect(ev[0].payload.versionNumber).toBe(r.body.newVersionNumber)
  })
})

describe('S3-versioned bucket', () => {
  const B = 'ev-versioned'
  test('a delete marker is object.deleted; removing it (undelete) makes the key visible again: object.created', async () => {
    const v1 = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'k', Body: 'v1' }))
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'k', Body: 'v22' }))
    expect(brief(newEvents(B))).toEqual([['object.created', 'k'], ['object.updated', 'k']])
    const d = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'k' }))
    expect(brief(newEvents(B))).toEqual([['object.deleted', 'k']])
    // A second marker on a deleted key changes nothing visible.
    const d2 = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'k' }))
    expect(newEvents(B)).toEqual([])
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'k', VersionId: d2.VersionId }))
    expect(newEvents(B)).toEqual([])
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'k', VersionId: d.VersionId }))
    const back = newEvents(B)
    expect(brief(back)).toEqual([['object.created', 'k']])
    expect({ size: back[0].payload.size, n: back[0].payload.versionNumber }).toEqual({ size: 3, n: 2 })
    // Removing a noncurrent version is invisible to listings: no event.
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'k', VersionId: v1.VersionId }))
    expect(newEvents(B)).toEqual([])
  })

  test('permanently deleting the current version: the previous one becomes current (object.updated), the last one goes (object.deleted)', async () => {
    const a = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'p', Body: 'first' }))
    const b = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'p', Body: 'second!' }))
    newEvents(B)
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'p', VersionId: b.VersionId }))
    const ev = newEvents(B)
    expect(brief(ev)).toEqual([['object.updated', 'p']])
    expect({ size: ev[0].payload.size, versionId: ev[0].payload.versionId, n: ev[0].payload.versionNumber }).toEqual({ size: 5, versionId: a.VersionId, n: 1 })
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'p', VersionId: a.VersionId }))
    expect(brief(newEvents(B))).toEqual([['object.deleted', 'p']])
  })
})
