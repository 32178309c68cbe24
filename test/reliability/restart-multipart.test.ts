/**
 * R10 — restart mid-multipart (research/reliability-anchors.md §3.7 "Restart mid-upload", §4.2).
 *
 * Parts 1–3 are acknowledged, the server is killed with SIGKILL (a fourth part is in flight
 * at the kill), restarted on the same data dir; ListParts must show exactly the acked parts
 * with their ETags and sizes (the in-flight one only if it is intact), the upload resumes
 * with the remaining parts, completes, and the object's bytes match.
 */
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, ListMultipartUploadsCommand,
  ListPartsCommand, UploadPartCommand,
} from '@aws-sdk/client-s3'
import { startServer, type ProcessTestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { until } from '../helpers/wait'
import { inflightRequests, METRICS_TOKEN } from '../helpers/held-body'
import { checkBlobsAgree, hex, md5, payload, runSeed, sha256, waitForOutput } from './harness'

const SEED = runSeed()
const MiB = 1024 * 1024
const PARTS = 5
const sizeOf = (p: number) => (p < PARTS ? 5 * MiB : 1234567)
const partBody = (p: number) => payload(SEED, sizeOf(p), 'big/object.bin', 'part', p)

const dataDir = mkdtempSync(join(tmpdir(), 'cs-r10-'))
let srv: ProcessTestServer | null = null

afterAll(async () => {
  if (srv && srv.proc.exitCode === null) await srv.stop('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

test('R10 restart mid-multipart: acked parts survive kill -9, ListParts is exact, the upload resumes and completes', async () => {
  console.log(`R10 restart-multipart seed=${hex(SEED)}`)
  srv = await startServer({ dataDir, env: { CLOUDSTORAGE_METRICS_TOKEN: METRICS_TOKEN } })
  let s3 = s3Client(srv.s3Url, undefined, { maxAttempts: 1 })
  await s3.send(new CreateBucketCommand({ Bucket: 'mpu' }))
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'big/object.bin' }))
  const acked = new Map<number, string>()
  for (let p = 1; p <= 3; p++) {
    const r = await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'big/object.bin', UploadId, PartNumber: p, Body: partBody(p) }))
    expect(r.ETag).toBe(`"${md5(partBody(p))}"`)
    acked.set(p, r.ETag!)
  }

  // Part 4 is on the wire when the server dies: its outcome is unknown, but it must be all or nothing.
  let settled = false
  const inflight = s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'big/object.bin', UploadId, PartNumber: 4, Body: partBody(4) })).then(() => 'acked', () => 'failed').finally(() => (settled = true))
  // Killed once the server is handling it (or, on a fast machine, once it was already answered).
  const running = srv
  await until(async () => settled || (await inflightRequests(running)) >= 1, 'part 4 to reach the server')
  await srv.stop('SIGKILL')
  const part4 = await inflight
  if (part4 === 'acked') acked.set(4, `"${md5(partBody(4))}"`)
  s3.destroy()

  srv = await startServer({ dataDir })
  s3 = s3Client(srv.s3Url, undefined, { maxAttempts: 1 })
  const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu' }))
  expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['big/object.bin', UploadId]])
  const listed = (await s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: 'big/object.bin', UploadId }))).Parts ?? []
  const expected = [...acked].map(([p, etag]) => ({ PartNumber: p, ETag: etag, Size: sizeOf(p) }))
  const extra = listed.filter((l) => !acked.has(l.PartNumber!))
  expect(listed.filter((l) => acked.has(l.PartNumber!)).map((l) => ({ PartNumber: l.PartNumber, ETag: l.ETag, Size: l.Size }))).toEqual(expected)
  // The only part allowed beyond the acked ones is the in-flight part 4, intact.
  expect(extra.map((l) => ({ PartNumber: l.PartNumber, ETag: l.ETag, Size: l.Size }))).toEqual(
    extra.length ? [{ PartNumber: 4, ETag: `"${md5(partBody(4))}"`, Size: sizeOf(4) }] : [],
  )
  const survivors = listed.length

  // Resume: upload what is not listed (the unknown part 4 is simply sent again), complete.
  for (let p = 1; p <= PARTS; p++) {
    if (listed.some((l) => l.PartNumber === p)) continue
    const r = await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'big/object.bin', UploadId, PartNumber: p, Body: partBody(p) }))
    expect(r.ETag).toBe(`"${md5(partBody(p))}"`)
  }
  const parts = Array.from({ length: PARTS }, (_, i) => ({ PartNumber: i + 1, ETag: `"${md5(partBody(i + 1))}"` }))
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'mpu', Key: 'big/object.bin', UploadId, MultipartUpload: { Parts: parts } }))

  const whole = new Bun.CryptoHasher('sha256')
  for (let p = 1; p <= PARTS; p++) whole.update(partBody(p))
  const get = await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'big/object.bin' }))
  const bytes = await get.Body!.transformToByteArray()
  expect(bytes.length).toBe(4 * 5 * MiB + 1234567)
  expect(sha256(bytes)).toBe(whole.digest('hex'))

  // The part 4 written before the crash (if any) and its replacement leave no orphan behind.
  await waitForOutput(srv, /gc startup sweep finished/)
  s3.destroy()
  expect(await srv.stop('SIGTERM')).toBe(0)
  const agree = checkBlobsAgree(dataDir)
  expect({ orphans: agree.orphans, missing: agree.missing, tmp: agree.tmp, integrity: agree.snap.integrity }).toEqual({ orphans: [], missing: [], tmp: [], integrity: 'ok' })
  console.log(`R10 restart-multipart: resumed OK, ${acked.size} acked parts listed with their ETags after kill -9 (in-flight part 4: ${part4}, listed after restart: ${survivors > acked.size ? 'yes, intact' : part4 === 'acked' ? 'yes (acked)' : 'no'}), ${PARTS} parts completed, ${bytes.length} B match, seed=${hex(SEED)}`)
}, 300_000)
