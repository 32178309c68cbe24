import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { CreateBucketCommand, CreateMultipartUploadCommand, ListBucketsCommand, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { createAccount, type TestAccount } from '../helpers/accounts'
import { chunkedPut, errorOf, md5Base64, presignUrl, s3Fetch, sha256Hex, type ChunkedUpload, type RawRequest } from '../helpers/raw-s3'
import { randomData } from '../helpers/cli'

setDefaultTimeout(120_000)

let srv: TestServer
let s3: S3Client
let other: TestAccount
const B = 'err-bucket'
const EMPTY = 'err-empty'
let uploadId = ''
let partEtags: string[] = []

const crc32b64 = (data: Uint8Array) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(Bun.hash.crc32(data) >>> 0)
  return b.toString('base64')
}

beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
  other = await createAccount(srv, 'OTHER')
  await s3.send(new CreateBucketCommand({ Bucket: B }))
  await s3.send(new CreateBucketCommand({ Bucket: EMPTY }))
  await s3.send(new PutObjectCommand({ Bucket: B, Key: 'exists.txt', Body: '0123456789' }))
  const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'mp' }))
  uploadId = mp.UploadId!
  partEtags = []
  for (const n of [1, 2]) partEtags.push((await s3.send(new UploadPartCommand({ Bucket: B, Key: 'mp', UploadId: uploadId, PartNumber: n, Body: randomData(5 * 1024 * 1024, n) }))).ETag!)
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

const completeXml = (parts: Array<[number, string]>) =>
  `<CompleteMultipartUpload>${parts.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`

interface Case {
  name: string
  req: () => RawRequest
  status: number
  code: string
}

