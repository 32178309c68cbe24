/**
 * R7 — same-key concurrent writers; R8 — overwrite/delete during a streaming GET
 * (research/reliability-anchors.md §1.6 method 8, §4.2).
 *
 * R7: writers PUT self-identifying bodies (header `<w#s>` + PRNG bytes) to one key while
 * readers GET it in a loop. Every read must be exactly one attempted body (no torn or mixed
 * content). The last commit wins: the final value is an acked PUT that no other acked PUT
 * started after (real-time order), and on an S3-versioned bucket ListObjectVersions lists
 * exactly the acked PUTs in an order consistent with real time (X acked before Y was sent ⇒
 * X is older), the newest being the final value. Run on a versioned bucket and on a default
 * (Time Machine, unversioned) bucket, where overwrites move history and retention kills blobs.
 *
 * R8: a 50 MiB GET that has started keeps receiving the complete OLD bytes when the key is
 * overwritten, or deleted, and its history purged (so the blob is dead): the blob is unlinked
 * only after the GC grace period. Covers a single-PUT object and a multipart one.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, ListObjectVersionsCommand, PutBucketVersioningCommand,
  PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3'
import { startServer, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, type ProcessTestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { s3Fetch } from '../helpers/raw-s3'
import { blobPath, checkBlobsAgree, derive, headOf, hex, payload, prng, runSeed, sha256 } from './harness'

const SEED = runSeed()
const MiB = 1024 * 1024
const WRITERS = 8
const PUTS = 12
const READERS = 3

const dataDir = mkdtempSync(join(tmpdir(), 'cs-r7-'))
let srv: ProcessTestServer
let s3: S3Client

beforeAll(async () => {
  console.log(`R7/R8 concurrency seed=${hex(SEED)}`)
  srv = await startServer({ dataDir })
  s3 = s3Client(srv.s3Url, undefined, { maxAttempts: 1 })
  for (const b of ['ver', 'plain', 'stream']) await s3.send(new CreateBucketCommand({ Bucket: b }))
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'ver', VersioningConfiguration: { Status: 'Enabled' } }))
  // Time Machine retention also prunes noncurrent S3 versions: keep them all in 'ver' so the
  // listing can be checked against every acked PUT. 'plain' keeps the default (10), so old
  // blobs die while readers are reading.
  const res = await fetch(`${srv.httpUrl}/api/buckets/ver`, {
    method: 'PATCH', headers: { 'X-API-Key': `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ retention: { maxVersions: 1000 } }),
  })
  expect(res.status).toBe(200)
  await res.arrayBuffer()
}, 120_000)

afterAll(async () => {
  s3?.destroy()
  if (srv && srv.proc.exitCode === null) await srv.stop('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

interface Put { label: string; sha: string; sentAt: number; ackAt: number; versionId?: string }

/** Readers GET the key until told to stop; every body must be one of the attempted ones. */
async function reader(bucket: string, key: string, attempted: Map<string, string>, stop: { done: boolean }, bad: string[]) {
  let n = 0
  while (!stop.done) {
    const res = await s3Fetch(srv.s3Url, { bucket, key })
    if (res.status !== 200) {
      bad.push(`GET ${bucket}/${key} → ${res.status} ${await res.text()}`)
      continue
    }
    const body = new Uint8Array(await res.arrayBuffer())
    n++
    if (!attempted.has(sha256(body))) bad.push(`GET ${bucket}/${key}: ${body.length} B starting ${headOf(body)} is no attempted body`)
    else if (res.headers.get('etag') === null) bad.push('GET without ETag')
  }
  return n
}

