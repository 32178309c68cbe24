/**
 * Server-side encryption is not implemented, so every operation that takes SSE headers refuses
 * them with 501 NotImplemented naming the header, instead of ignoring them: a client must never
 * believe its data is stored encrypted when it is not, nor read an SSE-C object with a wrong key.
 * Through @aws-sdk/client-s3's own ServerSideEncryption / SSEKMSKeyId / SSECustomerKey params.
 * A missing bucket or key is still answered 404 first. Bucket encryption configuration is 501.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, DeleteBucketEncryptionCommand, GetBucketEncryptionCommand,
  GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, ListPartsCommand, PutBucketEncryptionCommand, PutObjectCommand, UploadPartCommand,
  UploadPartCopyCommand, type S3Client,
} from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { errorOf, s3Fetch, xmlTag } from '../helpers/raw-s3'

let srv: TestServer
let s3: S3Client
const B = 'sse'
const KEY = randomBytes(32)
const WRONG_KEY = randomBytes(32)
const SSE_C = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: KEY.toString('base64') } as const
const NOT_IMPLEMENTED = { name: 'NotImplemented', status: 501 }

beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url, undefined, { maxAttempts: 1 })
  expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: B })).status).toBe(200)
  await s3.send(new PutObjectCommand({ Bucket: B, Key: 'plain.txt', Body: 'stored without encryption' }))
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

async function keys() {
  return ((await s3.send(new ListObjectsV2Command({ Bucket: B }))).Contents ?? []).map((o) => o.Key).sort()
}

describe('writes asking for encryption are refused, nothing is stored', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['SSE-S3 (ServerSideEncryption: AES256)', { ServerSideEncryption: 'AES256' }],
    ['SSE-KMS (aws:kms with a key id and context)', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:eu-central-1:111122223333:key/abc', SSEKMSEncryptionContext: Buffer.from('{"a":"b"}').toString('base64'), BucketKeyEnabled: true }],
    ['SSE-C (SSECustomerAlgorithm + SSECustomerKey)', SSE_C],
  ]
  for (const [name, params] of cases) {
    test(`PutObject, CopyObject, CreateMultipartUpload with ${name}`, async () => {
      expect(await sdkError(s3.send(new PutObjectCommand({ Bucket: B, Key: 'enc.txt', Body: 'secret', ...params })))).toEqual(NOT_IMPLEMENTED)
      expect(await sdkError(s3.send(new CopyObjectCommand({ Bucket: B, Key: 'enc-copy.txt', CopySource: `${B}/plain.txt`, ...params })))).toEqual(NOT_IMPLEMENTED)
      expect(await sdkError(s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'enc-mp.txt', ...params })))).toEqual(NOT_IMPLEMENTED)
      expect(await keys()).toEqual(['plain.txt'])
    })
  }

  test('the error names the header; the raw answer is S3 XML', async () => {
    const e = await errorOf(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: B, key: 'enc.txt', body: 'secret', headers: { 'x-amz-server-side-encryption': 'AES256' } }))
    expect({ status: e.status, code: e.code, header: xmlTag(e.body, 'Header') }).toEqual({ status: 501, code: 'NotImplemented', header: 'x-amz-server-side-encryption' })
    const c = await errorOf(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: B, key: 'enc.txt', body: 'secret', headers: { 'x-amz-server-side-encryption-customer-algorithm': 'AES256' } }))
    expect(xmlTag(c.body, 'Header')).toBe('x-amz-server-side-encryption-customer-algorithm')
  })

  test('a copy whose source is named with an SSE-C key (CopySourceSSECustomerKey)', async () => {
    const r = await sdkError(s3.send(new CopyObjectCommand({ Bucket: B, Key: 'copy.txt', CopySource: `${B}/plain.txt`, CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: KEY.toString('base64') })))
    expect(r).toEqual(NOT_IMPLEMENTED)
    expect(await keys()).toEqual(['plain.txt'])
  })
})

describe('multipart uploads: UploadPart, UploadPartCopy, ListParts and Complete with SSE-C', () => {
  test('each is refused; the upload goes on without the headers', async () => {
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'mp.txt' }))
    const base = { Bucket: B, Key: 'mp.txt', UploadId: up.UploadId }
    expect(await sdkError(s3.send(new UploadPartCommand({ ...base, PartNumber: 1, Body: 'part', ...SSE_C })))).toEqual(NOT_IMPLEMENTED)
    expect(await sdkError(s3.send(new UploadPartCopyCommand({ ...base, PartNumber: 1, CopySource: `${B}/plain.txt`, ...SSE_C })))).toEqual(NOT_IMPLEMENTED)
    expect(await sdkError(s3.send(new UploadPartCopyCommand({ ...base, PartNumber: 1, CopySource: `${B}/plain.txt`, CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: KEY.toString('base64') })))).toEqual(NOT_IMPLEMENTED)
    expect(await sdkError(s3.send(new ListPartsCommand({ ...base, ...SSE_C })))).toEqual(NOT_IMPLEMENTED)
    expect((await s3.send(new ListPartsCommand(base))).Parts).toBeUndefined()
    const part = await s3.send(new UploadPartCommand({ ...base, PartNumber: 1, Body: 'part' }))
    const complete = (extra: object) => s3.send(new CompleteMultipartUploadCommand({ ...base, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] }, ...extra }))
    expect(await sdkError(complete(SSE_C))).toEqual(NOT_IMPLEMENTED)
    await complete({})
    expect(await keys()).toEqual(['mp.txt', 'plain.txt'])
  })
})

describe('reads with an SSE-C key', () => {
  test('GetObject / HeadObject with any customer key are refused, never served', async () => {
    const wrong = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: WRONG_KEY.toString('base64') }
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: B, Key: 'plain.txt', ...wrong })))).toEqual(NOT_IMPLEMENTED)
    // A HEAD error has no body: the SDK sees the status only (the code is in x-amz-error-code).
    expect((await sdkError(s3.send(new HeadObjectCommand({ Bucket: B, Key: 'plain.txt', ...wrong })))).status).toBe(501)
    const head = await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: B, key: 'plain.txt', headers: { 'x-amz-server-side-encryption-customer-algorithm': 'AES256' } })
    expect([head.status, head.headers.get('x-amz-error-code')]).toEqual([501, 'NotImplemented'])
    // Without the headers the object reads as stored.
    expect(await (await s3.send(new GetObjectCommand({ Bucket: B, Key: 'plain.txt' }))).Body!.transformToString()).toBe('stored without encryption')
  })

  test('a missing key or bucket is still 404 first', async () => {
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: B, Key: 'missing.txt', ...SSE_C })))).toEqual({ name: 'NoSuchKey', status: 404 })
    expect(await sdkError(s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket-sse', Key: 'k', Body: 'x', ServerSideEncryption: 'AES256' })))).toEqual({ name: 'NoSuchBucket', status: 404 })
  })
})

describe('bucket encryption configuration', () => {
  test('PutBucketEncryption, GetBucketEncryption, DeleteBucketEncryption: 501 NotImplemented', async () => {
    expect(await sdkError(s3.send(new PutBucketEncryptionCommand({
      Bucket: B, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    })))).toEqual(NOT_IMPLEMENTED)
    expect(await sdkError(s3.send(new GetBucketEncryptionCommand({ Bucket: B })))).toEqual(NOT_IMPLEMENTED)
    expect(await sdkError(s3.send(new DeleteBucketEncryptionCommand({ Bucket: B })))).toEqual(NOT_IMPLEMENTED)
  })
})