/** One request per case; each must produce exactly this status and S3 error code. */
const CASES: Case[] = [
  // Buckets
  { name: 'InvalidBucketName: upper case and underscore', req: () => ({ method: 'PUT', bucket: 'Bad_Name' }), status: 400, code: 'InvalidBucketName' },
  { name: 'InvalidBucketName: too short', req: () => ({ method: 'PUT', bucket: 'ab' }), status: 400, code: 'InvalidBucketName' },
  { name: 'InvalidBucketName: adjacent dots', req: () => ({ method: 'PUT', bucket: 'a..b' }), status: 400, code: 'InvalidBucketName' },
  { name: 'InvalidBucketName: IP address', req: () => ({ method: 'PUT', bucket: '192.168.1.1' }), status: 400, code: 'InvalidBucketName' },
  { name: 'InvalidBucketName: 64 characters', req: () => ({ method: 'PUT', bucket: 'a'.repeat(64) }), status: 400, code: 'InvalidBucketName' },
  { name: 'BucketAlreadyOwnedByYou', req: () => ({ method: 'PUT', bucket: B }), status: 409, code: 'BucketAlreadyOwnedByYou' },
  { name: 'BucketAlreadyExists: owned by another account', req: () => ({ method: 'PUT', bucket: B, creds: other.creds }), status: 409, code: 'BucketAlreadyExists' },
  { name: 'IllegalLocationConstraintException: another region', req: () => ({ method: 'PUT', bucket: 'err-region', body: '<CreateBucketConfiguration><LocationConstraint>us-west-2</LocationConstraint></CreateBucketConfiguration>' }), status: 400, code: 'IllegalLocationConstraintException' },
  { name: 'MalformedXML: CreateBucket body', req: () => ({ method: 'PUT', bucket: 'err-badxml', body: '<CreateBucketConfiguration><Loc' }), status: 400, code: 'MalformedXML' },
  { name: 'NoSuchBucket: list', req: () => ({ bucket: 'no-such-bucket-here' }), status: 404, code: 'NoSuchBucket' },
  { name: 'NoSuchBucket: object', req: () => ({ bucket: 'no-such-bucket-here', key: 'k' }), status: 404, code: 'NoSuchBucket' },
  { name: 'NoSuchBucket: delete bucket', req: () => ({ method: 'DELETE', bucket: 'no-such-bucket-here' }), status: 404, code: 'NoSuchBucket' },
  { name: 'BucketNotEmpty: objects', req: () => ({ method: 'DELETE', bucket: B }), status: 409, code: 'BucketNotEmpty' },
  { name: 'AccessDenied: another account lists the bucket', req: () => ({ bucket: B, creds: other.creds }), status: 403, code: 'AccessDenied' },
  { name: 'AccessDenied: another account reads an object', req: () => ({ bucket: B, key: 'exists.txt', creds: other.creds }), status: 403, code: 'AccessDenied' },
  { name: 'AccessDenied: anonymous read of a private bucket', req: () => ({ bucket: B, key: 'exists.txt', creds: null }), status: 403, code: 'AccessDenied' },
  { name: 'AccessDenied: anonymous ListBuckets', req: () => ({ creds: null }), status: 403, code: 'AccessDenied' },
  { name: 'NoSuchCORSConfiguration', req: () => ({ bucket: B, query: { cors: '' } }), status: 404, code: 'NoSuchCORSConfiguration' },
  { name: 'MalformedXML: PutBucketCors', req: () => ({ method: 'PUT', bucket: B, query: { cors: '' }, body: '<CORSConfiguration><CORSRule>', headers: { 'content-md5': md5Base64('<CORSConfiguration><CORSRule>') } }), status: 400, code: 'MalformedXML' },
  { name: 'MalformedXML: PutBucketVersioning bad status', req: () => ({ method: 'PUT', bucket: B, query: { versioning: '' }, body: '<VersioningConfiguration><Status>On</Status></VersioningConfiguration>' }), status: 400, code: 'IllegalVersioningConfigurationException' },

  // Objects
  { name: 'NoSuchKey', req: () => ({ bucket: B, key: 'missing.txt' }), status: 404, code: 'NoSuchKey' },
  { name: 'NoSuchVersion', req: () => ({ bucket: B, key: 'exists.txt', query: { versionId: '01JZZZZZZZZZZZZZZZZZZZZZZZ' } }), status: 404, code: 'NoSuchVersion' },
  { name: 'InvalidArgument: malformed version id', req: () => ({ bucket: B, key: 'exists.txt', query: { versionId: 'bogus' } }), status: 400, code: 'InvalidArgument' },
  { name: 'KeyTooLongError', req: () => ({ method: 'PUT', bucket: B, key: 'k'.repeat(1025), body: 'x' }), status: 400, code: 'KeyTooLongError' },
  { name: 'MetadataTooLarge: > 2 KB of x-amz-meta-*', req: () => ({ method: 'PUT', bucket: B, key: 'meta', body: 'x', headers: { 'x-amz-meta-big': 'v'.repeat(2048) } }), status: 400, code: 'MetadataTooLarge' },
  { name: 'XAmzContentSHA256Mismatch', req: () => ({ method: 'PUT', bucket: B, key: 'sha', body: 'actual body', payloadHash: sha256Hex('another body') }), status: 400, code: 'XAmzContentSHA256Mismatch' },
  { name: 'BadDigest: Content-MD5 of other bytes', req: () => ({ method: 'PUT', bucket: B, key: 'md5', body: 'actual body', headers: { 'content-md5': md5Base64('another body') } }), status: 400, code: 'BadDigest' },
  { name: 'BadDigest: x-amz-checksum-crc32 of other bytes', req: () => ({ method: 'PUT', bucket: B, key: 'crc', body: 'actual body', headers: { 'x-amz-checksum-crc32': crc32b64(Buffer.from('another body')) } }), status: 400, code: 'BadDigest' },
  { name: 'BadDigest: x-amz-checksum-sha256 of other bytes', req: () => ({ method: 'PUT', bucket: B, key: 'crc', body: 'actual body', headers: { 'x-amz-checksum-sha256': Buffer.from(sha256Hex('x'), 'hex').toString('base64') } }), status: 400, code: 'BadDigest' },
  { name: 'InvalidDigest: Content-MD5 not base64 of 16 bytes', req: () => ({ method: 'PUT', bucket: B, key: 'md5', body: 'actual body', headers: { 'content-md5': 'not-an-md5' } }), status: 400, code: 'InvalidDigest' },
  { name: 'InvalidRange', req: () => ({ bucket: B, key: 'exists.txt', headers: { range: 'bytes=10-20' } }), status: 416, code: 'InvalidRange' },
  { name: 'PreconditionFailed: If-Match', req: () => ({ bucket: B, key: 'exists.txt', headers: { 'if-match': '"nope"' } }), status: 412, code: 'PreconditionFailed' },
  { name: 'PreconditionFailed: If-None-Match * on PUT', req: () => ({ method: 'PUT', bucket: B, key: 'exists.txt', body: 'x', headers: { 'if-none-match': '*' } }), status: 412, code: 'PreconditionFailed' },
  { name: 'InvalidRequest: copy onto itself', req: () => ({ method: 'PUT', bucket: B, key: 'exists.txt', headers: { 'x-amz-copy-source': `/${B}/exists.txt` } }), status: 400, code: 'InvalidRequest' },
  { name: 'InvalidArgument: bad metadata directive', req: () => ({ method: 'PUT', bucket: B, key: 'c', headers: { 'x-amz-copy-source': `/${B}/exists.txt`, 'x-amz-metadata-directive': 'MERGE' } }), status: 400, code: 'InvalidArgument' },
  { name: 'InvalidPartNumber: GET ?partNumber beyond the parts', req: () => ({ bucket: B, key: 'exists.txt', query: { partNumber: '2' } }), status: 416, code: 'InvalidPartNumber' },
  { name: 'InvalidArgument: GET ?partNumber=0', req: () => ({ bucket: B, key: 'exists.txt', query: { partNumber: '0' } }), status: 400, code: 'InvalidArgument' },

  // Listing arguments
  { name: 'InvalidArgument: max-keys not a number', req: () => ({ bucket: B, query: { 'list-type': '2', 'max-keys': 'abc' } }), status: 400, code: 'InvalidArgument' },
  { name: 'InvalidArgument: negative max-keys', req: () => ({ bucket: B, query: { 'max-keys': '-1' } }), status: 400, code: 'InvalidArgument' },
  { name: 'InvalidArgument: max-keys beyond the integer range', req: () => ({ bucket: B, query: { 'list-type': '2', 'max-keys': '99999999999999999999' } }), status: 400, code: 'InvalidArgument' },
  { name: 'InvalidArgument: encoding-type other than url', req: () => ({ bucket: B, query: { 'list-type': '2', 'encoding-type': 'base64' } }), status: 400, code: 'InvalidArgument' },
  { name: 'InvalidArgument: bogus continuation token', req: () => ({ bucket: B, query: { 'list-type': '2', 'continuation-token': 'bogus-token!' } }), status: 400, code: 'InvalidArgument' },
  { name: 'InvalidArgument: continuation token that is not ours', req: () => ({ bucket: B, query: { 'list-type': '2', 'continuation-token': 'AAAA' } }), status: 400, code: 'InvalidArgument' },
  { name: 'InvalidArgument: max-parts not a number', req: () => ({ bucket: B, key: 'mp', query: { uploadId, 'max-parts': 'x' } }), status: 400, code: 'InvalidArgument' },
  { name: 'InvalidArgument: max-uploads not a number', req: () => ({ bucket: B, query: { uploads: '', 'max-uploads': 'x' } }), status: 400, code: 'InvalidArgument' },

  // Multipart
  { name: 'NoSuchUpload: ListParts', req: () => ({ bucket: B, key: 'mp', query: { uploadId: 'bogus' } }), status: 404, code: 'NoSuchUpload' },
  { name: 'NoSuchUpload: UploadPart', req: () => ({ method: 'PUT', bucket: B, key: 'mp', query: { partNumber: '1', uploadId: 'bogus' }, body: 'x' }), status: 404, code: 'NoSuchUpload' },
  { name: 'NoSuchUpload: upload id of another key', req: () => ({ method: 'PUT', bucket: B, key: 'other-key', query: { partNumber: '1', uploadId }, body: 'x' }), status: 404, code: 'NoSuchUpload' },
  { name: 'NoSuchUpload: Complete', req: () => ({ method: 'POST', bucket: B, key: 'mp', query: { uploadId: 'bogus' }, body: completeXml([[1, partEtags[0]]]) }), status: 404, code: 'NoSuchUpload' },
  { name: 'NoSuchUpload: Abort', req: () => ({ method: 'DELETE', bucket: B, key: 'mp', query: { uploadId: 'bogus' } }), status: 404, code: 'NoSuchUpload' },
  { name: 'InvalidArgument: part number 10001', req: () => ({ method: 'PUT', bucket: B, key: 'mp', query: { partNumber: '10001', uploadId }, body: 'x' }), status: 400, code: 'InvalidArgument' },
  { name: 'InvalidPart: unknown part', req: () => ({ method: 'POST', bucket: B, key: 'mp', query: { uploadId }, body: completeXml([[1, partEtags[0]], [3, partEtags[1]]]) }), status: 400, code: 'InvalidPart' },
  { name: 'InvalidPart: wrong ETag', req: () => ({ method: 'POST', bucket: B, key: 'mp', query: { uploadId }, body: completeXml([[1, partEtags[1]]]) }), status: 400, code: 'InvalidPart' },
  { name: 'InvalidPartOrder', req: () => ({ method: 'POST', bucket: B, key: 'mp', query: { uploadId }, body: completeXml([[2, partEtags[1]], [1, partEtags[0]]]) }), status: 400, code: 'InvalidPartOrder' },
  { name: 'InvalidPartOrder: repeated part', req: () => ({ method: 'POST', bucket: B, key: 'mp', query: { uploadId }, body: completeXml([[1, partEtags[0]], [1, partEtags[0]]]) }), status: 400, code: 'InvalidPartOrder' },
  { name: 'MalformedXML: Complete not well-formed', req: () => ({ method: 'POST', bucket: B, key: 'mp', query: { uploadId }, body: '<CompleteMultipartUpload><Part><PartNumber>1' }), status: 400, code: 'MalformedXML' },
  { name: 'MalformedXML: Complete with no parts', req: () => ({ method: 'POST', bucket: B, key: 'mp', query: { uploadId }, body: '<CompleteMultipartUpload></CompleteMultipartUpload>' }), status: 400, code: 'MalformedXML' },
  { name: 'MalformedXML: Complete with a DTD', req: () => ({ method: 'POST', bucket: B, key: 'mp', query: { uploadId }, body: '<!DOCTYPE x [<!ENTITY e "1">]><CompleteMultipartUpload><Part><PartNumber>&e;</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>' }), status: 400, code: 'MalformedXML' },
  { name: 'MalformedXML: DeleteObjects', req: () => ({ method: 'POST', bucket: B, query: { delete: '' }, body: '<Delete><Object><Key>a', headers: { 'content-md5': md5Base64('<Delete><Object><Key>a') } }), status: 400, code: 'MalformedXML' },
  { name: 'InvalidRequest: DeleteObjects without Content-MD5 or a checksum', req: () => ({ method: 'POST', bucket: B, query: { delete: '' }, body: '<Delete><Object><Key>a</Key></Object></Delete>' }), status: 400, code: 'InvalidRequest' },

  // Not implemented: 501 in S3 XML, never a wrong success
  { name: 'NotImplemented: GET ?tagging', req: () => ({ bucket: B, key: 'exists.txt', query: { tagging: '' } }), status: 501, code: 'NotImplemented' },
  { name: 'NotImplemented: PUT ?acl', req: () => ({ method: 'PUT', bucket: B, query: { acl: '' }, body: '' }), status: 501, code: 'NotImplemented' },
  { name: 'NotImplemented: PUT object ?acl', req: () => ({ method: 'PUT', bucket: B, key: 'exists.txt', query: { acl: '' }, body: '' }), status: 501, code: 'NotImplemented' },
  { name: 'NotImplemented: POST object upload (HTML form)', req: () => ({ method: 'POST', bucket: B, body: 'x', headers: { 'content-type': 'multipart/form-data; boundary=xyz' } }), status: 501, code: 'NotImplemented' },
  { name: 'NotImplemented: GET ?lifecycle', req: () => ({ bucket: B, query: { lifecycle: '' } }), status: 501, code: 'NotImplemented' },
  { name: 'NotImplemented: GET ?policy', req: () => ({ bucket: B, query: { policy: '' } }), status: 501, code: 'NotImplemented' },
  { name: 'NotImplemented: GET ?object-lock', req: () => ({ bucket: B, query: { 'object-lock': '' } }), status: 501, code: 'NotImplemented' },
  { name: 'NotImplemented: POST ?select', req: () => ({ method: 'POST', bucket: B, key: 'exists.txt', query: { select: '', 'select-type': '2' }, body: '' }), status: 501, code: 'NotImplemented' },
]