async function sameKeyRun(bucket: string) {
  const key = 'hot/key'
  const attempted = new Map<string, string>()
  const bodies = Array.from({ length: WRITERS }, (_, w) => Array.from({ length: PUTS }, (_, s) => {
    const size = prng(derive(SEED, bucket, w, s)).range(1, 256 * 1024)
    const b = payload(SEED, size, bucket, `w${w}`, `s${s}`)
    attempted.set(sha256(b), `w${w}#s${s}`)
    return b
  }))
  // A first value, so readers never see 404.
  const seedBody = payload(SEED, 1000, bucket, 'initial')
  attempted.set(sha256(seedBody), 'initial')
  const first = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: seedBody }))
  const puts: Put[] = [{ label: 'initial', sha: sha256(seedBody), sentAt: 0, ackAt: performance.now(), versionId: first.VersionId }]

  const stop = { done: false }
  const bad: string[] = []
  const readers = Array.from({ length: READERS }, () => reader(bucket, key, attempted, stop, bad))
  await Promise.all(bodies.map(async (mine, w) => {
    for (let s = 0; s < mine.length; s++) {
      const sentAt = performance.now()
      const r = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: mine[s] }))
      puts.push({ label: `w${w}#s${s}`, sha: sha256(mine[s]), sentAt, ackAt: performance.now(), versionId: r.VersionId })
    }
  }))
  stop.done = true
  const reads = (await Promise.all(readers)).reduce((a, b) => a + b, 0)

  // Last commit wins: the final value is an acked PUT that no acked PUT was sent after.
  const finalRes = await s3Fetch(srv.s3Url, { bucket, key })
  const finalBody = new Uint8Array(await finalRes.arrayBuffer())
  const final = puts.find((p) => p.sha === sha256(finalBody))
  expect(final).toBeDefined()
  const later = puts.filter((p) => p.sentAt > final!.ackAt).map((p) => p.label)
  expect(later).toEqual([])

  let orderViolations = 0
  if (bucket === 'ver') {
    const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }))).Versions ?? []
    expect(versions.map((v) => v.VersionId).sort()).toEqual(puts.map((p) => p.versionId).sort())
    expect(versions[0].IsLatest).toBe(true)
    expect(versions[0].VersionId).toBe(final!.versionId)
    expect(finalRes.headers.get('x-amz-version-id')).toBe(final!.versionId!)
    // Newest first: position i < j means i committed after j.
    const pos = new Map(versions.map((v, i) => [v.VersionId!, i]))
    for (const x of puts) for (const y of puts) if (x.ackAt < y.sentAt && pos.get(x.versionId!)! < pos.get(y.versionId!)!) orderViolations++
    expect(orderViolations).toBe(0)
  }
  expect(bad).toEqual([])
  return { reads, writes: puts.length, final: final!.label }
}

test('R7 same-key concurrent writers: every read is one whole attempted body, last commit wins', async () => {
  const [ver, plain] = await Promise.all([sameKeyRun('ver'), sameKeyRun('plain')])
  console.log(`R7 same-key: ${WRITERS} writers x ${PUTS} PUTs + ${READERS} readers on 2 keys (S3-versioned and Time Machine): `
    + `${ver.reads + plain.reads} reads, 0 torn/mixed, last-commit-wins holds (final ${ver.final} / ${plain.final}; versioned order matches real time), seed=${hex(SEED)}`)
}, 300_000)

/** Opens a 50 MiB GET, reads its first MiB, runs `mutate`, then drains it slowly. */
async function streamAcross(key: string, mutate: () => Promise<void>) {
  const res = await s3Fetch(srv.s3Url, { bucket: 'stream', key })
  expect(res.status).toBe(200)
  // A multipart object's full GET is a stream body, which Bun.serve sends without Content-Length (see read.ts).
  expect([null, String(50 * MiB)]).toContain(res.headers.get('content-length'))
  const reader = res.body!.getReader()
  const h = new Bun.CryptoHasher('sha256')
  let got = 0
  while (got < MiB) {
    const { value, done } = await reader.read()
    if (done) break
    h.update(value)
    got += value.byteLength
  }
  expect(got).toBeLessThan(50 * MiB) // the mutation really happens mid-stream
  await mutate()
  let reads = 0
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    h.update(value)
    got += value.byteLength
    if (++reads % 64 === 0) await Bun.sleep(5) // a slow client
  }
  return { bytes: got, sha: h.digest('hex') }
}

const purge = async (key: string) => {
  const res = await fetch(`${srv.httpUrl}/api/versions?bucket=stream&key=${encodeURIComponent(key)}`, { method: 'DELETE', headers: { 'X-API-Key': `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}` } })
  expect(res.status).toBe(200)
  await res.arrayBuffer()
}

