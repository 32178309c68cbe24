/**
 * Issue 5, usage accounting: usage equals the sum of every stored version plus the uploaded parts
 * of in-progress multipart uploads, kept exact by each change's transaction. The sum is computed
 * independently of the counters, from what the APIs list (the Time Machine versions API for
 * every kept version, ListMultipartUploads + ListParts for parts), after a seeded random mix
 * of operations; `admin usage --json` must agree and report no drift.
 *
 * Semantics pinned here (and in the README): with Time Machine on, an overwrite keeps the old
 * version, so usage grows by the new size; with it off, an overwrite counts only the delta.
 * Deletes free space only once the history is purged or pruned by retention.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  DeleteObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListObjectVersionsCommand, ListPartsCommand,
  PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand, UploadPartCopyCommand, type S3Client,
} from '@aws-sdk/client-s3'
import { Database } from 'bun:sqlite'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { adminUsage, apiAccount, bytesOf, keyHeaders, meUsage, type QuotaAccount } from './helpers'

setDefaultTimeout(120_000)

let srv: TestServer
beforeAll(async () => { srv = await startInProcess() })
afterAll(async () => { await srv?.stop() })

async function api(a: QuotaAccount, method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(srv.httpUrl + path, { method, headers: { ...keyHeaders(a), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body !== undefined ? JSON.stringify(body) : undefined })
  const text = await r.text()
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`)
  return text ? JSON.parse(text) : null
}

const q = encodeURIComponent

/** Every kept content version of every key, from the Time Machine API (paged). */
async function versionsOf(a: QuotaAccount, bucket: string): Promise<Map<string, Array<{ versionId: string; size: number; isCurrent: boolean }>>> {
  const out = new Map<string, Array<{ versionId: string; size: number; isCurrent: boolean }>>()
  let cursor: string | null = null
  do {
    const page: any = await api(a, 'GET', `/api/versions?bucket=${q(bucket)}&limit=7${cursor ? `&cursor=${cursor}` : ''}`)
    for (const f of page.files) out.set(f.key, (await api(a, 'GET', `/api/versions?bucket=${q(bucket)}&key=${q(f.key)}`)).versions)
    cursor = page.nextCursor
  } while (cursor)
  return out
}

/** Bytes of uploaded parts of in-progress multipart uploads, over S3. */
async function partBytes(s3: S3Client, bucket: string): Promise<number> {
  const ups = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))
  let n = 0
  for (const u of ups.Uploads ?? []) {
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: u.Key!, UploadId: u.UploadId! }))
    for (const p of parts.Parts ?? []) n += p.Size!
  }
  return n
}

interface Independent { bytes: number; objects: number; perBucket: Map<string, { bytes: number; objects: number }> }

/** The account's usage computed from listings only. */
async function independentUsage(a: QuotaAccount, s3: S3Client): Promise<Independent> {
  const buckets: Array<{ name: string }> = (await api(a, 'GET', '/api/buckets')).buckets
  const perBucket = new Map<string, { bytes: number; objects: number }>()
  let bytes = 0
  let objects = 0
  for (const b of buckets) {
    let bb = await partBytes(s3, b.name)
    for (const vs of (await versionsOf(a, b.name)).values()) for (const v of vs) bb += v.size
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: b.name }))
    const ob = listed.KeyCount ?? 0
    perBucket.set(b.name, { bytes: bb, objects: ob })
    bytes += bb
    objects += ob
  }
  return { bytes, objects, perBucket }
}

/** Counters (/api/me, /api/buckets) equal the independent sums. */
async function expectConsistent(a: QuotaAccount, s3: S3Client, label: string): Promise<Independent> {
  const ind = await independentUsage(a, s3)
  const me = await meUsage(srv, a)
  expect({ label, bytes: me.bytes, objects: me.objects }).toEqual({ label, bytes: ind.bytes, objects: ind.objects })
  const buckets: Array<{ name: string; usage: { bytes: number; storedBytes: number; objects: number } }> = (await api(a, 'GET', '/api/buckets')).buckets
  for (const b of buckets) {
    expect({ label, bucket: b.name, bytes: b.usage.bytes, objects: b.usage.objects }).toEqual({ label, bucket: b.name, ...ind.perBucket.get(b.name)! })
    // Deduplicated blobs: never more on disk than the versions and parts add up to.
    expect(b.usage.storedBytes).toBeLessThanOrEqual(b.usage.bytes)
  }
  expect(me.storedBytes).toBeLessThanOrEqual(me.bytes)
  return ind
}