describe('error table: exact status and Code', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const res = await s3Fetch(srv.s3Url, c.req())
      const e = await errorOf(res)
      expect({ status: e.status, code: e.code }).toEqual({ status: c.status, code: c.code })
      // The S3 error document: Code, Message, Resource, RequestId, matching the header.
      expect(e.headers.get('content-type')).toBe('application/xml')
      expect(e.body).toStartWith('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>')
      expect(e.message).toBeString()
      expect(e.body).toContain('<Resource>')
      expect(e.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/)
      expect(e.body).toContain(`<RequestId>${e.headers.get('x-amz-request-id')}</RequestId>`)
    })
  }
})

describe('authentication errors', () => {
  test('SignatureDoesNotMatch: wrong secret', async () => {
    const e = await errorOf(await s3Fetch(srv.s3Url, { bucket: B, creds: { accessKeyId: 'CSTESTROOTKEY0000001', secretAccessKey: 'wrong-secret-wrong-secret' } }))
    expect([e.status, e.code]).toEqual([403, 'SignatureDoesNotMatch'])
    // The diagnostics a client needs to debug its signer, never the secret.
    expect(e.body).toContain('<StringToSign>AWS4-HMAC-SHA256\n')
    expect(e.body).toContain('<CanonicalRequest>GET\n/err-bucket\n')
  })

  test('SignatureDoesNotMatch: a signed header changed after signing', async () => {
    const { signedRequest } = await import('../helpers/raw-s3')
    const req = await signedRequest(srv.s3Url, { method: 'PUT', bucket: B, key: 'tamper', body: 'x', headers: { 'x-amz-meta-a': '1' } })
    req.headers.set('x-amz-meta-a', '2')
    const e = await errorOf(await fetch(req))
    expect([e.status, e.code]).toEqual([403, 'SignatureDoesNotMatch'])
  })

  test('InvalidAccessKeyId', async () => {
    const e = await errorOf(await s3Fetch(srv.s3Url, { bucket: B, creds: { accessKeyId: 'CSNOSUCHKEY000000000', secretAccessKey: 'whatever-whatever' } }))
    expect([e.status, e.code]).toEqual([403, 'InvalidAccessKeyId'])
  })

  test('RequestTimeTooSkewed: 20 minutes off either way; 14 minutes is fine', async () => {
    for (const off of [-20, 20]) {
      const e = await errorOf(await s3Fetch(srv.s3Url, { bucket: B, date: new Date(Date.now() + off * 60_000) }))
      expect([e.status, e.code]).toEqual([403, 'RequestTimeTooSkewed'])
      expect(e.body).toContain('<ServerTime>')
    }
    expect((await s3Fetch(srv.s3Url, { bucket: B, date: new Date(Date.now() - 14 * 60_000) })).status).toBe(200)
  })

  test('presigned: expired → AccessDenied, over 7 days → AuthorizationQueryParametersError, wrong key → SignatureDoesNotMatch', async () => {
    const expired = await presignUrl(srv.s3Url, { bucket: B, key: 'exists.txt', presign: { expires: 60 }, date: new Date(Date.now() - 120_000) })
    let e = await errorOf(await fetch(expired))
    expect([e.status, e.code, e.message]).toEqual([403, 'AccessDenied', 'Request has expired'])
    const tooLong = await presignUrl(srv.s3Url, { bucket: B, key: 'exists.txt', presign: { expires: 604801 } })
    e = await errorOf(await fetch(tooLong))
    expect([e.status, e.code]).toEqual([400, 'AuthorizationQueryParametersError'])
    const week = await presignUrl(srv.s3Url, { bucket: B, key: 'exists.txt', presign: { expires: 604800 } })
    expect(await (await fetch(week)).text()).toBe('0123456789')
    const forged = await presignUrl(srv.s3Url, { bucket: B, key: 'exists.txt', presign: { expires: 60 }, creds: { accessKeyId: 'CSTESTROOTKEY0000001', secretAccessKey: 'not-the-secret-at-all' } })
    e = await errorOf(await fetch(forged))
    expect([e.status, e.code]).toEqual([403, 'SignatureDoesNotMatch'])
    // A presigned URL is bound to its method.
    const getUrl = await presignUrl(srv.s3Url, { bucket: B, key: 'exists.txt', presign: { expires: 60 } })
    e = await errorOf(await fetch(getUrl, { method: 'PUT', body: 'overwrite' }))
    expect([e.status, e.code]).toEqual([403, 'SignatureDoesNotMatch'])
  })

  test('a request with both header and query signatures is InvalidArgument', async () => {
    const { signedRequest } = await import('../helpers/raw-s3')
    const url = await presignUrl(srv.s3Url, { bucket: B, key: 'exists.txt', presign: { expires: 60 } })
    const req = await signedRequest(srv.s3Url, { bucket: B, key: 'exists.txt' })
    const e = await errorOf(await fetch(url, { headers: req.headers }))
    expect([e.status, e.code]).toEqual([400, 'InvalidArgument'])
  })
})

