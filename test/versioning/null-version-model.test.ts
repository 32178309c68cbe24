/**
 * Model-based test of S3 versioning through @aws-sdk/client-s3: a seeded random sequence of
 * PutObject / CopyObject / multipart uploads, DeleteObject (with and without a version id),
 * Enable / Suspend, GET by version id and ListObjectVersions runs against the appliance and
 * against a small reference model of S3's documented semantics:
 *
 *  - never versioned: one "null" entry per key; a write replaces it, a delete removes it;
 *  - Enabled: every write and every delete adds an entry with a fresh id at the top;
 *  - Suspended: a write adds a "null" version and a delete a "null" delete marker, each
 *    replacing the previous "null" entry wherever it was (version or marker); entries with real
 *    ids stay, readable by id, also after versioning is enabled again;
 *  - a delete by version id removes exactly that entry.
 *
 * Response version ids are checked per operation (AWS: no x-amz-version-id on writes into a
 * never-versioned or suspended bucket; "null" for the delete marker a suspended delete writes).
 * Every listed version id must be readable (GET by id answers its bytes, or 405 for a marker).
 * Runs once with Time Machine off (plain S3) and once with it on: then replaced "null"
 * content is kept as hidden history, which must stay out of the S3 view but in Time Machine's.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { ROOT_API_KEY, api, keyHeaders } from '../rest/rest-helpers'
import { VERSION_ID } from './helpers'

type State = '' | 'Enabled' | 'Suspended'
interface Entry { id: string; marker: boolean; body: string }

/** The reference model: per key, entries newest first. */
class Model {
  state: State = ''
  keys = new Map<string, Entry[]>()
  /** Time Machine buckets: content S3 no longer shows (replaced or deleted "null" versions). */
  hidden = new Map<string, string[]>()

  constructor(readonly timeMachine: boolean) {}

  entries(key: string) {
    let e = this.keys.get(key)
    if (!e) this.keys.set(key, (e = []))
    return e
  }
  private dropNull(key: string) {
    const e = this.entries(key)
    const i = e.findIndex((x) => x.id === 'null')
    if (i < 0) return
    const [gone] = e.splice(i, 1)
    // Time Machine keeps replaced content as history (delete markers are not content).
    if (this.timeMachine && !gone.marker) this.hiddenOf(key).unshift(gone.body)
  }
  hiddenOf(key: string) {
    let h = this.hidden.get(key)
    if (!h) this.hidden.set(key, (h = []))
    return h
  }

  write(key: string, body: string, id: string | undefined) {
    if (this.state === 'Enabled') this.entries(key).unshift({ id: id!, marker: false, body })
    else { this.dropNull(key); this.entries(key).unshift({ id: 'null', marker: false, body }) }
  }
  delete(key: string, id: string | undefined) {
    if (this.state === '') this.dropNull(key)
    else if (this.state === 'Suspended') { this.dropNull(key); this.entries(key).unshift({ id: 'null', marker: true, body: '' }) }
    else this.entries(key).unshift({ id: id!, marker: true, body: '' })
  }
  deleteVersion(key: string, id: string): Entry | null {
    const e = this.entries(key)
    const i = e.findIndex((x) => x.id === id)
    if (i < 0) return null
    return e.splice(i, 1)[0]
  }
  listing() {
    const out: Array<[string, string, boolean, boolean]> = []
    for (const key of [...this.keys.keys()].sort()) this.keys.get(key)!.forEach((e, i) => out.push([key, e.id, i === 0, e.marker]))
    return out
  }
}

/** mulberry32: a small seeded PRNG so a failing sequence can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

let srv: TestServer
let s3: S3Client
const SRC = 'model-src' // never versioned: the copy source

beforeAll(async () => {
  // Time Machine's retention must not prune what the model keeps.
  srv = await startInProcess({ env: { CLOUDSTORAGE_RETENTION_MAX_VERSIONS: '100000' } })
  s3 = s3Client(srv.s3Url)
  await s3.send(new CreateBucketCommand({ Bucket: SRC }))
  await s3.send(new PutObjectCommand({ Bucket: SRC, Key: 'seed', Body: 'copied bytes' }))
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

async function listAll(bucket: string) {
  const out: Array<[string, string, boolean, boolean]> = []
  let KeyMarker: string | undefined
  let VersionIdMarker: string | undefined
  for (;;) {
    const r = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker, MaxKeys: 7 }))
    // The SDK splits a page into Versions and DeleteMarkers: merge them back in list order.
    const page: Array<[string, string, boolean, boolean, number]> = []
    for (const v of r.Versions ?? []) page.push([v.Key!, v.VersionId!, !!v.IsLatest, false, v.LastModified!.getTime()])
    for (const m of r.DeleteMarkers ?? []) page.push([m.Key!, m.VersionId!, !!m.IsLatest, true, m.LastModified!.getTime()])
    out.push(...page.map((p) => p.slice(0, 4) as [string, string, boolean, boolean]))
    if (!r.IsTruncated) break
    KeyMarker = r.NextKeyMarker
    VersionIdMarker = r.NextVersionIdMarker
  }
  return out
}

/** Order within a key cannot be rebuilt from the SDK's split lists: compare per key as sets plus the latest. */
function normalize(rows: Array<[string, string, boolean, boolean]>) {
  return rows.map((r) => r.join('|')).sort()
}