async function expectNoDrift(a: QuotaAccount, ind: Independent) {
  const row = await adminUsage(srv, a.email)
  expect({ bytes: row.bytes, objects: row.objects, counters: { bytes: row.counters.bytes, objects: row.counters.objects }, storedBytes: row.counters.storedBytes, drift: row.drift })
    .toEqual({ bytes: ind.bytes, objects: ind.objects, counters: { bytes: ind.bytes, objects: ind.objects }, storedBytes: row.storedBytes, drift: false })
}

/** mulberry32: a small seeded PRNG, so a failure replays exactly. */
function prng(seed: number) {
  let s = seed >>> 0
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)] }
}

describe('semantics', () => {
  let a: QuotaAccount
  let s3: S3Client
  beforeAll(async () => {
    a = await apiAccount(srv, '100MiB')
    s3 = s3Client(srv.s3Url, a)
  })
  const put = (bucket: string, key: string, n: number) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytesOf(n) }))
  const used = async () => (await meUsage(srv, a)).bytes

  test('Time Machine on (the default): an overwrite keeps the old version (usage grows by the new size); a delete keeps it; purge frees it', async () => {
    const b = a.bucket
    const base = await used()
    await put(b, 'tm', 1000)
    expect(await used()).toBe(base + 1000)
    await put(b, 'tm', 600)
    expect(await used()).toBe(base + 1600)
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'tm' }))
    expect(await used()).toBe(base + 1600)
    expect((await meUsage(srv, a)).objects).toBe(0)
    const purged = await api(a, 'DELETE', `/api/versions?bucket=${q(b)}&key=tm`)
    expect(purged).toEqual({ success: true, removedVersions: 2, freedBytes: 1600 })
    expect(await used()).toBe(base)
    await expectConsistent(a, s3, 'tm on')
  })

  test('Time Machine off (PATCH /api/buckets/:name {versioning:false}): an overwrite counts only the delta; a delete frees at once', async () => {
    const name = `off-${Date.now().toString(36)}`
    await s3.send(new CreateBucketCommand({ Bucket: name }))
    expect((await api(a, 'PATCH', `/api/buckets/${name}`, { versioning: false })).timeMachine).toBe(false)
    const base = await used()
    await put(name, 'k', 1000)
    expect(await used()).toBe(base + 1000)
    await put(name, 'k', 600)
    expect(await used()).toBe(base + 600)
    await put(name, 'k', 1500)
    expect(await used()).toBe(base + 1500)
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'k' }))
    expect(await used()).toBe(base)
    await expectConsistent(a, s3, 'tm off')
  })

  test('retention prunes history: with maxVersions 2 only the current and one older version stay counted', async () => {
    const name = `ret-${Date.now().toString(36)}`
    await s3.send(new CreateBucketCommand({ Bucket: name }))
    await api(a, 'PATCH', `/api/buckets/${name}`, { retention: { maxVersions: 2 } })
    const base = await used()
    for (const n of [100, 200, 300, 400]) await put(name, 'k', n)
    expect(await used()).toBe(base + 300 + 400)
    await expectConsistent(a, s3, 'retention')
  })

  test('S3 versioning: versions and delete markers; deleting version ids frees their bytes', async () => {
    const name = `ver-${Date.now().toString(36)}`
    await s3.send(new CreateBucketCommand({ Bucket: name }))
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }))
    const base = await used()
    const v1 = await put(name, 'k', 1000)
    const v2 = await put(name, 'k', 600)
    expect(await used()).toBe(base + 1600)
    const del = await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'k' }))
    expect(del.DeleteMarker).toBe(true)
    expect(await used()).toBe(base + 1600)
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'k', VersionId: v1.VersionId }))
    expect(await used()).toBe(base + 600)
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'k', VersionId: v2.VersionId }))
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'k', VersionId: del.VersionId }))
    expect(await used()).toBe(base)
    await expectConsistent(a, s3, 's3 versioning')
  })

  test('deleting a bucket with force frees everything it held: objects, history, S3 versions, in-progress parts', async () => {
    const name = `gone-${Date.now().toString(36)}`
    await s3.send(new CreateBucketCommand({ Bucket: name }))
    const base = await used()
    await put(name, 'a', 1000)
    await put(name, 'a', 2000) // history
    await put(name, 'b', 300)
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'b' })) // kept by Time Machine
    const u = await s3.send(new CreateMultipartUploadCommand({ Bucket: name, Key: 'mp' }))
    await s3.send(new UploadPartCommand({ Bucket: name, Key: 'mp', UploadId: u.UploadId, PartNumber: 1, Body: bytesOf(700) }))
    expect(await used()).toBe(base + 4000)
    expect((await api(a, 'DELETE', `/api/buckets/${name}?force=true`)).success).toBe(true)
    expect(await used()).toBe(base)
    await expectNoDrift(a, await expectConsistent(a, s3, 'bucket deleted'))
  })

  test('multipart: parts count while in progress; abort frees them; complete keeps only the listed parts', async () => {
    const b = a.bucket
    const base = await used()
    const u1 = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp1' }))
    for (const [n, size] of [[1, 700], [2, 300]] as const) await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp1', UploadId: u1.UploadId, PartNumber: n, Body: bytesOf(size) }))
    expect(await used()).toBe(base + 1000)
    // A retried part number replaces the earlier part.
    await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp1', UploadId: u1.UploadId, PartNumber: 2, Body: bytesOf(250) }))
    expect(await used()).toBe(base + 950)
    await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'mp1', UploadId: u1.UploadId }))
    expect(await used()).toBe(base)
    const u2 = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp2' }))
    await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp2', UploadId: u2.UploadId, PartNumber: 1, Body: bytesOf(500) }))
    const p2 = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp2', UploadId: u2.UploadId, PartNumber: 2, Body: bytesOf(400) }))
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'mp2', UploadId: u2.UploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: p2.ETag }] } }))
    expect(await used()).toBe(base + 400)
    await expectConsistent(a, s3, 'multipart')
  })
})

