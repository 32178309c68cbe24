import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  ListPartsCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { errorOf, rawUrl, s3Error, signedRequest, xmlTag } from '../helpers/raw-s3'
import { installationsOf, run, scratchDir, toolEnv } from '../helpers/cli'
import { hasBoto3, testWithTool } from '../helpers/tools'

/*
 * Every x-amz-* header that changes what a request does must be covered by the signature, for
 * header and presigned auth alike; headers that only add verification may stay unsigned. The
 * attack: someone holding a presigned PUT for a public bucket adds `x-amz-copy-source` and
 * turns the upload into a copy of the signer's private object.
 */

const PUB = 'unsig-public'
const PRIV = 'unsig-private'
const SECRET_BODY = 'the private secret'

let srv: TestServer
let s3: S3Client

async function anonymousGet(bucket: string, key: string): Promise<Response> {
  return fetch(`${srv.s3Url}/${bucket}/${encodeURIComponent(key)}`)
}

async function expectAbsent(bucket: string, key: string) {
  expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).toEqual({ name: 'NotFound', status: 404 })
}

function expectHeadersNotSigned(e: { status: number; code: string | null; message: string | null; body: string }, names: string) {
  expect(e.status).toBe(403)
  expect(e.code).toBe('AccessDenied')
  expect(e.message).toBe('There were headers present in the request which were not signed')
  expect(xmlTag(e.body, 'HeadersNotSigned')).toBe(names)
}

/** The server's log lines (text format) for one request id, once its request line is out. */
async function logFor(requestId: string): Promise<string[]> {
  for (let i = 0; i < 400; i++) {
    const lines = srv.output().split('\n').filter((l) => l.includes(requestId))
    if (lines.some((l) => / op=/.test(l))) return lines
    await Bun.sleep(25)
  }
  throw new Error(`no request log line for ${requestId}`)
}

beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
  for (const b of [PUB, PRIV]) await s3.send(new CreateBucketCommand({ Bucket: b }))
  const r = await fetch(`${srv.httpUrl}/api/buckets/${PUB}`, {
    method: 'PATCH', headers: { 'x-api-key': `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ publicRead: true }),
  })
  expect(r.status).toBe(200)
  await s3.send(new PutObjectCommand({ Bucket: PRIV, Key: 'secret', Body: SECRET_BODY }))
  // The private object is private.
  expect((await anonymousGet(PRIV, 'secret')).status).toBe(403)
}, 60_000)
afterAll(async () => {
  await srv?.stop()
})

describe('unsigned x-amz-* headers are refused', () => {
  test('a presigned PUT (JS presigner) plus x-amz-copy-source cannot copy a private object into a public bucket', async () => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: PUB, Key: 'upload.txt' }), { expiresIn: 300 })
    const res = await fetch(url, { method: 'PUT', headers: { 'x-amz-copy-source': `${PRIV}/secret` } })
    expectHeadersNotSigned(await errorOf(res), 'x-amz-copy-source')
    await expectAbsent(PUB, 'upload.txt')
    const anon = await anonymousGet(PUB, 'upload.txt')
    expect(anon.status).toBe(404)
    expect(await anon.text()).not.toContain(SECRET_BODY)
    // Copy conditions, metadata directive and the rest ride along no better.
    const res2 = await fetch(url, {
      method: 'PUT',
      headers: { 'x-amz-copy-source': `/${PRIV}/secret`, 'x-amz-copy-source-if-match': '*', 'x-amz-metadata-directive': 'REPLACE', 'x-amz-acl': 'public-read' },
    })
    expectHeadersNotSigned(await errorOf(res2), 'x-amz-acl, x-amz-copy-source, x-amz-copy-source-if-match, x-amz-metadata-directive')
    await expectAbsent(PUB, 'upload.txt')
    // The URL itself still does what it was signed for.
    const ok = await fetch(url, { method: 'PUT', body: 'intended upload' })
    expect(ok.status).toBe(200)
    expect(await (await anonymousGet(PUB, 'upload.txt')).text()).toBe('intended upload')
  })

  test('a presigned UploadPart plus x-amz-copy-source (and a range) does not become UploadPartCopy', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: PUB, Key: 'mp.bin' }))
    const url = await getSignedUrl(s3, new UploadPartCommand({ Bucket: PUB, Key: 'mp.bin', UploadId, PartNumber: 1 }), { expiresIn: 300 })
    const res = await fetch(url, { method: 'PUT', headers: { 'x-amz-copy-source': `${PRIV}/secret`, 'x-amz-copy-source-range': 'bytes=0-5' } })
    expectHeadersNotSigned(await errorOf(res), 'x-amz-copy-source, x-amz-copy-source-range')
    const parts = await s3.send(new ListPartsCommand({ Bucket: PUB, Key: 'mp.bin', UploadId }))
    expect(parts.Parts ?? []).toEqual([])
    // The presigned part upload works for its intended body.
    expect((await fetch(url, { method: 'PUT', body: 'part one' })).status).toBe(200)
    const done = await s3.send(new ListPartsCommand({ Bucket: PUB, Key: 'mp.bin', UploadId }))
    expect(done.Parts?.map((p) => p.Size)).toEqual([8])
  })

  test('unsigned x-amz-meta-*, tagging, storage class and encryption headers on a presigned PUT are refused; nothing is stored', async () => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: PUB, Key: 'meta.txt' }), { expiresIn: 300 })
    for (const [headers, names] of [
      [{ 'x-amz-meta-owner': 'mallory' }, 'x-amz-meta-owner'],
      [{ 'x-amz-tagging': 'a=b' }, 'x-amz-tagging'],
      [{ 'x-amz-storage-class': 'STANDARD' }, 'x-amz-storage-class'],
      [{ 'x-amz-server-side-encryption': 'AES256' }, 'x-amz-server-side-encryption'],
      [{ 'x-amz-object-lock-mode': 'GOVERNANCE' }, 'x-amz-object-lock-mode'],
      [{ 'x-amz-website-redirect-location': '/elsewhere' }, 'x-amz-website-redirect-location'],
      [{ 'x-amz-grant-read': 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' }, 'x-amz-grant-read'],
      [{ 'x-amz-expected-bucket-owner': '123456789012' }, 'x-amz-expected-bucket-owner'],
    ] as const) {
      const res = await fetch(url, { method: 'PUT', headers, body: 'x' })
      expectHeadersNotSigned(await errorOf(res), names)
    }
    await expectAbsent(PUB, 'meta.txt')
  })

  test('header auth: an x-amz-meta-* header added after signing is refused', async () => {
    const req = await signedRequest(srv.s3Url, { method: 'PUT', bucket: PUB, key: 'hdr.txt', body: 'hello' })
    const headers = new Headers(req.headers)
    headers.set('x-amz-meta-added', 'later')
    const res = await fetch(new Request(req.url, { method: 'PUT', headers, body: 'hello' }))
    expectHeadersNotSigned(await errorOf(res), 'x-amz-meta-added')
    await expectAbsent(PUB, 'hdr.txt')
    // The same header, signed, is stored as metadata.
    const signed = await s3Error(srv.s3Url, { method: 'PUT', bucket: PUB, key: 'hdr.txt', body: 'hello', headers: { 'x-amz-meta-added': 'signed' } })
    expect(signed.status).toBe(200)
    expect((await s3.send(new HeadObjectCommand({ Bucket: PUB, Key: 'hdr.txt' }))).Metadata).toEqual({ added: 'signed' })
  })

  test('header auth: an unsigned x-amz-copy-source is refused (CopyObject needs it signed)', async () => {
    const req = await signedRequest(srv.s3Url, { method: 'PUT', bucket: PUB, key: 'copied.txt', body: '' })
    const headers = new Headers(req.headers)
    headers.set('x-amz-copy-source', `/${PRIV}/secret`)
    expectHeadersNotSigned(await errorOf(await fetch(new Request(req.url, { method: 'PUT', headers }))), 'x-amz-copy-source')
    await expectAbsent(PUB, 'copied.txt')
  })

  test('verification-only headers may stay unsigned: x-amz-checksum-*, x-amz-sdk-checksum-algorithm, x-amz-content-sha256', async () => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: PUB, Key: 'checked.txt', ContentType: 'text/plain' }), { expiresIn: 300 })
    const body = 'checksummed body'
    const crc = (await import('node:zlib')).crc32(body)
    const crcB64 = Buffer.from([crc >>> 24, (crc >>> 16) & 255, (crc >>> 8) & 255, crc & 255]).toString('base64')
    const ok = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'text/plain', 'x-amz-checksum-crc32': crcB64, 'x-amz-sdk-checksum-algorithm': 'CRC32', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } })
    expect(ok.status).toBe(200)
    const h = await s3.send(new HeadObjectCommand({ Bucket: PUB, Key: 'checked.txt', ChecksumMode: 'ENABLED' }))
    expect(h.ContentType).toBe('text/plain')
    expect(h.ChecksumCRC32).toBe(crcB64)
    // They still verify: a wrong checksum fails the upload.
    const bad = await errorOf(await fetch(url, { method: 'PUT', body: 'other body', headers: { 'x-amz-checksum-crc32': crcB64 } }))
    expect(bad.status).toBe(400)
    expect(bad.code).toBe('BadDigest')
  })
})

describe('x-amz-* query parameters of a presigned URL are signed, so they apply', () => {
  test('metadata and storage class hoisted by the JS presigner are stored; its empty-body checksum is ignored as on AWS', async () => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: PUB, Key: 'hoisted.txt', Metadata: { color: 'blue' }, StorageClass: 'STANDARD' }), { expiresIn: 300 })
    const q = new URL(url).searchParams
    expect(q.get('x-amz-meta-color')).toBe('blue')
    expect(q.get('x-amz-checksum-crc32')).toBe('AAAAAA==')
    const res = await fetch(url, { method: 'PUT', body: 'a non-empty body' })
    expect(res.status).toBe(200)
    const h = await s3.send(new HeadObjectCommand({ Bucket: PUB, Key: 'hoisted.txt' }))
    expect(h.Metadata).toEqual({ color: 'blue' })
    expect(h.ContentLength).toBe(16)
  })

  test('a presigned CopyObject (x-amz-copy-source in the signed query) copies', async () => {
    const url = await getSignedUrl(s3, new CopyObjectCommand({ Bucket: PRIV, Key: 'secret-copy', CopySource: `${PRIV}/secret` }), { expiresIn: 300 })
    expect(new URL(url).searchParams.get('x-amz-copy-source')).toBe(`${PRIV}/secret`)
    const res = await fetch(url, { method: 'PUT' })
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<CopyObjectResult')
    const got = await s3.send(new GetObjectCommand({ Bucket: PRIV, Key: 'secret-copy' }))
    expect(await got.Body!.transformToString()).toBe(SECRET_BODY)
  })

  test('a query parameter cannot be overridden by an unsigned header of the same name', async () => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: PUB, Key: 'both.txt', Metadata: { color: 'blue' } }), { expiresIn: 300 })
    const e = await errorOf(await fetch(url, { method: 'PUT', body: 'x', headers: { 'x-amz-meta-color': 'red' } }))
    expectHeadersNotSigned(e, 'x-amz-meta-color')
    await expectAbsent(PUB, 'both.txt')
  })
})

describe('real clients keep working', () => {
  test('the SDK with its default checksums: PutObject, multipart with checksums, CopyObject with metadata', async () => {
    await s3.send(new PutObjectCommand({ Bucket: PRIV, Key: 'sdk.txt', Body: 'sdk body', Metadata: { a: '1' }, ContentType: 'text/plain', ChecksumAlgorithm: 'SHA256' }))
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: PRIV, Key: 'sdk-mp', ChecksumAlgorithm: 'CRC32', Metadata: { b: '2' } }))
    const p = await s3.send(new UploadPartCommand({ Bucket: PRIV, Key: 'sdk-mp', UploadId, PartNumber: 1, Body: 'only part', ChecksumAlgorithm: 'CRC32' }))
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: PRIV, Key: 'sdk-mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag, ChecksumCRC32: p.ChecksumCRC32 }] } }))
    await s3.send(new CopyObjectCommand({ Bucket: PRIV, Key: 'sdk-copy', CopySource: `${PRIV}/sdk.txt`, MetadataDirective: 'REPLACE', Metadata: { c: '3' } }))
    expect((await s3.send(new HeadObjectCommand({ Bucket: PRIV, Key: 'sdk-copy' }))).Metadata).toEqual({ c: '3' })
    expect((await s3.send(new HeadObjectCommand({ Bucket: PRIV, Key: 'sdk-mp' }))).Metadata).toEqual({ b: '2' })
  })

  test('a JS-presigned PUT with Content-Type (sent unsigned, as browsers do) and a presigned GET', async () => {
    const put = await getSignedUrl(s3, new PutObjectCommand({ Bucket: PRIV, Key: 'browser.json', ContentType: 'application/json' }), { expiresIn: 300 })
    const res = await fetch(put, { method: 'PUT', body: '{"a":1}', headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(200)
    const get = await getSignedUrl(s3, new GetObjectCommand({ Bucket: PRIV, Key: 'browser.json' }), { expiresIn: 300 })
    const g = await fetch(get)
    expect(g.status).toBe(200)
    expect(g.headers.get('content-type')).toBe('application/json')
    expect(await g.text()).toBe('{"a":1}')
  })

  const probe = scratchDir()
  const PYTHONS = installationsOf('python3', ['-c', 'import boto3, sys; print("boto3", boto3.__version__, sys.version.split()[0])'], toolEnv(probe.dir))
  probe.cleanup()
  testWithTool('boto3', hasBoto3(), 'boto3 generate_presigned_url: PUT with Content-Type and with metadata (signed headers), GET', async () => {
    for (const py of PYTHONS) {
      const tmp = scratchDir()
      try {
        const r = await run([py.path, '-c', `
import json, os, urllib.request, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["CS_ENDPOINT"], region_name="${REGION}")
put = s3.generate_presigned_url("put_object", Params={"Bucket": "${PRIV}", "Key": "boto.txt", "ContentType": "text/plain"}, ExpiresIn=300)
s1 = urllib.request.urlopen(urllib.request.Request(put, data=b"from boto3", method="PUT", headers={"Content-Type": "text/plain"})).status
meta = s3.generate_presigned_url("put_object", Params={"Bucket": "${PRIV}", "Key": "boto-meta.txt", "Metadata": {"k": "v"}}, ExpiresIn=300)
s2 = urllib.request.urlopen(urllib.request.Request(meta, data=b"with meta", method="PUT", headers={"x-amz-meta-k": "v"})).status
get = s3.generate_presigned_url("get_object", Params={"Bucket": "${PRIV}", "Key": "boto.txt"}, ExpiresIn=300)
body = urllib.request.urlopen(get).read().decode()
print(json.dumps({"s1": s1, "s2": s2, "body": body}))
`], { env: toolEnv(tmp.dir, undefined, { CS_ENDPOINT: srv.s3Url }) })
        expect(r.stderr).toBe('')
        expect(JSON.parse(r.stdout)).toEqual({ s1: 200, s2: 200, body: 'from boto3' })
        expect((await s3.send(new HeadObjectCommand({ Bucket: PRIV, Key: 'boto.txt' }))).ContentType).toBe('text/plain')
        expect((await s3.send(new HeadObjectCommand({ Bucket: PRIV, Key: 'boto-meta.txt' }))).Metadata).toEqual({ k: 'v' })
      } finally {
        tmp.cleanup()
      }
    }
  }, 120_000)

  const probe2 = scratchDir()
  const CLIS = installationsOf('aws', ['--version'], toolEnv(probe2.dir))
  probe2.cleanup()
  testWithTool('aws', CLIS.length > 0, 'aws cli: cp with --metadata and --content-type, s3 presign, s3api put-object with tagging', async () => {
    for (const cli of CLIS) {
      const tmp = scratchDir()
      try {
        const env = toolEnv(tmp.dir)
        const aws = async (...args: string[]) => {
          const r = await run([cli.path, '--endpoint-url', srv.s3Url, ...args], { env, cwd: tmp.dir })
          if (r.code !== 0) throw new Error(`aws ${args.join(' ')} (${cli.version}): ${r.stderr}`)
          return r.stdout
        }
        await Bun.write(`${tmp.dir}/f.txt`, 'from the aws cli')
        await aws('s3', 'cp', 'f.txt', `s3://${PRIV}/cli.txt`, '--metadata', 'who=cli', '--content-type', 'text/x-cli')
        const h = await s3.send(new HeadObjectCommand({ Bucket: PRIV, Key: 'cli.txt' }))
        expect(h.Metadata).toEqual({ who: 'cli' })
        expect(h.ContentType).toBe('text/x-cli')
        await aws('s3api', 'put-object', '--bucket', PRIV, '--key', 'cli2.txt', '--body', 'f.txt', '--storage-class', 'STANDARD', '--metadata', 'x=y')
        await aws('s3', 'cp', `s3://${PRIV}/cli.txt`, `s3://${PRIV}/cli-copy.txt`, '--metadata-directive', 'REPLACE', '--metadata', 'copied=yes')
        expect((await s3.send(new HeadObjectCommand({ Bucket: PRIV, Key: 'cli-copy.txt' }))).Metadata).toEqual({ copied: 'yes' })
        const url = (await aws('s3', 'presign', `s3://${PRIV}/cli.txt`, '--expires-in', '300')).trim()
        const g = await fetch(url)
        expect(g.status).toBe(200)
        expect(await g.text()).toBe('from the aws cli')
      } finally {
        tmp.cleanup()
      }
    }
  }, 180_000)
})