describe('quotas of names and counts', () => {
  test('TooManyBuckets: the default bucket counts toward the 10', async () => {
    const acct = await createAccount(srv, 'MANY')
    const c = s3Client(srv.s3Url, acct.creds, { maxAttempts: 1 })
    const before = await c.send(new ListBucketsCommand({}))
    expect(before.Buckets!.map((b) => b.Name)).toEqual([acct.defaultBucket])
    for (let i = 1; i <= 9; i++) await c.send(new CreateBucketCommand({ Bucket: `many-${i}` }))
    const e = await errorOf(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: 'many-10', creds: acct.creds }))
    expect([e.status, e.code]).toEqual([400, 'TooManyBuckets'])
    expect((await c.send(new ListBucketsCommand({}))).Buckets!.length).toBe(10)
    // Deleting one frees a slot.
    expect((await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: 'many-9', creds: acct.creds })).status).toBe(204)
    expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: 'many-10', creds: acct.creds })).status).toBe(200)
  })

  test('BucketNotEmpty also while a multipart upload is in progress', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'err-uploading' }))
    const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'err-uploading', Key: 'k' }))
    let e = await errorOf(await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: 'err-uploading' }))
    expect([e.status, e.code]).toEqual([409, 'BucketNotEmpty'])
    expect((await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: 'err-uploading', key: 'k', query: { uploadId: mp.UploadId! } })).status).toBe(204)
    expect((await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: 'err-uploading' })).status).toBe(204)
    e = await errorOf(await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: 'err-uploading' }))
    expect(e.status).toBe(404)
  })

  // A chunked body without a length is accepted now; 411 for no length at all: test/s3/streaming-put.test.ts.
})

