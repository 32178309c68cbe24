import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import {
  CreateBucketCommand, CreateMultipartUploadCommand, GetBucketCorsCommand, GetBucketVersioningCommand, GetObjectCommand, ListBucketsCommand,
  ListMultipartUploadsCommand, ListObjectVersionsCommand, PutBucketCorsCommand, PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { createAccount, type TestAccount } from '../helpers/accounts'
import { errorOf, md5Base64, presignUrl, s3Fetch, type RawRequest } from '../helpers/raw-s3'

setDefaultTimeout(120_000)

let srv: TestServer
let owner: S3Client
let intruder: TestAccount
let intruderS3: S3Client
const VICTIM = 'iso-victim'
const MINE = 'iso-intruder'
let uploadId = ''
let partEtag = ''
let versionId = ''

const CORS = '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>'
const DELETE_XML = '<Delete><Object><Key>secret.txt</Key></Object><Object><Key>other.txt</Key></Object></Delete>'
const VERSIONING_OFF = '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>'

beforeAll(async () => {
  srv = await startInProcess()
  owner = s3Client(srv.s3Url)
  intruder = await createAccount(srv, 'INTRUDER')
  intruderS3 = s3Client(srv.s3Url, intruder.creds, { maxAttempts: 1 })
  await owner.send(new CreateBucketCommand({ Bucket: VICTIM }))
  await owner.send(new PutBucketVersioningCommand({ Bucket: VICTIM, VersioningConfiguration: { Status: 'Enabled' } }))
  await owner.send(new PutBucketCorsCommand({ Bucket: VICTIM, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['https://owner.example'], AllowedMethods: ['GET'] }] } }))
  versionId = (await owner.send(new PutObjectCommand({ Bucket: VICTIM, Key: 'secret.txt', Body: 'top secret' }))).VersionId!
  await owner.send(new PutObjectCommand({ Bucket: VICTIM, Key: 'other.txt', Body: 'also secret' }))
  const mp = await owner.send(new CreateMultipartUploadCommand({ Bucket: VICTIM, Key: 'upload' }))
  uploadId = mp.UploadId!
  partEtag = (await owner.send(new UploadPartCommand({ Bucket: VICTIM, Key: 'upload', UploadId: uploadId, PartNumber: 1, Body: 'part one' }))).ETag!
  await intruderS3.send(new CreateBucketCommand({ Bucket: MINE }))
  await intruderS3.send(new PutObjectCommand({ Bucket: MINE, Key: 'mine.txt', Body: 'intruder data' }))
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

