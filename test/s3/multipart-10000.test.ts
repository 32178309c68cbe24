import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, ListPartsCommand, UploadPartCommand } from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { s3Fetch } from '../helpers/raw-s3'

/**
 * The S3 maximum of 10,000 parts, with a retried part, ListParts paging past 1,000 and a
 * partNumber read (SeaweedFS and CloudServer once broke above 1,000 parts). S3's 5 MiB minimum
 * part size would make this 50 GB, so the server runs with a 1-byte minimum.
 */
let server: TestServer
beforeAll(async () => {
  server = await startInProcess({ env: { CLOUDSTORAGE_MULTIPART_MIN_PART_SIZE: '1' } })
}, 120_000)
afterAll(() => server.stop())

const PARTS = 10_000
const partBody = (n: number) => Buffer.from(`part ${String(n).padStart(5, '0')};`) // 12 bytes each

test('10,000 parts complete into one object with the md5-of-md5s-10000 ETag', async () => {
  const s3 = s3Client(server.s3Url, undefined, { requestChecksumCalculation: 'WHEN_REQUIRED' })
  await s3.send(new CreateBucketCommand({ Bucket: 'parts' }))
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'parts', Key: 'big' }))
  const etags: string[] = new Array(PARTS)
  let next = 1
  // The parts go up as plain signed requests (the SDK's per-request work would be most of this
  // test's time); listing, completing and reading them back below go through the SDK.
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next <= PARTS) {
      const n = next++
      const res = await s3Fetch(server.s3Url, { method: 'PUT', bucket: 'parts', key: 'big', query: { partNumber: String(n), uploadId: UploadId! }, body: partBody(n) })
      await res.arrayBuffer()
      if (res.status !== 200) throw new Error(`UploadPart ${n}: ${res.status}`)
      etags[n - 1] = res.headers.get('etag')!
    }
  }))
  // A retried part replaces the earlier upload of that number.
  const retry = Buffer.from('part 05000!!')
  etags[4999] = (await s3.send(new UploadPartCommand({ Bucket: 'parts', Key: 'big', UploadId, PartNumber: 5000, Body: retry }))).ETag!

  let marker: string | undefined
  let listed = 0
  let pages = 0
  for (;;) {
    const page = await s3.send(new ListPartsCommand({ Bucket: 'parts', Key: 'big', UploadId, PartNumberMarker: marker }))
    listed += page.Parts?.length ?? 0
    pages++
    if (!page.IsTruncated) break
    marker = page.NextPartNumberMarker
  }
  expect(listed).toBe(PARTS)
  expect(pages).toBe(10)

  const done = await s3.send(new CompleteMultipartUploadCommand({
    Bucket: 'parts', Key: 'big', UploadId,
    MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) },
  }))
  const md5 = createHash('md5')
  for (const e of etags) md5.update(Buffer.from(e.replace(/"/g, ''), 'hex'))
  expect(done.ETag).toBe(`"${md5.digest('hex')}-10000"`)

  const expected = Buffer.concat(Array.from({ length: PARTS }, (_, i) => (i === 4999 ? retry : partBody(i + 1))))
  const got = await s3.send(new GetObjectCommand({ Bucket: 'parts', Key: 'big' }))
  expect(got.ContentLength).toBe(expected.length)
  expect(Buffer.from(await got.Body!.transformToByteArray()).equals(expected)).toBe(true)
  const part = await s3.send(new GetObjectCommand({ Bucket: 'parts', Key: 'big', PartNumber: 9999 }))
  expect(part.PartsCount).toBe(PARTS)
  expect(await part.Body!.transformToString()).toBe('part 09999;')
}, 600_000)