describe('auth parameters are unambiguous and malformed ones are 4xx', () => {
  const presigned = async (key: string) => getSignedUrl(s3, new GetObjectCommand({ Bucket: PRIV, Key: key }), { expiresIn: 300 })

  test('a duplicated X-Amz-Signature (or other auth parameter) is 400 AuthorizationQueryParametersError', async () => {
    const url = await presigned('sdk.txt')
    expect((await fetch(url)).status).toBe(200)
    const sig = new URL(url).searchParams.get('X-Amz-Signature')!
    for (const extra of [`X-Amz-Signature=${sig}`, `X-Amz-Signature=${'0'.repeat(64)}`, 'X-Amz-Expires=60', `x-amz-signature=${sig}`, 'X-Amz-Date=20200101T000000Z']) {
      const e = await errorOf(await fetch(`${url}&${extra}`))
      expect(e.status).toBe(400)
      expect(e.code).toBe('AuthorizationQueryParametersError')
    }
  })

  test('a duplicated Signature in the Authorization header is 400 AuthorizationHeaderMalformed', async () => {
    const req = await signedRequest(srv.s3Url, { bucket: PRIV, key: 'sdk.txt' })
    const auth = req.headers.get('authorization')!
    expect((await fetch(req)).status).toBe(200)
    for (const bad of [`${auth}, Signature=${'0'.repeat(64)}`, auth.replace(/Signature=([0-9a-f]+)/, (m) => `${m}, ${m}`), auth.replace('Credential=', 'Credential=X/20200101/x/s3/aws4_request, Credential=')]) {
      const headers = new Headers(req.headers)
      headers.set('authorization', bad)
      const e = await errorOf(await fetch(new Request(req.url, { headers })))
      expect(e.status).toBe(400)
      expect(e.code).toBe('AuthorizationHeaderMalformed')
    }
  })

  test('an invalid header name in SignedHeaders is 400, a missing one 403, never 500', async () => {
    const req = await signedRequest(srv.s3Url, { bucket: PRIV, key: 'sdk.txt' })
    const auth = req.headers.get('authorization')!
    for (const [signed, status, code] of [
      ['host;X-Amz-Date;x-amz-content-sha256', 400, 'AuthorizationHeaderMalformed'],
      ['host;x amz;x-amz-date', 400, 'AuthorizationHeaderMalformed'],
      ['host;x:amz;x-amz-date', 400, 'AuthorizationHeaderMalformed'],
      ['host;;x-amz-date', 400, 'AuthorizationHeaderMalformed'],
      ['host;x-amz-content-sha256;x-amz-date;x-not-sent', 403, 'AccessDenied'],
    ] as const) {
      const headers = new Headers(req.headers)
      headers.set('authorization', auth.replace(/SignedHeaders=[^,]+/, `SignedHeaders=${signed}`))
      const e = await errorOf(await fetch(new Request(req.url, { headers })))
      expect([signed, e.status, e.code]).toEqual([signed, status, code])
    }
    const url = new URL(await presigned('sdk.txt'))
    for (const [signed, status, code] of [['host;Range', 400, 'AuthorizationQueryParametersError'], ['host;a:b', 400, 'AuthorizationQueryParametersError'], ['host;x-not-sent', 403, 'AccessDenied']] as const) {
      url.searchParams.set('X-Amz-SignedHeaders', signed)
      const e = await errorOf(await fetch(url))
      expect([signed, e.status, e.code]).toEqual([signed, status, code])
    }
  })

  test('an unknown STREAMING-… payload mode: SignatureDoesNotMatch when unsigned, 400 only after the signature, never an ERROR log line', async () => {
    // A correctly signed request with a made-up mode: refused once the signature checks out.
    const good = await fetch(await signedRequest(srv.s3Url, { method: 'PUT', bucket: PRIV, key: 'stream.txt', body: 'x', payloadHash: 'STREAMING-MADE-UP-PAYLOAD' }))
    const ge = await errorOf(good)
    expect([ge.status, ge.code]).toEqual([400, 'InvalidArgument'])
    // The same mode with a forged signature tells the caller nothing about payload modes.
    const req = await signedRequest(srv.s3Url, { method: 'PUT', bucket: PRIV, key: 'stream.txt', body: 'x', payloadHash: 'STREAMING-MADE-UP-PAYLOAD' })
    const headers = new Headers(req.headers)
    headers.set('authorization', req.headers.get('authorization')!.replace(/Signature=[0-9a-f]+/, `Signature=${'a'.repeat(64)}`))
    const forged = await fetch(new Request(req.url, { method: 'PUT', headers, body: 'x' }))
    const fe = await errorOf(forged)
    expect([fe.status, fe.code]).toEqual([403, 'SignatureDoesNotMatch'])
    // Unknown to us but real on AWS (SigV4a): 501, still not a server fault in the log.
    const v4a = await fetch(await signedRequest(srv.s3Url, { method: 'PUT', bucket: PRIV, key: 'stream.txt', body: 'x', payloadHash: 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' }))
    const ve = await errorOf(v4a)
    expect([ve.status, ve.code]).toEqual([501, 'NotImplemented'])
    for (const r of [good, forged, v4a]) {
      const lines = await logFor(r.headers.get('x-amz-request-id')!)
      expect(lines.filter((l) => l.includes(' ERROR '))).toEqual([])
    }
    await expectAbsent(PRIV, 'stream.txt')
  })
})

test('anonymous requests are unaffected (public read of a public bucket)', async () => {
  await s3.send(new PutObjectCommand({ Bucket: PUB, Key: 'public.txt', Body: 'public' }))
  const r = await fetch(rawUrl(srv.s3Url, { bucket: PUB, key: 'public.txt' }), { headers: { 'x-amz-checksum-mode': 'ENABLED' } })
  expect(r.status).toBe(200)
  expect(await r.text()).toBe('public')
})
