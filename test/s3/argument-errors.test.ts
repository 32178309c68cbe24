import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand,
  PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3'
import { REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { s3Client, s3Error } from '../helpers/s3-client'
import { errorOf, s3Fetch } from '../helpers/raw-s3'
import { randomData, runOk, scratchDir, toolEnv } from '../helpers/cli'
import { hasBoto3, testWithTool } from '../helpers/tools'

/**
 * Arguments S3 refuses with a specific code: a partNumber outside 1..10000 on GET/HEAD
 * (InvalidArgument, before the object is even looked up), one beyond the object's parts
 * (InvalidPartNumber, 416), a CompleteMultipartUpload part number below 1 (InvalidArgument) and
 * a DeleteObject key over 1,024 bytes (KeyTooLongError).
 */

setDefaultTimeout(120_000)

const MiB = 1024 * 1024
const B = 'arg-errors'
let srv: TestServer
let s3: S3Client

beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url, undefined, { maxAttempts: 1 })
  await s3.send(new CreateBucketCommand({ Bucket: B }))
  await s3.send(new PutObjectCommand({ Bucket: B, Key: 'single', Body: 'one part' }))
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'three' }))
  const parts = []
  for (const [i, size] of [5 * MiB, 5 * MiB, 10].entries()) {
    const r = await s3.send(new UploadPartCommand({ Bucket: B, Key: 'three', UploadId, PartNumber: i + 1, Body: randomData(size, i) }))
    parts.push({ PartNumber: i + 1, ETag: r.ETag })
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'three', UploadId, MultipartUpload: { Parts: parts } }))
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

describe('GET/HEAD ?partNumber', () => {
  for (const bad of ['0', '-1', 'abc', '10001', '', '1.5']) {
    test(`partNumber=${JSON.stringify(bad)} → 400 InvalidArgument (existing key, missing key, HEAD)`, async () => {
      for (const key of ['three', 'missing-key']) {
        const e = await errorOf(await s3Fetch(srv.s3Url, { bucket: B, key, query: { partNumber: bad } }))
        expect({ key, status: e.status, code: e.code, message: e.message }).toEqual({ key, status: 400, code: 'InvalidArgument', message: 'Part number must be an integer between 1 and 10000, inclusive' })
        expect(e.body).toContain(`<ArgumentName>partNumber</ArgumentName><ArgumentValue>${bad}</ArgumentValue>`)
        expect((await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: B, key, query: { partNumber: bad } })).status).toBe(400)
      }
    })
  }

  test('a part number beyond the object\'s parts → 416 InvalidPartNumber (single-part and multipart objects)', async () => {
    for (const [key, n] of [['single', '2'], ['three', '4'], ['three', '10000']]) {
      const e = await errorOf(await s3Fetch(srv.s3Url, { bucket: B, key, query: { partNumber: n } }))
      expect([key, n, e.status, e.code]).toEqual([key, n, 416, 'InvalidPartNumber'])
      expect((await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: B, key, query: { partNumber: n } })).status).toBe(416)
    }
    const last = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'three', PartNumber: 3 }))
    expect([last.PartsCount, last.ContentLength, last.ContentRange]).toEqual([3, 10, `bytes ${10 * MiB}-${10 * MiB + 9}/${10 * MiB + 10}`])
  })

  test('@aws-sdk/client-s3: GetObject/HeadObject with PartNumber 0 and 10001 fail with 400, PartNumber 4 of 3 with 416', async () => {
    expect(await s3Error(s3.send(new GetObjectCommand({ Bucket: B, Key: 'three', PartNumber: 0 })))).toEqual({ code: 'InvalidArgument', status: 400 })
    expect(await s3Error(s3.send(new GetObjectCommand({ Bucket: B, Key: 'three', PartNumber: 10001 })))).toEqual({ code: 'InvalidArgument', status: 400 })
    expect((await s3Error(s3.send(new HeadObjectCommand({ Bucket: B, Key: 'three', PartNumber: -1 })))).status).toBe(400)
    expect(await s3Error(s3.send(new GetObjectCommand({ Bucket: B, Key: 'three', PartNumber: 4 })))).toEqual({ code: 'InvalidPartNumber', status: 416 })
    expect((await s3Error(s3.send(new HeadObjectCommand({ Bucket: B, Key: 'three', PartNumber: 4 })))).status).toBe(416)
  })
})