function blobsOf(key: string): Array<{ id: string; state: string }> {
  const db = new Database(join(dataDir, 'cloudstorage.db'), { readonly: true })
  try {
    return db.query(`
      SELECT bl.id, bl.state FROM object_versions v JOIN buckets b ON b.id = v.bucket_id JOIN blobs bl ON bl.id = v.blob_id WHERE b.name = 'stream' AND v.key = ?1
      UNION SELECT bl.id, bl.state FROM version_parts p JOIN object_versions v ON v.id = p.version_id JOIN buckets b ON b.id = v.bucket_id JOIN blobs bl ON bl.id = p.blob_id WHERE b.name = 'stream' AND v.key = ?1`).all(key) as Array<{ id: string; state: string }>
  } finally {
    db.close()
  }
}

function deadBlobIds(ids: string[]): Array<{ id: string; state: string }> {
  const db = new Database(join(dataDir, 'cloudstorage.db'), { readonly: true })
  try {
    return ids.map((id) => (db.query('SELECT id, state FROM blobs WHERE id = ?').get(id) as { id: string; state: string } | null) ?? { id, state: 'gone' })
  } finally {
    db.close()
  }
}

test('R8 a 50 MiB GET started before an overwrite or delete receives the complete old bytes; the blob outlives the stream', async () => {
  const results: string[] = []
  // Single-blob object, overwritten (and its history purged) mid-stream.
  const single = payload(SEED, 50 * MiB, 'stream', 'single')
  await s3.send(new PutObjectCommand({ Bucket: 'stream', Key: 'single', Body: single }))
  const singleBlobs = blobsOf('single').map((b) => b.id)
  const newer = payload(SEED, MiB, 'stream', 'single', 'newer')
  const a = await streamAcross('single', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'stream', Key: 'single', Body: newer }))
    await purge('single')
  })
  expect(a.bytes).toBe(50 * MiB)
  expect(a.sha).toBe(sha256(single))
  results.push('overwrite')

  // Multipart object (10 × 5 MiB parts), deleted and purged mid-stream.
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'stream', Key: 'multi' }))
  const whole = new Bun.CryptoHasher('sha256')
  const parts: Array<{ PartNumber: number; ETag: string }> = []
  for (let p = 1; p <= 10; p++) {
    const body = payload(SEED, 5 * MiB, 'stream', 'multi', p)
    whole.update(body)
    parts.push({ PartNumber: p, ETag: (await s3.send(new UploadPartCommand({ Bucket: 'stream', Key: 'multi', UploadId, PartNumber: p, Body: body }))).ETag! })
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'stream', Key: 'multi', UploadId, MultipartUpload: { Parts: parts } }))
  // One blob (completion joins the parts) or one per part, depending on the storage layout.
  const multiBlobs = blobsOf('multi').map((b) => b.id)
  expect(multiBlobs.length).toBeGreaterThan(0)
  const b = await streamAcross('multi', async () => {
    expect((await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: 'stream', key: 'multi' })).status).toBe(204)
    await purge('multi')
  })
  expect(b.bytes).toBe(50 * MiB)
  expect(b.sha).toBe(whole.digest('hex'))
  results.push('delete')

  // The old blobs are garbage now, but their files stay until the grace period has passed.
  const states = deadBlobIds([...singleBlobs, ...multiBlobs])
  expect(states.every((s) => s.state === 'dead')).toBe(true)
  expect([...singleBlobs, ...multiBlobs].filter((id) => !existsSync(blobPath(dataDir, id)))).toEqual([])
  expect((await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: 'stream', key: 'multi' })).status).toBe(404)
  const now = await s3Fetch(srv.s3Url, { bucket: 'stream', key: 'single' })
  expect(sha256(new Uint8Array(await now.arrayBuffer()))).toBe(sha256(newer))

  expect(await srv.stop('SIGTERM')).toBe(0)
  const agree = checkBlobsAgree(dataDir)
  expect({ orphans: agree.orphans, missing: agree.missing, tmp: agree.tmp, integrity: agree.snap.integrity }).toEqual({ orphans: [], missing: [], tmp: [], integrity: 'ok' })
  console.log(`R8 streaming GET vs ${results.join(' and ')}: 2/2 streams got the complete old 50 MiB, 0 mixed, ${singleBlobs.length + multiBlobs.length} dead blobs kept through the grace period, 0 orphans, seed=${hex(SEED)}`)
}, 300_000)
