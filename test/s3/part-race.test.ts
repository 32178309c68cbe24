/**
 * The same part number uploaded twice at once: whichever upload finishes last is the part.
 * Upload A starts first and holds its body open until upload B (other bytes) has completed;
 * then A finishes. CompleteMultipartUpload with A's ETag succeeds and the object is A's bytes;
 * B's ETag is no longer a part (InvalidPart). B's blob and its quota are released: usage counts
 * A alone and the rest of the quota can be filled to the byte.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { md5Hex } from '../helpers/raw-s3'
import { METRICS_TOKEN, heldRequest, waitForInflight } from '../helpers/held-body'
import { apiAccount, eventually, expectUsage, openDb } from '../quota/helpers'

let srv: TestServer

beforeAll(async () => {
  srv = await startInProcess({ env: { CLOUDSTORAGE_METRICS_TOKEN: METRICS_TOKEN } })
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

describe('one part number, two concurrent UploadParts', () => {
  for (const chunked of [false, true]) test(`the upload that finishes last is the part; the other one is released (${chunked ? 'chunked' : 'Content-Length'} body)`, async () => {
    const Q = 4 * 1024 * 1024
    const a = await apiAccount(srv, Q)
    const s3 = s3Client(srv.s3Url, a)
    const key = `raced-${chunked}.bin`
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: a.bucket, Key: key }))
    const bodyA = randomBytes(300_000)
    const bodyB = randomBytes(200_000)

    // A: headers and the first bytes now, the rest after B is done.
    const A = await heldRequest(srv.s3Url, { method: 'PUT', bucket: a.bucket, key, query: { partNumber: '1', uploadId: up.UploadId! }, creds: a }, bodyA.subarray(0, 1000), bodyA.subarray(1000), { chunked })
    await waitForInflight(srv, 1, 'upload A to be in progress')
    const B = await s3.send(new UploadPartCommand({ Bucket: a.bucket, Key: key, UploadId: up.UploadId, PartNumber: 1, Body: bodyB }))
    expect(B.ETag).toBe(`"${md5Hex(bodyB)}"`)
    A.release()
    const resA = await A.response
    expect(resA.status).toBe(200)
    const etagA = resA.headers.get('etag')!
    expect(etagA).toBe(`"${md5Hex(bodyA)}"`)

    // Only A's bytes count now (B's part was replaced), and B's blob is released.
    await expectUsage(srv, a, bodyA.length)
    const db = openDb(srv)
    try {
      const blobB = db.query("SELECT state, refcount FROM blobs WHERE md5 = ?").get(md5Hex(bodyB)) as { state: string; refcount: number } | null
      expect(blobB).toEqual({ state: 'dead', refcount: 0 })
      const blobA = db.query("SELECT state, refcount FROM blobs WHERE md5 = ?").get(md5Hex(bodyA)) as { state: string; refcount: number }
      expect(blobA).toEqual({ state: 'live', refcount: 1 })
    } finally {
      db.close()
    }

    expect(await sdkError(s3.send(new CompleteMultipartUploadCommand({ Bucket: a.bucket, Key: key, UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: B.ETag }] } })))).toEqual({ name: 'InvalidPart', status: 400 })
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: a.bucket, Key: key, UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: etagA }] } }))
    expect(done.ETag).toMatch(/-1"$/)
    const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: a.bucket, Key: key }))).Body!.transformToByteArray())
    expect(got.equals(bodyA)).toBe(true)

    // No reservation was left behind: the rest of the quota takes exactly one more byte-exact object.
    await expectUsage(srv, a, bodyA.length)
    await s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'fill', Body: randomBytes(Q - bodyA.length) }))
    await expectUsage(srv, a, Q)
    // The dead part blob's file goes with GC; here it is enough that nothing references it.
    await eventually(() => {
      const d = openDb(srv)
      try {
        return (d.query("SELECT count(*) AS n FROM blobs WHERE state = 'live' AND refcount = 0").get() as { n: number }).n === 0
      } finally {
        d.close()
      }
    }, 'no live blob without references')
  })
})