describe('reconciliation', () => {
  test('drifted counters: `admin usage` reports the drift, `--recompute` repairs account and bucket counters', async () => {
    const a = await apiAccount(srv, '100MiB')
    const s3 = s3Client(srv.s3Url, a)
    await s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'x', Body: bytesOf(3000) }))
    const db = new Database(join(srv.dataDir, 'cloudstorage.db'))
    db.exec('PRAGMA busy_timeout = 10000')
    db.query('UPDATE account_usage SET logical_bytes = logical_bytes + 777, objects = objects + 2 WHERE account_id = ?').run(a.id)
    db.query('UPDATE buckets SET usage_bytes = 5 WHERE name = ?').run(a.bucket)
    db.close()
    expect((await meUsage(srv, a)).bytes).toBe(3777)
    const seen = await adminUsage(srv, a.email)
    expect({ bytes: seen.bytes, objects: seen.objects, counter: seen.counters.bytes, drift: seen.drift, corrected: seen.corrected }).toEqual({ bytes: 3000, objects: 1, counter: 3777, drift: true, corrected: false })
    const fixed = await adminUsage(srv, a.email, true)
    expect({ drift: fixed.drift, corrected: fixed.corrected }).toEqual({ drift: true, corrected: true })
    await expectNoDrift(a, await expectConsistent(a, s3, 'after --recompute'))
    expect((await meUsage(srv, a)).bytes).toBe(3000)
  })

  test('startup reconciles drifted counters', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cs-recon-'))
    let s = await startInProcess({ dataDir })
    try {
      const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim()
      const a = await apiAccount(s, '100MiB')
      await s3Client(s.s3Url, a).send(new PutObjectCommand({ Bucket: a.bucket, Key: 'x', Body: bytesOf(1234) }))
      await s.stop()
      const db = new Database(join(dataDir, 'cloudstorage.db'))
      db.query('UPDATE account_usage SET logical_bytes = 99 WHERE account_id = ?').run(a.id)
      db.query('UPDATE buckets SET usage_bytes = 99 WHERE name = ?').run(a.bucket)
      db.close()
      s = await startInProcess({ dataDir })
      expect(s.output()).toContain(a.email)
      const acct = await (await fetch(`${s.httpUrl}/api/admin/accounts/${a.id}`, { headers: { authorization: `Bearer ${token}` } })).json() as any
      expect(acct.usage.bytes).toBe(1234)
      const buckets = (await (await fetch(`${s.httpUrl}/api/buckets`, { headers: keyHeaders(a) })).json() as any).buckets
      expect(buckets.find((b: { name: string }) => b.name === a.bucket).usage).toEqual({ bytes: 1234, storedBytes: 1234, objects: 1 })
    } finally {
      await s.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

test('a seeded random mix of 120 operations: usage always equals the independent sum; admin usage reports no drift', async () => {
  const seed = Number(process.env.QUOTA_SEED ?? 0x5eed5)
  const r = prng(seed)
  const a = await apiAccount(srv, '200MiB')
  const s3 = s3Client(srv.s3Url, a)
  const suffix = Date.now().toString(36)
  const ver = `mixv-${suffix}`
  const off = `mixo-${suffix}`
  await s3.send(new CreateBucketCommand({ Bucket: ver }))
  await s3.send(new PutBucketVersioningCommand({ Bucket: ver, VersioningConfiguration: { Status: 'Enabled' } }))
  await s3.send(new CreateBucketCommand({ Bucket: off }))
  await api(a, 'PATCH', `/api/buckets/${off}`, { versioning: false, retention: { maxVersions: 3 } })
  const buckets = [a.bucket, ver, off]
  const keys = ['a', 'b', 'c/d', 'e', 'f']
  const uploads: Array<{ bucket: string; key: string; id: string; parts: Map<number, string> }> = []
  const log: string[] = []

  const ops: Array<[number, () => Promise<string | null>]> = [
    [30, async () => {
      const bucket = r.pick(buckets), key = r.pick(keys), n = r.int(1, 20_000)
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytesOf(n) }))
      return `put ${bucket}/${key} ${n}`
    }],
    [12, async () => {
      const bucket = r.pick(buckets), key = r.pick(keys)
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
      return `delete ${bucket}/${key}`
    }],
    [6, async () => {
      const vs = (await s3.send(new ListObjectVersionsCommand({ Bucket: ver }))).Versions ?? []
      if (!vs.length) return null
      const v = r.pick(vs)
      await s3.send(new DeleteObjectCommand({ Bucket: ver, Key: v.Key, VersionId: v.VersionId }))
      return `delete-version ${ver}/${v.Key} ${v.Size}`
    }],
    [8, async () => {
      const src = r.pick(buckets)
      const listed = (await s3.send(new ListObjectsV2Command({ Bucket: src }))).Contents ?? []
      if (!listed.length) return null
      const o = r.pick(listed), dst = r.pick(buckets), key = r.pick(keys)
      if (src === dst && o.Key === key) return null
      await s3.send(new CopyObjectCommand({ Bucket: dst, Key: key, CopySource: `${src}/${q(o.Key!)}` }))
      return `copy ${src}/${o.Key} -> ${dst}/${key} ${o.Size}`
    }],
    [6, async () => {
      const bucket = r.pick(buckets), key = r.pick(keys)
      const u = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))
      uploads.push({ bucket, key, id: u.UploadId!, parts: new Map() })
      return `mpu-create ${bucket}/${key}`
    }],
    [10, async () => {
      if (!uploads.length) return null
      const u = r.pick(uploads), n = r.int(1, 4), size = r.int(1, 15_000)
      const p = await s3.send(new UploadPartCommand({ Bucket: u.bucket, Key: u.key, UploadId: u.id, PartNumber: n, Body: bytesOf(size) }))
      u.parts.set(n, p.ETag!)
      return `mpu-part ${u.bucket}/${u.key} #${n} ${size}`
    }],
    [4, async () => {
      if (!uploads.length) return null
      const src = r.pick(buckets)
      const listed = (await s3.send(new ListObjectsV2Command({ Bucket: src }))).Contents ?? []
      if (!listed.length) return null
      const u = r.pick(uploads), o = r.pick(listed), n = r.int(1, 4)
      const p = await s3.send(new UploadPartCopyCommand({ Bucket: u.bucket, Key: u.key, UploadId: u.id, PartNumber: n, CopySource: `${src}/${q(o.Key!)}` }))
      u.parts.set(n, p.CopyPartResult!.ETag!)
      return `mpu-part-copy ${src}/${o.Key} -> ${u.bucket}/${u.key} #${n} ${o.Size}`
    }],
    [5, async () => {
      const i = uploads.findIndex((u) => u.parts.size > 0)
      if (i < 0) return null
      const u = uploads.splice(i, 1)[0]
      const n = r.pick([...u.parts.keys()])
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: u.bucket, Key: u.key, UploadId: u.id, MultipartUpload: { Parts: [{ PartNumber: n, ETag: u.parts.get(n) }] } }))
      return `mpu-complete ${u.bucket}/${u.key} with #${n} of ${u.parts.size}`
    }],
    [3, async () => {
      if (!uploads.length) return null
      const u = uploads.splice(r.int(0, uploads.length - 1), 1)[0]
      await s3.send(new AbortMultipartUploadCommand({ Bucket: u.bucket, Key: u.key, UploadId: u.id }))
      return `mpu-abort ${u.bucket}/${u.key}`
    }],
    [6, async () => {
      const bucket = r.pick(buckets)
      const files = [...(await versionsOf(a, bucket)).entries()].filter(([, vs]) => vs.some((v) => !v.isCurrent))
      if (!files.length) return null
      const [key, vs] = r.pick(files)
      const v = r.pick(vs.filter((x) => !x.isCurrent))
      await api(a, 'PATCH', '/api/versions', { versionId: v.versionId })
      return `restore ${bucket}/${key} ${v.size}`
    }],
    [4, async () => {
      const bucket = r.pick(buckets)
      const files = [...(await versionsOf(a, bucket)).keys()]
      if (!files.length) return null
      const key = r.pick(files)
      const res = await api(a, 'DELETE', `/api/versions?bucket=${q(bucket)}&key=${q(key)}`)
      return `purge ${bucket}/${key} freed ${res.freedBytes}`
    }],
    [4, async () => {
      const bucket = r.pick(buckets)
      const all = [...(await versionsOf(a, bucket)).values()].flat().filter((v) => !v.isCurrent)
      if (!all.length) return null
      const v = r.pick(all)
      const res = await api(a, 'DELETE', `/api/versions/${v.versionId}`)
      return `delete-history ${bucket} ${v.versionId} freed ${res.freedBytes}`
    }],
    [3, async () => {
      const bucket = r.pick(buckets)
      const del = (await api(a, 'GET', `/api/versions/deleted?bucket=${q(bucket)}`)).files
      if (!del.length) return null
      const f = r.pick(del) as { key: string }
      await api(a, 'POST', '/api/versions/undelete', { bucket, key: f.key })
      return `undelete ${bucket}/${f.key}`
    }],
    [2, async () => {
      const on = r.next() < 0.5
      await api(a, 'PATCH', `/api/buckets/${q(a.bucket)}`, { versioning: on })
      return `time-machine ${a.bucket} ${on ? 'on' : 'off'}`
    }],
  ]
  const total = ops.reduce((n, [w]) => n + w, 0)
  const pickOp = () => {
    let x = r.next() * total
    for (const [w, f] of ops) if ((x -= w) < 0) return f
    return ops[0][1]
  }

  let done = 0
  for (let i = 0; done < 120 && i < 1000; i++) {
    const what = await pickOp()()
    if (what === null) continue
    log.push(what)
    done++
    if (done % 30 === 0) await expectConsistent(a, s3, `seed ${seed}, after op ${done}: ${log.slice(-3).join('; ')}`)
  }
  // Leave some uploads in progress: their parts must be counted too.
  const ind = await expectConsistent(a, s3, `seed ${seed}, final`)
  expect(ind.bytes).toBeGreaterThan(0)
  await expectNoDrift(a, ind)
})