/** Every operation the S3 surface serves, aimed at the victim's bucket with the intruder's key. */
const ATTACKS: Array<[string, () => RawRequest]> = [
  ['ListObjects', () => ({ bucket: VICTIM })],
  ['ListObjectsV2', () => ({ bucket: VICTIM, query: { 'list-type': '2' } })],
  ['ListObjectVersions', () => ({ bucket: VICTIM, query: { versions: '' } })],
  ['ListMultipartUploads', () => ({ bucket: VICTIM, query: { uploads: '' } })],
  ['HeadBucket', () => ({ method: 'HEAD', bucket: VICTIM })],
  ['GetBucketLocation', () => ({ bucket: VICTIM, query: { location: '' } })],
  ['DeleteBucket', () => ({ method: 'DELETE', bucket: VICTIM })],
  ['GetBucketVersioning', () => ({ bucket: VICTIM, query: { versioning: '' } })],
  ['PutBucketVersioning', () => ({ method: 'PUT', bucket: VICTIM, query: { versioning: '' }, body: VERSIONING_OFF })],
  ['GetBucketCors', () => ({ bucket: VICTIM, query: { cors: '' } })],
  ['PutBucketCors', () => ({ method: 'PUT', bucket: VICTIM, query: { cors: '' }, body: CORS, headers: { 'content-md5': md5Base64(CORS) } })],
  ['DeleteBucketCors', () => ({ method: 'DELETE', bucket: VICTIM, query: { cors: '' } })],
  ['DeleteObjects', () => ({ method: 'POST', bucket: VICTIM, query: { delete: '' }, body: DELETE_XML, headers: { 'content-md5': md5Base64(DELETE_XML) } })],
  ['GetObject', () => ({ bucket: VICTIM, key: 'secret.txt' })],
  ['GetObject by version', () => ({ bucket: VICTIM, key: 'secret.txt', query: { versionId } })],
  ['GetObject of a missing key (no existence leak)', () => ({ bucket: VICTIM, key: 'does-not-exist' })],
  ['HeadObject', () => ({ method: 'HEAD', bucket: VICTIM, key: 'secret.txt' })],
  ['PutObject', () => ({ method: 'PUT', bucket: VICTIM, key: 'planted.txt', body: 'planted' })],
  ['PutObject overwrite', () => ({ method: 'PUT', bucket: VICTIM, key: 'secret.txt', body: 'overwritten' })],
  ['DeleteObject', () => ({ method: 'DELETE', bucket: VICTIM, key: 'secret.txt' })],
  ['DeleteObject version', () => ({ method: 'DELETE', bucket: VICTIM, key: 'secret.txt', query: { versionId } })],
  ['CopyObject from the victim into my bucket', () => ({ method: 'PUT', bucket: MINE, key: 'stolen.txt', headers: { 'x-amz-copy-source': `/${VICTIM}/secret.txt` } })],
  ['CopyObject of a version from the victim', () => ({ method: 'PUT', bucket: MINE, key: 'stolen.txt', headers: { 'x-amz-copy-source': `/${VICTIM}/secret.txt?versionId=${versionId}` } })],
  ['CopyObject from my bucket into the victim', () => ({ method: 'PUT', bucket: VICTIM, key: 'planted.txt', headers: { 'x-amz-copy-source': `/${MINE}/mine.txt` } })],
  ['CreateMultipartUpload', () => ({ method: 'POST', bucket: VICTIM, key: 'planted-mp', query: { uploads: '' } })],
  ['UploadPart into the victim upload', () => ({ method: 'PUT', bucket: VICTIM, key: 'upload', query: { partNumber: '2', uploadId }, body: 'evil part' })],
  ['UploadPartCopy into the victim upload', () => ({ method: 'PUT', bucket: VICTIM, key: 'upload', query: { partNumber: '2', uploadId }, headers: { 'x-amz-copy-source': `/${MINE}/mine.txt` } })],
  ['ListParts of the victim upload', () => ({ bucket: VICTIM, key: 'upload', query: { uploadId } })],
  ['CompleteMultipartUpload of the victim upload', () => ({ method: 'POST', bucket: VICTIM, key: 'upload', query: { uploadId }, body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${partEtag}</ETag></Part></CompleteMultipartUpload>` })],
  ['AbortMultipartUpload of the victim upload', () => ({ method: 'DELETE', bucket: VICTIM, key: 'upload', query: { uploadId } })],
]

describe('another account gets 403 AccessDenied for every operation', () => {
  for (const [name, req] of ATTACKS) {
    test(name, async () => {
      const r = req()
      const e = await errorOf(await s3Fetch(srv.s3Url, { ...r, creds: intruder.creds }))
      expect(e.status).toBe(403)
      if (r.method === 'HEAD') expect(e.body).toBe('')
      else expect(e.code).toBe('AccessDenied')
      expect(e.body).not.toContain('top secret')
    })
  }

  test('UploadPartCopy from the victim into my own upload', async () => {
    const mp = await intruderS3.send(new CreateMultipartUploadCommand({ Bucket: MINE, Key: 'exfil' }))
    const e = await errorOf(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: MINE, key: 'exfil', query: { partNumber: '1', uploadId: mp.UploadId! }, headers: { 'x-amz-copy-source': `/${VICTIM}/secret.txt` }, creds: intruder.creds }))
    expect([e.status, e.code]).toEqual([403, 'AccessDenied'])
    // The victim's upload id used against my own bucket and key is simply unknown there.
    const e2 = await errorOf(await s3Fetch(srv.s3Url, { bucket: MINE, key: 'upload', query: { uploadId }, creds: intruder.creds }))
    expect([e2.status, e2.code]).toEqual([404, 'NoSuchUpload'])
  })

  test('a presigned URL made with the intruder key does not open the victim bucket', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const url = await presignUrl(srv.s3Url, { method, bucket: VICTIM, key: 'secret.txt', presign: { expires: 300 }, creds: intruder.creds })
      const e = await errorOf(await fetch(url, { method, body: method === 'PUT' ? 'x' : undefined }))
      expect([e.status, e.code]).toEqual([403, 'AccessDenied'])
    }
  })

  test('the SDK sees the same: AccessDenied on versioning, CORS, versions, uploads', async () => {
    for (const cmd of [
      new GetBucketVersioningCommand({ Bucket: VICTIM }), new GetBucketCorsCommand({ Bucket: VICTIM }),
      new ListObjectVersionsCommand({ Bucket: VICTIM }), new ListMultipartUploadsCommand({ Bucket: VICTIM }), new GetObjectCommand({ Bucket: VICTIM, Key: 'secret.txt' }),
    ]) {
      try {
        await intruderS3.send(cmd as never)
        throw new Error(`${cmd.constructor.name} succeeded`)
      } catch (e) {
        const err = e as { $metadata?: { httpStatusCode?: number }; name: string }
        expect([err.$metadata?.httpStatusCode, err.name]).toEqual([403, 'AccessDenied'])
      }
    }
  })
})

describe('nothing changed for the owner', () => {
  test('objects, versions, upload, versioning and CORS are intact; nothing was planted or stolen', async () => {
    const secret = await owner.send(new GetObjectCommand({ Bucket: VICTIM, Key: 'secret.txt' }))
    expect(await secret.Body!.transformToString()).toBe('top secret')
    expect(secret.VersionId).toBe(versionId)
    expect(await (await owner.send(new GetObjectCommand({ Bucket: VICTIM, Key: 'other.txt' }))).Body!.transformToString()).toBe('also secret')
    const versions = await owner.send(new ListObjectVersionsCommand({ Bucket: VICTIM }))
    expect(versions.Versions!.map((v) => v.Key).sort()).toEqual(['other.txt', 'secret.txt'])
    expect(versions.DeleteMarkers).toBeUndefined()
    const uploads = await owner.send(new ListMultipartUploadsCommand({ Bucket: VICTIM }))
    expect(uploads.Uploads!.map((u) => [u.Key, u.UploadId])).toEqual([['upload', uploadId]])
    const parts = await s3Fetch(srv.s3Url, { bucket: VICTIM, key: 'upload', query: { uploadId } })
    expect((await parts.text()).match(/<PartNumber>/g)?.length).toBe(1)
    expect((await owner.send(new GetBucketVersioningCommand({ Bucket: VICTIM }))).Status).toBe('Enabled')
    expect((await owner.send(new GetBucketCorsCommand({ Bucket: VICTIM }))).CORSRules![0].AllowedOrigins).toEqual(['https://owner.example'])
    const mine = await s3Fetch(srv.s3Url, { bucket: MINE, query: { 'list-type': '2' }, creds: intruder.creds })
    expect((await mine.text()).match(/<Key>[^<]*<\/Key>/g)).toEqual(['<Key>mine.txt</Key>'])
  })

  test('ListBuckets shows each account only its own buckets', async () => {
    const mine = (await intruderS3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)
    expect(mine.sort()).toEqual([intruder.defaultBucket, MINE].sort())
    const theirs = (await owner.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)
    expect(theirs).toContain(VICTIM)
    expect(theirs).not.toContain(MINE)
  })
})