describe('response envelope', () => {
  test('HEAD errors carry status and request id but no body', async () => {
    const cases: Array<[RawRequest, number]> = [
      [{ method: 'HEAD', bucket: B, key: 'missing.txt' }, 404],
      [{ method: 'HEAD', bucket: 'no-such-bucket-here' }, 404],
      [{ method: 'HEAD', bucket: B, creds: other.creds }, 403],
      [{ method: 'HEAD', bucket: B, key: 'exists.txt', headers: { 'if-match': '"x"' } }, 412],
      [{ method: 'HEAD', bucket: B, key: 'exists.txt', creds: { accessKeyId: 'CSTESTROOTKEY0000001', secretAccessKey: 'wrong-wrong-wrong' } }, 403],
    ]
    for (const [r, status] of cases) {
      const res = await s3Fetch(srv.s3Url, r)
      expect(res.status).toBe(status)
      expect(res.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/)
      expect(await res.text()).toBe('')
    }
  })

  test('x-amz-request-id on every response: successes, errors, preflights, 304s', async () => {
    const reqs: RawRequest[] = [
      {}, { bucket: B }, { method: 'HEAD', bucket: B }, { bucket: B, key: 'exists.txt' }, { bucket: B, query: { location: '' } },
      { bucket: B, key: 'exists.txt', headers: { 'if-none-match': '*' } }, { bucket: 'nope-nope' }, { method: 'PATCH', bucket: B },
    ]
    const ids = new Set<string>()
    for (const r of reqs) {
      const res = await s3Fetch(srv.s3Url, r)
      await res.arrayBuffer()
      const id = res.headers.get('x-amz-request-id')
      expect(id).toMatch(/^[0-9A-F]{16}$/)
      ids.add(id!)
    }
    expect(ids.size).toBe(reqs.length)
    const pre = await fetch(`${srv.s3Url}/${B}/x`, { method: 'OPTIONS', headers: { origin: 'https://a.example', 'access-control-request-method': 'GET' } })
    expect(pre.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/)
  })
})