async function getBody(bucket: string, key: string, versionId?: string) {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }))
  return { body: await r.Body!.transformToString(), versionId: r.VersionId }
}

async function runModel(bucket: string, opts: { timeMachine: boolean; seed: number; steps: number; initial?: State }) {
  const m = new Model(opts.timeMachine)
  m.state = opts.initial ?? ''
  const rand = rng(opts.seed)
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]
  const keys = ['a', 'b/c', 'd']
  let n = 0
  const log: string[] = []
  const fail = (what: string) => new Error(`seed ${opts.seed}, step ${log.length}: ${what}\n${log.slice(-15).join('\n')}`)

  /**
   * A Time Machine bucket's first PutBucketVersioning turns its hidden history into S3 versions
   * with ids of their own (ARCHITECTURE "One history, two views"), below the current version;
   * a key deleted meanwhile gets a delete marker on top. The model learns their ids from the
   * listing and checks each one's bytes.
   */
  async function adoptExposedHistory() {
    const known = new Set(m.listing().map(([k, id]) => `${k}|${id}`))
    const fresh = (await listAll(bucket)).filter(([k, id]) => !known.has(`${k}|${id}`))
    for (const key of keys) {
      const ids = fresh.filter(([k, , , marker]) => k === key && !marker).map(([, id]) => id)
      const markers = fresh.filter(([k, , , marker]) => k === key && marker)
      const hidden = m.hiddenOf(key)
      // A key deleted while unversioned shows as deleted: a delete marker on top of its history.
      const deleted = m.entries(key).length === 0 && hidden.length > 0
      if (markers.length !== (deleted ? 1 : 0) || (deleted && !markers[0][2])) throw fail(`first versioning gave ${key} the markers ${JSON.stringify(markers)}`)
      if (ids.length !== hidden.length) throw fail(`first versioning exposed ${ids.length} versions of ${key}, Time Machine held ${hidden.length}`)
      const exposed: Entry[] = []
      for (const id of ids) {
        if (!VERSION_ID.test(id)) throw fail(`exposed history of ${key} has version id ${id}`)
        const got = await getBody(bucket, key, id)
        const i = hidden.indexOf(got.body)
        if (i < 0) throw fail(`exposed version ${id} of ${key} holds ${got.body}, not hidden history`)
        hidden.splice(i, 1)
        exposed.push({ id, marker: false, body: got.body })
      }
      // Listing order within a key is newest first; the exposed ones are older than any current entry.
      const order = new Map(fresh.map(([, id], i) => [id, i]))
      exposed.sort((a, b) => order.get(a.id)! - order.get(b.id)!)
      m.entries(key).push(...exposed)
      if (deleted) m.entries(key).unshift({ id: markers[0][1], marker: true, body: '' })
    }
  }

  async function check() {
    const listed = await listAll(bucket)
    if (JSON.stringify(normalize(listed)) !== JSON.stringify(normalize(m.listing()))) {
      throw fail(`listing differs\nserver: ${JSON.stringify(listed)}\nmodel:  ${JSON.stringify(m.listing())}`)
    }
    // Every listed id is readable; within a key the newest comes first (number order).
    for (const [key, id, , marker] of listed) {
      const entry = m.entries(key).find((e) => e.id === id)!
      if (marker) {
        const e = await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: id })))
        if (e.status !== 405) throw fail(`HEAD ${key}?versionId=${id} (a delete marker) answered ${e.status} ${e.name}`)
      } else {
        const got = await getBody(bucket, key, id).catch((err) => { throw fail(`GET ${key}?versionId=${id}: ${err.name}`) })
        // A never-versioned bucket answers reads without a version id.
        if (got.body !== entry.body || got.versionId !== (m.state === '' ? undefined : id)) throw fail(`GET ${key}?versionId=${id} gave ${JSON.stringify(got)}, want ${entry.body}`)
      }
    }
    for (const key of keys) {
      const top = m.entries(key)[0]
      if (!top || top.marker) {
        const e = await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })))
        if (e.status !== 404) throw fail(`GET ${key} answered ${e.status}, want 404`)
      } else {
        const got = await getBody(bucket, key)
        if (got.body !== top.body) throw fail(`GET ${key} gave ${got.body}, want ${top.body}`)
        // A never-versioned bucket answers reads without a version id.
        if (got.versionId !== (m.state === '' ? undefined : top.id)) throw fail(`GET ${key} version ${got.versionId}, want ${top.id}`)
      }
      if (opts.timeMachine) {
        const h = await api(srv, 'GET', `/api/versions?bucket=${bucket}&key=${encodeURIComponent(key)}`, { headers: keyHeaders(ROOT_API_KEY) })
        const want = m.entries(key).filter((e) => !e.marker).length + m.hiddenOf(key).length
        const have = h.status === 200 ? h.body.versions.length : 0
        if (have !== want) throw fail(`Time Machine holds ${have} versions of ${key}, want ${want}`)
      }
    }
  }

  for (let step = 0; step < opts.steps; step++) {
    const key = pick(keys)
    const r = rand()
    const body = `${key}#${++n}`
    const expectWriteId = (id: string | undefined, what: string) => {
      if (m.state === 'Enabled' ? !VERSION_ID.test(id ?? '') : id !== undefined) throw fail(`${what} in state '${m.state}' answered version id ${id}`)
    }
    if (r < 0.25) {
      log.push(`put ${key} ${body}`)
      const p = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
      expectWriteId(p.VersionId, 'PutObject')
      m.write(key, body, p.VersionId)
    } else if (r < 0.32) {
      log.push(`copy ${key} ${body}`)
      const c = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${SRC}/seed`, MetadataDirective: 'REPLACE', Metadata: { n: String(n) } }))
      expectWriteId(c.VersionId, 'CopyObject')
      if (c.CopySourceVersionId !== undefined) throw fail(`CopyObject from a never-versioned bucket answered x-amz-copy-source-version-id ${c.CopySourceVersionId}`)
      m.write(key, 'copied bytes', c.VersionId)
    } else if (r < 0.37) {
      log.push(`multipart ${key} ${body}`)
      const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))
      const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: up.UploadId, PartNumber: 1, Body: body }))
      const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }))
      expectWriteId(done.VersionId, 'CompleteMultipartUpload')
      m.write(key, body, done.VersionId)
    } else if (r < 0.55) {
      log.push(`delete ${key}`)
      const d = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
      if (m.state === '') {
        if (d.VersionId !== undefined || d.DeleteMarker !== undefined) throw fail(`unversioned delete answered ${d.VersionId} ${d.DeleteMarker}`)
      } else {
        if (d.DeleteMarker !== true) throw fail('delete did not report a delete marker')
        if (m.state === 'Suspended' ? d.VersionId !== 'null' : !VERSION_ID.test(d.VersionId ?? '')) throw fail(`delete marker id ${d.VersionId} in state ${m.state}`)
      }
      m.delete(key, d.VersionId)
    } else if (r < 0.68) {
      const entries = m.entries(key)
      if (entries.length === 0) continue
      const e = pick(entries)
      log.push(`delete ${key}?versionId=${e.id}`)
      const d = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: e.id }))
      if (m.state !== '' && d.VersionId !== e.id) throw fail(`delete by id answered version ${d.VersionId}, want ${e.id}`)
      if ((d.DeleteMarker ?? false) !== e.marker) throw fail(`delete by id: DeleteMarker ${d.DeleteMarker}, want ${e.marker}`)
      m.deleteVersion(key, e.id)
    } else if (r < 0.76) {
      const status = m.state === 'Enabled' ? 'Suspended' : m.state === 'Suspended' ? 'Enabled' : pick(['Enabled', 'Suspended'] as const)
      log.push(`versioning ${status}`)
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: status } }))
      if (m.state === '' && opts.timeMachine) await adoptExposedHistory()
      m.state = status
    } else if (r < 0.88) {
      const entries = m.entries(key).filter((e) => !e.marker)
      if (entries.length === 0) continue
      const e = pick(entries)
      log.push(`get ${key}?versionId=${e.id}`)
      const got = await getBody(bucket, key, e.id).catch((err) => { throw fail(`GET ${key}?versionId=${e.id}: ${err.name}`) })
      if (got.body !== e.body) throw fail(`GET ${key}?versionId=${e.id} gave ${got.body}, want ${e.body}`)
    } else {
      log.push('list')
      await check()
    }
  }
  await check()
}

describe('S3 versioning against a reference model (every listed version id readable)', () => {
  test('Time Machine off: never versioned → Enabled ⇄ Suspended, 400 random steps', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'model-plain' }))
    const off = await api(srv, 'PATCH', '/api/buckets/model-plain', { headers: keyHeaders(ROOT_API_KEY), json: { versioning: false } })
    expect(off.body.timeMachine).toBe(false)
    for (const seed of [1, 2]) {
      // Each seed gets a fresh bucket so each sequence starts never versioned.
      const b = seed === 1 ? 'model-plain' : `model-plain-${seed}`
      if (seed !== 1) {
        await s3.send(new CreateBucketCommand({ Bucket: b }))
        await api(srv, 'PATCH', `/api/buckets/${b}`, { headers: keyHeaders(ROOT_API_KEY), json: { versioning: false } })
      }
      await runModel(b, { timeMachine: false, seed, steps: 200 })
    }
  }, 300_000)

  test('Time Machine on: replaced null content stays in Time Machine only, 600 random steps', async () => {
    for (const seed of [3, 4, 5]) {
      const b = `model-tm-${seed}`
      await s3.send(new CreateBucketCommand({ Bucket: b }))
      await runModel(b, { timeMachine: true, seed, steps: 200 })
    }
  }, 300_000)
})
