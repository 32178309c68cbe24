import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectAclCommand, GetObjectCommand, GetObjectTaggingCommand, GetObjectTorrentCommand,
  HeadObjectCommand, PutObjectCommand, PutObjectLegalHoldCommand, type S3Client,
} from '@aws-sdk/client-s3'
import sharp from 'sharp'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client, s3Error } from '../helpers/s3-client'
import { errorOf, md5Base64, s3Fetch, type Creds, type RawRequest } from '../helpers/raw-s3'
import { ROOT_API_KEY, adminHeaders, api, createAccount, keyHeaders, type Account } from '../rest/rest-helpers'

/**
 * Who gets what, for every operation class: the owner, another account and an anonymous caller,
 * against a bucket that never existed, one that was deleted, a private and a public-read bucket,
 * and (for object operations) an existing and a missing key. The rule, as on S3: a missing
 * bucket is 404 NoSuchBucket to anyone; a caller without access gets 403 AccessDenied; a caller
 * with access gets the operation's own answer (NoSuchKey for a missing key, 501 for an
 * unsupported subresource only once bucket and key are found).
 */

setDefaultTimeout(120_000)

let srv: TestServer
let owner: S3Client
let other: Account
const PRIVATE = 'mx-private'
const PUBLIC = 'mx-public'
const NEVER = 'mx-never-existed'
const DELETED = 'mx-deleted'

type Caller = 'owner' | 'other' | 'anonymous'
type BucketState = 'never' | 'deleted' | 'private' | 'public'
const BUCKET_OF: Record<BucketState, string> = { never: NEVER, deleted: DELETED, private: PRIVATE, public: PUBLIC }

interface Op {
  name: string
  /** Served by a public-read bucket to everyone (anonymous callers and other accounts). */
  publicRead: boolean
  /** Needs no access at all (its credentials would be inside the request body). */
  anyone?: boolean
  /** Addresses an object: run once with an existing and once with a missing key. */
  object: boolean
  req: (bucket: string, key: string) => RawRequest
  /** The answer to a caller with access: [status, S3 error code or null]. */
  ok: (keyExists: boolean) => [number, string | null]
}

const always = (status: number, code: string | null = null) => () => [status, code] as [number, string | null]
const keyed = (status: number) => (exists: boolean) => (exists ? [status, null] : [404, 'NoSuchKey']) as [number, string | null]
const ns = (exists: boolean) => (exists ? [501, 'NotImplemented'] : [404, 'NoSuchKey']) as [number, string | null]
const DELETE_XML = '<Delete><Object><Key>nothing-here</Key></Object></Delete>'
const COMPLETE_XML = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>'
const LEGAL_HOLD = '<LegalHold><Status>ON</Status></LegalHold>'