describe('CompleteMultipartUpload with a part number below 1', () => {
  const start = async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'neg' }))
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: B, Key: 'neg', UploadId, PartNumber: 1, Body: 'only part' }))
    return { UploadId: UploadId!, ETag: ETag! }
  }

  test('@aws-sdk/client-s3: PartNumber 0 and -3 → 400 InvalidArgument "PartNumber must be >= 1"; the upload stays usable', async () => {
    const { UploadId, ETag } = await start()
    for (const n of [0, -3]) {
      expect(await s3Error(s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'neg', UploadId, MultipartUpload: { Parts: [{ PartNumber: n, ETag }] } })))).toEqual({ code: 'InvalidArgument', status: 400 })
    }
    const raw = await errorOf(await s3Fetch(srv.s3Url, { method: 'POST', bucket: B, key: 'neg', query: { uploadId: UploadId }, body: `<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>${ETag}</ETag></Part></CompleteMultipartUpload>` }))
    expect([raw.status, raw.code, raw.message]).toEqual([400, 'InvalidArgument', 'PartNumber must be &gt;= 1']) // XML-escaped
    // Parts are checked in order: a repeated part before the 0 is reported as InvalidPartOrder.
    const order = await errorOf(await s3Fetch(srv.s3Url, { method: 'POST', bucket: B, key: 'neg', query: { uploadId: UploadId }, body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${ETag}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>${ETag}</ETag></Part><Part><PartNumber>0</PartNumber><ETag>${ETag}</ETag></Part></CompleteMultipartUpload>` }))
    expect([order.status, order.code]).toEqual([400, 'InvalidPartOrder'])
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'neg', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }))
    expect(await (await s3.send(new GetObjectCommand({ Bucket: B, Key: 'neg' }))).Body!.transformToString()).toBe('only part')
  })

  testWithTool('boto3', hasBoto3(), 'boto3: complete_multipart_upload with PartNumber 0 → InvalidArgument', async () => {
    const { UploadId, ETag } = await start()
    const doc = await python(`
try:
    s3.complete_multipart_upload(Bucket="${B}", Key="neg", UploadId="${UploadId}", MultipartUpload={"Parts": [{"PartNumber": 0, "ETag": ${JSON.stringify(ETag)}}]})
    print(json.dumps({"ok": True}))
except ClientError as e:
    print(json.dumps({"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}))`)
    expect(doc).toEqual({ code: 'InvalidArgument', status: 400 })
  })
})

describe('DeleteObject with a key over 1,024 bytes', () => {
  const long = 'k'.repeat(1025)
  const longUtf8 = 'é'.repeat(513) // 1,026 bytes in 513 characters

  test('@aws-sdk/client-s3 and raw: 400 KeyTooLongError; a 1,024-byte key is deleted normally', async () => {
    for (const Key of [long, longUtf8]) {
      expect(await s3Error(s3.send(new DeleteObjectCommand({ Bucket: B, Key })))).toEqual({ code: 'KeyTooLongError', status: 400 })
      const e = await errorOf(await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: B, key: Key }))
      expect([e.status, e.code]).toEqual([400, 'KeyTooLongError'])
    }
    const max = 'k'.repeat(1024)
    await s3.send(new PutObjectCommand({ Bucket: B, Key: max, Body: 'x' }))
    expect((await s3.send(new DeleteObjectCommand({ Bucket: B, Key: max }))).$metadata.httpStatusCode).toBe(204)
    expect(await s3Error(s3.send(new HeadObjectCommand({ Bucket: B, Key: max })))).toEqual({ code: 'NotFound', status: 404 })
  })

  testWithTool('boto3', hasBoto3(), 'boto3: delete_object with a 1,025-byte key → KeyTooLongError', async () => {
    expect(await python(`
try:
    s3.delete_object(Bucket="${B}", Key="k" * 1025)
    print(json.dumps({"ok": True}))
except ClientError as e:
    print(json.dumps({"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}))`)).toEqual({ code: 'KeyTooLongError', status: 400 })
  })
})

/** A boto3 script against this server; returns the JSON of its last line. */
async function python(body: string) {
  const tmp = scratchDir('cs-args-py-')
  try {
    writeFileSync(join(tmp.dir, 'args.py'), `
import json, os
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
s3 = boto3.client("s3", endpoint_url=os.environ["CS_ENDPOINT"], region_name="${REGION}", config=Config(retries={"max_attempts": 1}),
                  aws_access_key_id=os.environ["CS_AK"], aws_secret_access_key=os.environ["CS_SK"])
${body}`)
    const r = await runOk(['python3', join(tmp.dir, 'args.py')], { env: { ...toolEnv(tmp.dir), CS_ENDPOINT: srv.s3Url, CS_AK: ROOT_ACCESS_KEY, CS_SK: ROOT_SECRET_KEY } })
    return JSON.parse(r.stdout.trim().split('\n').pop()!)
  } finally {
    tmp.cleanup()
  }
}