describe('aws-chunked bodies', () => {
  const data = randomData(20_000, 99) // three chunks of 8 KiB, 8 KiB, 3616 B
  const send = (u: Partial<ChunkedUpload> & { key: string }) => chunkedPut(srv.s3Url, { bucket: EMPTY, data, chunkSize: 8192, mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', ...u })
  const getText = async (key: string) => {
    const r = await s3Fetch(srv.s3Url, { bucket: EMPTY, key })
    return { status: r.status, body: Buffer.from(await r.arrayBuffer()) }
  }

  test('well-formed signed, signed-trailer and unsigned-trailer bodies store exactly the payload', async () => {
    expect((await send({ key: 'ok-signed' })).status).toBe(200)
    const t = await send({ key: 'ok-signed-trailer', mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', trailer: ['x-amz-checksum-crc32', crc32b64(data)] })
    expect(t.status).toBe(200)
    expect(t.headers.get('x-amz-checksum-crc32')).toBe(crc32b64(data))
    expect((await send({ key: 'ok-unsigned-trailer', mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', trailer: ['x-amz-checksum-crc32', crc32b64(data)] })).status).toBe(200)
    for (const k of ['ok-signed', 'ok-signed-trailer', 'ok-unsigned-trailer']) {
      const g = await getText(k)
      expect(g.status).toBe(200)
      expect(Buffer.compare(g.body, data)).toBe(0)
    }
  })

  // Each malformed upload overwrites an existing object: afterwards the old bytes must still be
  // the object, and no new key may appear.
  const MALFORMED: Array<{ name: string; u: Partial<ChunkedUpload>; status: number; code: string; contains?: string }> = [
    { name: 'truncated in the middle of a chunk', u: { mangle: (b) => b.subarray(0, 9000) }, status: 400, code: 'IncompleteBody' },
    { name: 'final chunk missing', u: { mangle: (b) => b.subarray(0, b.lastIndexOf('0;chunk-signature=')) }, status: 400, code: 'IncompleteBody' },
    { name: 'unsigned trailer body truncated before the trailer', u: { mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', trailer: ['x-amz-checksum-crc32', crc32b64(data)], mangle: (b) => b.subarray(0, b.length - 30) }, status: 400, code: 'IncompleteBody' },
    { name: 'wrong signature on the second chunk', u: { badChunkSignature: 1 }, status: 403, code: 'SignatureDoesNotMatch' },
    { name: 'wrong signature on the final chunk', u: { badChunkSignature: 3 }, status: 403, code: 'SignatureDoesNotMatch' },
    { name: 'chunk signature that is not even hex', u: { mangle: (b) => Buffer.from(b.toString('latin1').replace(/chunk-signature=[0-9a-f]{64}/, 'chunk-signature=xxxxxxxx'), 'latin1') }, status: 403, code: 'SignatureDoesNotMatch' },
    { name: 'signed chunk without its signature', u: { mangle: (b) => Buffer.from(b.toString('latin1').replace(/;chunk-signature=[0-9a-f]{64}/, ''), 'latin1') }, status: 400, code: 'IncompleteBody' },
    { name: 'wrong trailer signature', u: { mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', trailer: ['x-amz-checksum-crc32', crc32b64(data)], badTrailerSignature: true }, status: 403, code: 'SignatureDoesNotMatch' },
    { name: 'chunk size that is not hex', u: { mangle: (b) => Buffer.concat([Buffer.from('zz00'), b.subarray(4)]) }, status: 400, code: 'IncompleteBody' },
    { name: 'chunk size larger than the chunk', u: { mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', trailer: ['x-amz-checksum-crc32', crc32b64(data)], mangle: (b) => Buffer.concat([Buffer.from('3000'), b.subarray(4)]) }, status: 400, code: 'IncompleteBody' },
    { name: 'chunk data not followed by CRLF', u: { mangle: (b) => { const c = Buffer.from(b); c[b.indexOf('\r\n') + 2 + 8192] = 0x41; return c } }, status: 400, code: 'IncompleteBody' },
    { name: 'declared decoded length larger than the payload', u: { decodedLength: data.length + 5 }, status: 400, code: 'IncompleteBody' },
    { name: 'declared decoded length smaller than the payload', u: { decodedLength: data.length - 5 }, status: 400, code: 'IncompleteBody' },
    { name: 'signed chunk smaller than 8 KiB before the last', u: { chunkSize: 4096 }, status: 400, code: 'InvalidChunkSizeError', contains: '<Chunk>2</Chunk><BadChunkSize>4096</BadChunkSize>' },
    { name: 'unsigned trailer with a wrong CRC32', u: { mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', trailer: ['x-amz-checksum-crc32', crc32b64(Buffer.from('other'))] }, status: 400, code: 'BadDigest' },
    { name: 'signed trailer with a wrong CRC32', u: { mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', trailer: ['x-amz-checksum-crc32', crc32b64(Buffer.from('other'))] }, status: 400, code: 'BadDigest' },
    { name: 'unsigned trailer with a malformed checksum value', u: { mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', trailer: ['x-amz-checksum-crc32', 'not base64!'] }, status: 400, code: 'InvalidRequest' },
    { name: 'x-amz-decoded-content-length missing', u: { headers: { 'x-amz-decoded-content-length': null } }, status: 411, code: 'MissingContentLength' },
  ]

  for (const m of MALFORMED) {
    test(`${m.name} → ${m.status} ${m.code}, nothing partial visible`, async () => {
      const key = `victim-${m.name.replace(/[^a-z0-9]+/gi, '-')}`
      const old = Buffer.from(`previous content of ${key}`)
      expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: EMPTY, key, body: old })).status).toBe(200)
      const e = await errorOf(await send({ key, ...m.u }))
      expect({ status: e.status, code: e.code }).toEqual({ status: m.status, code: m.code })
      if (m.contains) expect(e.body).toContain(m.contains)
      const g = await getText(key)
      expect(g.status).toBe(200)
      expect(g.body.toString()).toBe(old.toString())
      const fresh = `${key}-new`
      const e2 = await errorOf(await send({ key: fresh, ...m.u }))
      expect(e2.code).toBe(m.code)
      expect((await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: EMPTY, key: fresh })).status).toBe(404)
    })
  }

  test('after all the failures, the bucket lists only the complete objects', async () => {
    const res = await s3Fetch(srv.s3Url, { bucket: EMPTY, query: { 'list-type': '2' } })
    const xml = await res.text()
    const keys = [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1])
    expect(keys.filter((k) => k.endsWith('-new'))).toEqual([])
    expect(keys.filter((k) => k.startsWith('ok-'))).toEqual(['ok-signed', 'ok-signed-trailer', 'ok-unsigned-trailer'])
  })
})