const OPS: Op[] = [
  // Bucket operations and listings
  { name: 'HeadBucket', publicRead: true, object: false, req: (b) => ({ method: 'HEAD', bucket: b }), ok: always(200) },
  { name: 'ListObjects', publicRead: true, object: false, req: (b) => ({ bucket: b }), ok: always(200) },
  { name: 'ListObjectsV2', publicRead: true, object: false, req: (b) => ({ bucket: b, query: { 'list-type': '2' } }), ok: always(200) },
  { name: 'ListObjectVersions', publicRead: false, object: false, req: (b) => ({ bucket: b, query: { versions: '' } }), ok: always(200) },
  { name: 'ListMultipartUploads', publicRead: false, object: false, req: (b) => ({ bucket: b, query: { uploads: '' } }), ok: always(200) },
  { name: 'GetBucketLocation', publicRead: false, object: false, req: (b) => ({ bucket: b, query: { location: '' } }), ok: always(200) },
  { name: 'GetBucketVersioning', publicRead: false, object: false, req: (b) => ({ bucket: b, query: { versioning: '' } }), ok: always(200) },
  { name: 'GetBucketCors', publicRead: false, object: false, req: (b) => ({ bucket: b, query: { cors: '' } }), ok: always(404, 'NoSuchCORSConfiguration') },
  { name: 'DeleteBucketCors', publicRead: false, object: false, req: (b) => ({ method: 'DELETE', bucket: b, query: { cors: '' } }), ok: always(204) },
  { name: 'DeleteBucket', publicRead: false, object: false, req: (b) => ({ method: 'DELETE', bucket: b }), ok: always(409, 'BucketNotEmpty') },
  { name: 'DeleteObjects', publicRead: false, object: false, req: (b) => ({ method: 'POST', bucket: b, query: { delete: '' }, body: DELETE_XML, headers: { 'content-md5': md5Base64(DELETE_XML) } }), ok: always(200) },
  { name: 'GetBucketAcl (not implemented)', publicRead: false, object: false, req: (b) => ({ bucket: b, query: { acl: '' } }), ok: always(501, 'NotImplemented') },
  { name: 'GetBucketPolicy (not implemented)', publicRead: false, object: false, req: (b) => ({ bucket: b, query: { policy: '' } }), ok: always(501, 'NotImplemented') },
  { name: 'POST object upload, HTML form (not implemented)', publicRead: false, anyone: true, object: false, req: (b) => ({ method: 'POST', bucket: b, body: '--x--\r\n', headers: { 'content-type': 'multipart/form-data; boundary=x' } }), ok: always(501, 'NotImplemented') },
  { name: 'PutBucketTagging (not implemented)', publicRead: false, object: false, req: (b) => ({ method: 'PUT', bucket: b, query: { tagging: '' }, body: '<Tagging><TagSet/></Tagging>' }), ok: always(501, 'NotImplemented') },
  // Object operations
  { name: 'GetObject', publicRead: true, object: true, req: (b, k) => ({ bucket: b, key: k }), ok: keyed(200) },
  { name: 'HeadObject', publicRead: true, object: true, req: (b, k) => ({ method: 'HEAD', bucket: b, key: k }), ok: keyed(200) },
  { name: 'GetObjectAttributes', publicRead: true, object: true, req: (b, k) => ({ bucket: b, key: k, query: { attributes: '' }, headers: { 'x-amz-object-attributes': 'ETag,ObjectSize' } }), ok: keyed(200) },
  { name: 'PutObject', publicRead: false, object: true, req: (b, k) => ({ method: 'PUT', bucket: b, key: k, body: 'new bytes' }), ok: always(200) },
  { name: 'CopyObject', publicRead: false, object: true, req: (b, k) => ({ method: 'PUT', bucket: b, key: `${k}.copy`, headers: { 'x-amz-copy-source': `/${b}/${k}` } }), ok: keyed(200) },
  { name: 'DeleteObject', publicRead: false, object: true, req: (b, k) => ({ method: 'DELETE', bucket: b, key: k }), ok: always(204) },
  // Multipart
  { name: 'CreateMultipartUpload', publicRead: false, object: true, req: (b, k) => ({ method: 'POST', bucket: b, key: k, query: { uploads: '' } }), ok: always(200) },
  { name: 'UploadPart', publicRead: false, object: true, req: (b, k) => ({ method: 'PUT', bucket: b, key: k, query: { partNumber: '1', uploadId: 'no-such-upload' }, body: 'part' }), ok: always(404, 'NoSuchUpload') },
  { name: 'ListParts', publicRead: false, object: true, req: (b, k) => ({ bucket: b, key: k, query: { uploadId: 'no-such-upload' } }), ok: always(404, 'NoSuchUpload') },
  { name: 'CompleteMultipartUpload', publicRead: false, object: true, req: (b, k) => ({ method: 'POST', bucket: b, key: k, query: { uploadId: 'no-such-upload' }, body: COMPLETE_XML }), ok: always(404, 'NoSuchUpload') },
  { name: 'AbortMultipartUpload', publicRead: false, object: true, req: (b, k) => ({ method: 'DELETE', bucket: b, key: k, query: { uploadId: 'no-such-upload' } }), ok: always(404, 'NoSuchUpload') },
  // Object subresources we do not implement: 501 only once the object is found
  { name: 'GetObjectTagging (not implemented)', publicRead: false, object: true, req: (b, k) => ({ bucket: b, key: k, query: { tagging: '' } }), ok: ns },
  { name: 'GetObjectAcl (not implemented)', publicRead: false, object: true, req: (b, k) => ({ bucket: b, key: k, query: { acl: '' } }), ok: ns },
  { name: 'GetObjectTorrent (not implemented)', publicRead: false, object: true, req: (b, k) => ({ bucket: b, key: k, query: { torrent: '' } }), ok: ns },
  { name: 'PutObjectLegalHold (not implemented)', publicRead: false, object: true, req: (b, k) => ({ method: 'PUT', bucket: b, key: k, query: { 'legal-hold': '' }, body: LEGAL_HOLD, headers: { 'content-md5': md5Base64(LEGAL_HOLD) } }), ok: ns },
  { name: 'PutObjectRetention (not implemented)', publicRead: false, object: true, req: (b, k) => ({ method: 'PUT', bucket: b, key: k, query: { retention: '' }, body: '<Retention/>' }), ok: ns },
  { name: 'RestoreObject (not implemented)', publicRead: false, object: true, req: (b, k) => ({ method: 'POST', bucket: b, key: k, query: { restore: '' }, body: '<RestoreRequest/>' }), ok: ns },
  { name: 'SelectObjectContent (not implemented)', publicRead: false, object: true, req: (b, k) => ({ method: 'POST', bucket: b, key: k, query: { select: '', 'select-type': '2' }, body: '<SelectObjectContentRequest/>' }), ok: ns },
]

function expected(op: Op, caller: Caller, state: BucketState, keyExists: boolean): [number, string | null] {
  const head = op.req('b', 'k').method === 'HEAD' // no body: the status is all there is
  const r: [number, string | null] = state === 'never' || state === 'deleted' ? [404, 'NoSuchBucket']
    : caller === 'owner' || op.anyone || (op.publicRead && state === 'public') ? op.ok(keyExists)
    : [403, 'AccessDenied']
  return head ? [r[0], null] : r
}

const credsOf = (caller: Caller): Creds | null | undefined =>
  caller === 'owner' ? undefined : caller === 'other' ? { accessKeyId: other.accessKey, secretAccessKey: other.secretKey } : null

beforeAll(async () => {
  srv = await startInProcess()
  owner = s3Client(srv.s3Url)
  other = await createAccount(srv)
  for (const b of [PRIVATE, PUBLIC, DELETED]) {
    await owner.send(new CreateBucketCommand({ Bucket: b }))
  }
  await owner.send(new PutObjectCommand({ Bucket: PRIVATE, Key: 'seed', Body: 'seed' }))
  await owner.send(new PutObjectCommand({ Bucket: PUBLIC, Key: 'seed', Body: 'seed' }))
  const pub = await api(srv, 'PATCH', `/api/buckets/${PUBLIC}`, { headers: keyHeaders(ROOT_API_KEY), json: { publicRead: true } })
  expect(pub.status).toBe(200)
  expect((await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: DELETED })).status).toBe(204)
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

describe('access matrix: caller × bucket (never existed, deleted, private, public-read) × key', () => {
  let n = 0
  for (const op of OPS) {
    test(op.name, async () => {
      const mismatches: string[] = []
      for (const caller of ['owner', 'other', 'anonymous'] as Caller[]) {
        for (const state of ['never', 'deleted', 'private', 'public'] as BucketState[]) {
          for (const keyExists of op.object ? [true, false] : [true]) {
            const bucket = BUCKET_OF[state]
            const key = `obj-${++n}`
            if (keyExists && (state === 'private' || state === 'public')) await owner.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'payload' }))
            const res = await s3Fetch(srv.s3Url, { ...op.req(bucket, key), creds: credsOf(caller) })
            const e = await errorOf(res)
            const got: [number, string | null] = [e.status, e.status < 300 ? null : e.code]
            const want = expected(op, caller, state, keyExists)
            if (got[0] !== want[0] || got[1] !== want[1]) mismatches.push(`${caller} ${state}${op.object ? (keyExists ? ' key exists' : ' key missing') : ''}: got ${got.join(' ')}, want ${want.join(' ')}`)
          }
        }
      }
      expect(mismatches).toEqual([])
    })
  }
})

describe('through @aws-sdk/client-s3', () => {
  const anon = () => s3Client(srv.s3Url, undefined, { signer: { sign: async (r: unknown) => r } as never, maxAttempts: 1 })

  test('anonymous: a missing bucket is NoSuchBucket for reads and writes, DeleteObject included', async () => {
    const a = anon()
    expect(await s3Error(a.send(new GetObjectCommand({ Bucket: NEVER, Key: 'k' })))).toEqual({ code: 'NoSuchBucket', status: 404 })
    expect(await s3Error(a.send(new PutObjectCommand({ Bucket: NEVER, Key: 'k', Body: 'x' })))).toEqual({ code: 'NoSuchBucket', status: 404 })
    expect(await s3Error(a.send(new DeleteObjectCommand({ Bucket: DELETED, Key: 'k' })))).toEqual({ code: 'NoSuchBucket', status: 404 })
    expect(await s3Error(a.send(new HeadObjectCommand({ Bucket: NEVER, Key: 'k' })))).toEqual({ code: 'NotFound', status: 404 })
  })

  test('the owner: DeleteObject on a deleted bucket is NoSuchBucket', async () => {
    expect(await s3Error(owner.send(new DeleteObjectCommand({ Bucket: DELETED, Key: 'k' })))).toEqual({ code: 'NoSuchBucket', status: 404 })
  })

  test('anonymous and other accounts read a public-read bucket; a missing key there is NoSuchKey', async () => {
    await owner.send(new PutObjectCommand({ Bucket: PUBLIC, Key: 'hello.txt', Body: 'hello' }))
    const otherS3 = s3Client(srv.s3Url, { accessKeyId: other.accessKey, secretAccessKey: other.secretKey }, { maxAttempts: 1 })
    for (const c of [anon(), otherS3]) {
      expect(await (await c.send(new GetObjectCommand({ Bucket: PUBLIC, Key: 'hello.txt' }))).Body!.transformToString()).toBe('hello')
      expect(await s3Error(c.send(new GetObjectCommand({ Bucket: PUBLIC, Key: 'nope.txt' })))).toEqual({ code: 'NoSuchKey', status: 404 })
      expect(await s3Error(c.send(new PutObjectCommand({ Bucket: PUBLIC, Key: 'hello.txt', Body: 'overwritten' })))).toEqual({ code: 'AccessDenied', status: 403 })
      expect(await s3Error(c.send(new GetObjectCommand({ Bucket: PRIVATE, Key: 'seed' })))).toEqual({ code: 'AccessDenied', status: 403 })
    }
  })

  test('unsupported subresources: NoSuchBucket, NoSuchKey, AccessDenied first; NotImplemented only for an object the caller may reach', async () => {
    const otherS3 = s3Client(srv.s3Url, { accessKeyId: other.accessKey, secretAccessKey: other.secretKey }, { maxAttempts: 1 })
    expect(await s3Error(owner.send(new GetObjectTaggingCommand({ Bucket: NEVER, Key: 'seed' })))).toEqual({ code: 'NoSuchBucket', status: 404 })
    expect(await s3Error(owner.send(new GetObjectTaggingCommand({ Bucket: PRIVATE, Key: 'missing' })))).toEqual({ code: 'NoSuchKey', status: 404 })
    expect(await s3Error(owner.send(new GetObjectAclCommand({ Bucket: PRIVATE, Key: 'missing' })))).toEqual({ code: 'NoSuchKey', status: 404 })
    expect(await s3Error(owner.send(new GetObjectTorrentCommand({ Bucket: PRIVATE, Key: 'missing' })))).toEqual({ code: 'NoSuchKey', status: 404 })
    expect(await s3Error(otherS3.send(new GetObjectTaggingCommand({ Bucket: PRIVATE, Key: 'seed' })))).toEqual({ code: 'AccessDenied', status: 403 })
    expect(await s3Error(owner.send(new GetObjectTaggingCommand({ Bucket: PRIVATE, Key: 'seed' })))).toEqual({ code: 'NotImplemented', status: 501 })
    expect(await s3Error(owner.send(new GetObjectTorrentCommand({ Bucket: PRIVATE, Key: 'seed' })))).toEqual({ code: 'NotImplemented', status: 501 })
    expect(await s3Error(owner.send(new PutObjectLegalHoldCommand({ Bucket: PRIVATE, Key: 'seed', LegalHold: { Status: 'ON' } })))).toEqual({ code: 'NotImplemented', status: 501 })
  })
})

describe('a suspended account publishes nothing', () => {
  test('its public-read bucket is 403 to anonymous callers and other accounts (S3 and the image endpoint) until it is reactivated', async () => {
    const victim = await createAccount(srv)
    const vs3 = s3Client(srv.s3Url, { accessKeyId: victim.accessKey, secretAccessKey: victim.secretKey })
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#00f' } }).png().toBuffer()
    await vs3.send(new PutObjectCommand({ Bucket: victim.bucket, Key: 'pic.png', Body: png, ContentType: 'image/png' }))
    expect((await api(srv, 'PATCH', `/api/buckets/${victim.bucket}`, { headers: keyHeaders(victim.apiKey), json: { publicRead: true } })).status).toBe(200)
    const otherCreds = { accessKeyId: other.accessKey, secretAccessKey: other.secretKey }
    const probe = async () => ({
      anonymous: (await s3Fetch(srv.s3Url, { bucket: victim.bucket, key: 'pic.png', creds: null })).status,
      other: (await s3Fetch(srv.s3Url, { bucket: victim.bucket, key: 'pic.png', creds: otherCreds })).status,
      list: (await s3Fetch(srv.s3Url, { bucket: victim.bucket, creds: null })).status,
      head: (await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: victim.bucket, creds: null })).status,
      image: (await fetch(`${srv.httpUrl}/api/img/${victim.bucket}/pic.png?w=4`)).status,
    })
    expect(await probe()).toEqual({ anonymous: 200, other: 200, list: 200, head: 200, image: 200 })

    const suspend = async (status: string) => expect((await api(srv, 'PATCH', `/api/admin/accounts/${victim.id}`, { headers: adminHeaders(srv), json: { status } })).status).toBe(200)
    await suspend('suspended')
    expect(await probe()).toEqual({ anonymous: 403, other: 403, list: 403, head: 403, image: 403 })
    const e = await errorOf(await s3Fetch(srv.s3Url, { bucket: victim.bucket, key: 'pic.png', creds: null }))
    expect(e.code).toBe('AccessDenied')
    await suspend('active')
    expect(await probe()).toEqual({ anonymous: 200, other: 200, list: 200, head: 200, image: 200 })
  })
})
