import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { Readable } from 'node:stream'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  DeleteBucketCorsCommand, DeleteObjectCommand, DeleteObjectsCommand, GetBucketCorsCommand, GetBucketVersioningCommand, GetObjectCommand,
  HeadObjectCommand, ListMultipartUploadsCommand, ListObjectVersionsCommand, ListObjectsCommand, ListObjectsV2Command, ListPartsCommand,
  PutBucketCorsCommand, PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand, UploadPartCopyCommand, type ListObjectsV2CommandOutput, type S3Client,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { Crc64Nvme } from '@aws-sdk/crc64-nvme'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { errorOf, md5Base64, md5Hex, s3Fetch, xmlTag, xmlTags } from '../helpers/raw-s3'
import { randomData, run, scratchDir, sha256File, sha256Of } from '../helpers/cli'
import { hasTool, testWithTool } from '../helpers/tools'

// Real servers and large uploads on a shared 2-core box: generous per-test limits, not wall-clock assertions.
setDefaultTimeout(120_000)

let srv: TestServer
let s3: S3Client
let s3NoRetry: S3Client
/** Headers of every request the SDK sent, after signing (to see which payload mode it used). */
const sent: Array<{ method: string; path: string; headers: Record<string, string> }> = []
const MiB = 1024 * 1024
const B = 'sdk-main'
const B2 = 'sdk-other'

beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
  s3NoRetry = s3Client(srv.s3Url, undefined, { maxAttempts: 1 })
  s3.middlewareStack.addRelativeTo((next: any) => async (args: any) => {
    const r = args.request
    sent.push({ method: r.method, path: r.path, headers: { ...r.headers } })
    return next(args)
  }, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'recordSent' })
  await s3.send(new CreateBucketCommand({ Bucket: B }))
  await s3.send(new CreateBucketCommand({ Bucket: B2 }))
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

/** The failure of an SDK call as (HTTP status, S3 error code). */
async function failure(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await p
  } catch (e) {
    const err = e as { $metadata?: { httpStatusCode?: number }; Code?: string; name: string }
    return { status: err.$metadata?.httpStatusCode ?? -1, code: err.Code ?? err.name }
  }
  throw new Error('expected the call to fail')
}

const crc32b64 = (data: Uint8Array) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(Bun.hash.crc32(data) >>> 0)
  return b.toString('base64')
}
async function crc64b64(data: Uint8Array) {
  const h = new Crc64Nvme()
  h.update(data)
  return Buffer.from(await h.digest()).toString('base64')
}
const bodyBytes = async (r: { Body?: unknown }) => Buffer.from(await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray())

describe('default checksum behaviour', () => {
  test('a streamed PutObject goes as STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer, verified and stored', async () => {
    const data = randomData(300 * 1024 + 7, 11)
    sent.length = 0
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'trailer/stream.bin', Body: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), ContentLength: data.length }))
    const req = sent.find((r) => r.method === 'PUT')!
    expect(req.headers['x-amz-content-sha256']).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER')
    expect(req.headers['x-amz-trailer']).toBe('x-amz-checksum-crc32')
    expect(req.headers['content-encoding']).toBe('aws-chunked')
    expect(put.ChecksumCRC32).toBe(crc32b64(data))
    expect(put.ETag).toBe(`"${md5Hex(data)}"`)

    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'trailer/stream.bin', ChecksumMode: 'ENABLED' }))
    expect(got.ChecksumCRC32).toBe(crc32b64(data))
    expect(got.ContentLength).toBe(data.length)
    // aws-chunked is the transport's encoding, never the object's.
    expect(got.ContentEncoding).toBeUndefined()
    expect(sha256Of(await bodyBytes(got))).toBe(sha256Of(data))
  })

  test('a buffered PutObject sends its CRC32 as a header; HEAD returns it with the checksum type', async () => {
    const body = 'hello checksum world'
    sent.length = 0
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'trailer/buffer.txt', Body: body }))
    const req = sent.find((r) => r.method === 'PUT')!
    expect(req.headers['x-amz-checksum-crc32']).toBe(crc32b64(Buffer.from(body)))
    expect(put.ChecksumCRC32).toBe(crc32b64(Buffer.from(body)))
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'trailer/buffer.txt', ChecksumMode: 'ENABLED' }))
    expect(head.ChecksumCRC32).toBe(crc32b64(Buffer.from(body)))
    expect(head.ChecksumType).toBe('FULL_OBJECT')
    const plain = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'trailer/buffer.txt' }))
    expect(plain.ChecksumCRC32).toBeUndefined()
  })

  test('other algorithms: CRC32C, CRC64NVME, SHA1, SHA256 are computed, checked and returned', async () => {
    const data = randomData(70_000, 12)
    for (const alg of ['CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
      const key = `alg/${alg}`
      const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: key, Body: Readable.from([data]), ContentLength: data.length, ChecksumAlgorithm: alg }))
      const field = `Checksum${alg}` as const
      expect(put[field]).toBeString()
      const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED' }))
      expect(got[field]).toBe(put[field]!)
      expect(sha256Of(await bodyBytes(got))).toBe(sha256Of(data))
    }
    expect((await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'alg/CRC64NVME', ChecksumMode: 'ENABLED' }))).ChecksumCRC64NVME).toBe(await crc64b64(data))
  })
})

describe('lib-storage', () => {
  test('Upload of 64 MiB + 1 KiB goes multipart and downloads byte-identical', async () => {
    const data = randomData(64 * MiB + 1024, 21)
    const up = new Upload({ client: s3, params: { Bucket: B, Key: 'big/64m.bin', Body: data, ContentType: 'application/x-test' }, partSize: 8 * MiB, queueSize: 4 })
    const done = await up.done()
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-9"$/)
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'big/64m.bin' }))
    expect(head.ContentLength).toBe(data.length)
    expect(head.ContentType).toBe('application/x-test')
    expect(head.ETag).toBe(done.ETag!)
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'big/64m.bin' }))
    expect(sha256Of(await bodyBytes(got))).toBe(sha256Of(data))
    // Each part is addressable with ?partNumber.
    const p9 = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'big/64m.bin', PartNumber: 9 }))
    expect(p9.PartsCount).toBe(9)
    expect(p9.ContentLength).toBe(1024)
    expect(p9.ContentRange).toBe(`bytes ${64 * MiB}-${64 * MiB + 1023}/${data.length}`)
    // A part-aligned range (how download managers fetch) carries its Content-Length.
    const aligned = await s3Fetch(srv.s3Url, { bucket: B, key: 'big/64m.bin', headers: { range: `bytes=${8 * MiB}-${16 * MiB - 1}` } })
    expect(aligned.status).toBe(206)
    expect(aligned.headers.get('content-length')).toBe(String(8 * MiB))
    expect(sha256Of(new Uint8Array(await aligned.arrayBuffer()))).toBe(sha256Of(data.subarray(8 * MiB, 16 * MiB)))
    expect(sha256Of(await bodyBytes(p9))).toBe(sha256Of(data.subarray(64 * MiB)))
  })
})

describe('presigned URLs (s3-request-presigner + curl)', () => {
  testWithTool('curl', hasTool('curl'), 'presigned PUT uploads, presigned GET downloads, expired URLs are refused', async () => {
    const tmp = scratchDir()
    try {
      const file = join(tmp.dir, 'photo.jpg')
      const data = randomData(200_000, 31)
      writeFileSync(file, data)
      const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: B, Key: 'presigned/photo 1.jpg', ContentType: 'image/jpeg' }), { expiresIn: 600 })
      const up = await run(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'PUT', '-H', 'Content-Type: image/jpeg', '--data-binary', `@${file}`, putUrl])
      expect(up.stdout).toBe('200')
      const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'presigned/photo 1.jpg' }))
      expect(head.ContentType).toBe('image/jpeg')
      expect(head.ContentLength).toBe(data.length)

      const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: 'presigned/photo 1.jpg', ResponseContentDisposition: 'attachment; filename="p.jpg"' }), { expiresIn: 3600 })
      const out = join(tmp.dir, 'down.jpg')
      const dl = await run(['curl', '-sS', '-D', '-', '-o', out, getUrl])
      expect(dl.stdout).toMatch(/^HTTP\/1\.1 200/)
      expect(dl.stdout.toLowerCase()).toContain('content-disposition: attachment; filename="p.jpg"')
      expect(await sha256File(out)).toBe(sha256Of(data))

      // A URL signed a minute ago with a 1 s lifetime has expired.
      const old = await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: 'presigned/photo 1.jpg' }), { expiresIn: 1, signingDate: new Date(Date.now() - 60_000) })
      const expired = await run(['curl', '-sS', '-w', '\n%{http_code}', old])
      const [xml, status] = [expired.stdout.slice(0, expired.stdout.lastIndexOf('\n')), expired.stdout.slice(expired.stdout.lastIndexOf('\n') + 1)]
      expect(status).toBe('403')
      expect(xmlTag(xml, 'Code')).toBe('AccessDenied')
      expect(xmlTag(xml, 'Message')).toBe('Request has expired')

      // A tampered URL no longer matches its signature.
      const tampered = getUrl.replace('photo%201.jpg', 'photo%202.jpg')
      const bad = await run(['curl', '-sS', tampered])
      expect(xmlTag(bad.stdout, 'Code')).toBe('SignatureDoesNotMatch')
    } finally {
      tmp.cleanup()
    }
  })
})

describe('conditional requests', () => {
  test('If-None-Match: * refuses to overwrite (412); If-Match needs the current ETag', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'cond/a', Body: 'one', IfNoneMatch: '*' }))
    expect(await failure(s3NoRetry.send(new PutObjectCommand({ Bucket: B, Key: 'cond/a', Body: 'two', IfNoneMatch: '*' })))).toEqual({ status: 412, code: 'PreconditionFailed' })
    expect(await failure(s3NoRetry.send(new PutObjectCommand({ Bucket: B, Key: 'cond/a', Body: 'two', IfMatch: '"0123456789abcdef0123456789abcdef"' })))).toEqual({ status: 412, code: 'PreconditionFailed' })
    const second = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'cond/a', Body: 'two', IfMatch: first.ETag }))
    expect(second.ETag).toBe(`"${md5Hex('two')}"`)
    expect(await failure(s3NoRetry.send(new PutObjectCommand({ Bucket: B, Key: 'cond/missing', Body: 'x', IfMatch: first.ETag })))).toEqual({ status: 404, code: 'NoSuchKey' })
    expect(await (await s3.send(new GetObjectCommand({ Bucket: B, Key: 'cond/a' }))).Body!.transformToString()).toBe('two')
  })

  test('CompleteMultipartUpload honours If-None-Match: *', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'cond/mp', Body: 'exists' }))
    const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'cond/mp' }))
    const p = await s3.send(new UploadPartCommand({ Bucket: B, Key: 'cond/mp', UploadId: mp.UploadId, PartNumber: 1, Body: 'part' }))
    const complete = (extra: object) => s3NoRetry.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'cond/mp', UploadId: mp.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] }, ...extra }))
    expect(await failure(complete({ IfNoneMatch: '*' }))).toEqual({ status: 412, code: 'PreconditionFailed' })
    // The upload survives a failed precondition and completes with a matching If-Match.
    const cur = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'cond/mp' }))
    const done = await complete({ IfMatch: cur.ETag })
    expect(done.ETag).toMatch(/-1"$/)
    expect(await (await s3.send(new GetObjectCommand({ Bucket: B, Key: 'cond/mp' }))).Body!.transformToString()).toBe('part')
  })

  test('GET/HEAD: If-None-Match → 304, If-Match → 412, If-Modified-Since / If-Unmodified-Since', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'cond/read', Body: 'read me', CacheControl: 'max-age=60' }))
    const res = await s3Fetch(srv.s3Url, { bucket: B, key: 'cond/read', headers: { 'if-none-match': put.ETag! } })
    expect(res.status).toBe(304)
    expect(res.headers.get('etag')).toBe(put.ETag!)
    expect(res.headers.get('cache-control')).toBe('max-age=60')
    expect(await res.text()).toBe('')
    expect((await failure(s3NoRetry.send(new GetObjectCommand({ Bucket: B, Key: 'cond/read', IfNoneMatch: put.ETag })))).status).toBe(304)
    expect((await failure(s3NoRetry.send(new HeadObjectCommand({ Bucket: B, Key: 'cond/read', IfNoneMatch: put.ETag })))).status).toBe(304)
    expect(await failure(s3NoRetry.send(new GetObjectCommand({ Bucket: B, Key: 'cond/read', IfMatch: '"nope"' })))).toEqual({ status: 412, code: 'PreconditionFailed' })
    expect((await failure(s3NoRetry.send(new HeadObjectCommand({ Bucket: B, Key: 'cond/read', IfMatch: '"nope"' })))).status).toBe(412)
    const future = new Date(Date.now() + 3600_000)
    const past = new Date(Date.now() - 3600_000)
    expect((await failure(s3NoRetry.send(new GetObjectCommand({ Bucket: B, Key: 'cond/read', IfModifiedSince: future })))).status).toBe(304)
    expect(await (await s3.send(new GetObjectCommand({ Bucket: B, Key: 'cond/read', IfModifiedSince: past }))).Body!.transformToString()).toBe('read me')
    expect(await failure(s3NoRetry.send(new GetObjectCommand({ Bucket: B, Key: 'cond/read', IfUnmodifiedSince: past })))).toEqual({ status: 412, code: 'PreconditionFailed' })
    // If-Match wins over If-Unmodified-Since; If-None-Match over If-Modified-Since (RFC 7232 order).
    expect((await s3.send(new GetObjectCommand({ Bucket: B, Key: 'cond/read', IfMatch: put.ETag, IfUnmodifiedSince: past }))).ETag).toBe(put.ETag!)
    expect((await s3.send(new GetObjectCommand({ Bucket: B, Key: 'cond/read', IfNoneMatch: '"other"', IfModifiedSince: future }))).ETag).toBe(put.ETag!)
  })
})

describe('ranges', () => {
  test('single ranges: 206 with Content-Range; unsatisfiable: 416 InvalidRange', async () => {
    const data = Buffer.from('0123456789abcdefghij')
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'range/r', Body: data }))
    const cases: Array<[string, string, string]> = [
      ['bytes=2-5', 'bytes 2-5/20', '2345'],
      ['bytes=15-', 'bytes 15-19/20', 'fghij'],
      ['bytes=-3', 'bytes 17-19/20', 'hij'],
      ['bytes=18-100', 'bytes 18-19/20', 'ij'],
      ['bytes=0-0', 'bytes 0-0/20', '0'],
    ]
    for (const [range, contentRange, body] of cases) {
      const r = await s3Fetch(srv.s3Url, { bucket: B, key: 'range/r', headers: { range } })
      expect(r.status).toBe(206)
      expect(r.headers.get('content-range')).toBe(contentRange)
      expect(r.headers.get('content-length')).toBe(String(body.length))
      expect(await r.text()).toBe(body)
    }
    const sdk = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'range/r', Range: 'bytes=4-7' }))
    expect(sdk.ContentRange).toBe('bytes 4-7/20')
    expect(await sdk.Body!.transformToString()).toBe('4567')
    const head = await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: B, key: 'range/r', headers: { range: 'bytes=1-2' } })
    expect(head.status).toBe(206)
    expect(head.headers.get('content-range')).toBe('bytes 1-2/20')

    for (const range of ['bytes=20-', 'bytes=25-30', 'bytes=-0']) {
      const e = await errorOf(await s3Fetch(srv.s3Url, { bucket: B, key: 'range/r', headers: { range } }))
      expect([e.status, e.code]).toEqual([416, 'InvalidRange'])
      expect(e.headers.get('content-range')).toBe('bytes */20')
    }
    expect(await failure(s3NoRetry.send(new GetObjectCommand({ Bucket: B, Key: 'range/r', Range: 'bytes=100-' })))).toEqual({ status: 416, code: 'InvalidRange' })
    // Syntactically invalid ranges are ignored, as S3 does: the whole object, 200.
    const ignored = await s3Fetch(srv.s3Url, { bucket: B, key: 'range/r', headers: { range: 'bytes=5-2' } })
    expect(ignored.status).toBe(200)
    expect(await ignored.text()).toBe(data.toString())
  })

  test('ranges across multipart part boundaries', async () => {
    const data = randomData(5 * MiB + 100, 41)
    const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'range/mp' }))
    const p1 = await s3.send(new UploadPartCommand({ Bucket: B, Key: 'range/mp', UploadId: mp.UploadId, PartNumber: 1, Body: data.subarray(0, 5 * MiB) }))
    const p2 = await s3.send(new UploadPartCommand({ Bucket: B, Key: 'range/mp', UploadId: mp.UploadId, PartNumber: 2, Body: data.subarray(5 * MiB) }))
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'range/mp', UploadId: mp.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }))
    const from = 5 * MiB - 10
    const r = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'range/mp', Range: `bytes=${from}-${from + 59}` }))
    expect(r.ContentRange).toBe(`bytes ${from}-${from + 59}/${data.length}`)
    expect(Buffer.compare(await bodyBytes(r), data.subarray(from, from + 60))).toBe(0)
  })
})

describe('metadata', () => {
  test('x-amz-meta-*, standard headers stored and returned; response-* overrides', async () => {
    const expires = new Date('2030-01-02T03:04:05Z')
    await s3.send(new PutObjectCommand({
      Bucket: B, Key: 'meta/m.txt', Body: 'meta', ContentType: 'text/plain; charset=utf-8', ContentEncoding: 'identity', ContentDisposition: 'inline',
      ContentLanguage: 'de-DE', CacheControl: 'no-cache', Expires: expires, Metadata: { 'colour': 'blau', 'with-dash': 'x y' },
    }))
    const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'meta/m.txt' }))
    expect(h.ContentType).toBe('text/plain; charset=utf-8')
    expect(h.ContentEncoding).toBe('identity')
    expect(h.ContentDisposition).toBe('inline')
    expect(h.ContentLanguage).toBe('de-DE')
    expect(h.CacheControl).toBe('no-cache')
    expect(h.Expires?.toISOString()).toBe(expires.toISOString())
    expect(h.Metadata).toEqual({ colour: 'blau', 'with-dash': 'x y' })
    const g = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'meta/m.txt', ResponseContentType: 'application/json', ResponseCacheControl: 'max-age=5', ResponseContentDisposition: 'attachment' }))
    expect(g.ContentType).toBe('application/json')
    expect(g.CacheControl).toBe('max-age=5')
    expect(g.ContentDisposition).toBe('attachment')
  })
})

describe('copy', () => {
  test('CopyObject same and cross bucket with COPY / REPLACE metadata and copy-source conditions', async () => {
    const src = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'copy/src ü+1.txt', Body: 'copy me', ContentType: 'text/x-src', Metadata: { a: '1' } }))
    const source = `${B}/${encodeURIComponent('copy/src ü+1.txt')}`
    const same = await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'copy/dst-same', CopySource: source }))
    expect(same.CopyObjectResult?.ETag).toBe(src.ETag!)
    const h1 = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'copy/dst-same' }))
    expect(h1.ContentType).toBe('text/x-src')
    expect(h1.Metadata).toEqual({ a: '1' })

    await s3.send(new CopyObjectCommand({ Bucket: B2, Key: 'dst cross 😀', CopySource: source, MetadataDirective: 'REPLACE', ContentType: 'text/x-new', Metadata: { b: '2' } }))
    const h2 = await s3.send(new HeadObjectCommand({ Bucket: B2, Key: 'dst cross 😀' }))
    expect(h2.ContentType).toBe('text/x-new')
    expect(h2.Metadata).toEqual({ b: '2' })
    expect(await (await s3.send(new GetObjectCommand({ Bucket: B2, Key: 'dst cross 😀' }))).Body!.transformToString()).toBe('copy me')

    // In place with REPLACE is allowed (metadata change); without it is InvalidRequest.
    await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'copy/src ü+1.txt', CopySource: source, MetadataDirective: 'REPLACE', Metadata: { a: '2' } }))
    expect((await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'copy/src ü+1.txt' }))).Metadata).toEqual({ a: '2' })
    expect(await failure(s3NoRetry.send(new CopyObjectCommand({ Bucket: B, Key: 'copy/src ü+1.txt', CopySource: source })))).toEqual({ status: 400, code: 'InvalidRequest' })

    expect((await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'copy/if-match', CopySource: source, CopySourceIfMatch: src.ETag }))).CopyObjectResult?.ETag).toBe(src.ETag!)
    expect(await failure(s3NoRetry.send(new CopyObjectCommand({ Bucket: B, Key: 'copy/x', CopySource: source, CopySourceIfMatch: '"deadbeef"' })))).toEqual({ status: 412, code: 'PreconditionFailed' })
    expect(await failure(s3NoRetry.send(new CopyObjectCommand({ Bucket: B, Key: 'copy/x', CopySource: source, CopySourceIfNoneMatch: src.ETag })))).toEqual({ status: 412, code: 'PreconditionFailed' })
    expect(await failure(s3NoRetry.send(new CopyObjectCommand({ Bucket: B, Key: 'copy/x', CopySource: source, CopySourceIfUnmodifiedSince: new Date(Date.now() - 3600_000) })))).toEqual({ status: 412, code: 'PreconditionFailed' })
    expect(await failure(s3NoRetry.send(new CopyObjectCommand({ Bucket: B, Key: 'copy/x', CopySource: `${B}/copy/none` })))).toEqual({ status: 404, code: 'NoSuchKey' })
    expect(await failure(s3NoRetry.send(new CopyObjectCommand({ Bucket: B, Key: 'copy/x', CopySource: 'no-such-bucket-x/k' })))).toEqual({ status: 404, code: 'NoSuchBucket' })
  })

  test('a copied multipart object keeps its bytes and ETag', async () => {
    await s3.send(new CopyObjectCommand({ Bucket: B2, Key: 'copy-of-64m', CopySource: `${B}/big/64m.bin` }))
    const [a, b] = await Promise.all([
      s3.send(new HeadObjectCommand({ Bucket: B, Key: 'big/64m.bin' })),
      s3.send(new HeadObjectCommand({ Bucket: B2, Key: 'copy-of-64m' })),
    ])
    expect(b.ETag).toBe(a.ETag!)
    expect(b.ContentLength).toBe(a.ContentLength!)
    const r = await s3.send(new GetObjectCommand({ Bucket: B2, Key: 'copy-of-64m', Range: `bytes=${8 * MiB - 5}-${8 * MiB + 4}` }))
    const o = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'big/64m.bin', Range: `bytes=${8 * MiB - 5}-${8 * MiB + 4}` }))
    expect(Buffer.compare(await bodyBytes(r), await bodyBytes(o))).toBe(0)
  })
})

describe('keys', () => {
  const KEYS = [
    'a//double', 'dir/', 'dir/sub/', '100%', '50% off', 'a+b', 'with space', 'tab\there', '😀/emoji', 'ü', 'z', 'A', '\u00e9t\u00e9',
    'ﬃ-ligature', '𝄞-clef', '~tilde', 'q?mark', 'hash#tag', 'amp&er', 'semi;colon', 'eq=ual', '!bang', "quote'", '(paren)', 'star*',
    '..x', 'back\\slash', 'ctrl-less<>"', 'trailing/', '/leading', 'ascii-ÿ', ' lead space', 'trail space ', '  ',
  ]

  test('special and Unicode keys round-trip, list in UTF-8 byte order, and come back url-encoded on request', async () => {
    const bucket = 'sdk-keys'
    await s3.send(new CreateBucketCommand({ Bucket: bucket }))
    await Promise.all(KEYS.map((k) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: `body of ${k}` }))))
    for (const k of KEYS) {
      const g = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: k }))
      expect(await g.Body!.transformToString()).toBe(`body of ${k}`)
    }
    const expected = [...KEYS].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents!.map((c) => c.Key)
    expect(listed).toEqual(expected)

    // encoding-type=url: raw XML carries percent-encoded keys; the value decodes back exactly.
    const raw = await (await s3Fetch(srv.s3Url, { bucket, query: { 'list-type': '2', 'encoding-type': 'url' } })).text()
    expect(xmlTag(raw, 'EncodingType')).toBe('url')
    const keys = xmlTags(raw, 'Key')
    expect(keys.map(decodeURIComponent)).toEqual(expected)
    expect(keys).toContain('with%20space')
    expect(keys).toContain('%F0%9F%98%80/emoji')
    expect(keys).toContain('a%2Bb')
    // v1 encodes keys too. Its <Prefix> (which botocore does not decode) stays as sent when
    // URL-decoding would leave it unchanged, and is encoded otherwise.
    const v1 = await (await s3Fetch(srv.s3Url, { bucket, query: { delimiter: '/', 'encoding-type': 'url', prefix: '😀/' } })).text()
    expect(xmlTag(v1, 'Prefix')).toBe('😀/')
    expect(xmlTags(v1, 'Key')).toEqual(['%F0%9F%98%80/emoji'])
    const v1plus = await (await s3Fetch(srv.s3Url, { bucket, query: { 'encoding-type': 'url', prefix: 'a+' } })).text()
    expect(xmlTag(v1plus, 'Prefix')).toBe('a%2B')
    expect(xmlTags(v1plus, 'Key')).toEqual(['a%2Bb'])

    // Keys with '//' and a trailing '/' are distinct objects from their neighbours.
    const d = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'dir/', Delimiter: '/' }))
    expect(d.Contents!.map((c) => c.Key)).toEqual(['dir/'])
    expect(d.CommonPrefixes!.map((c) => c.Prefix)).toEqual(['dir/sub/'])
    const top = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }))
    expect(top.CommonPrefixes!.map((c) => c.Prefix)).toEqual(['/', 'a/', 'dir/', 'trailing/', '😀/'].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))))
    // Under 'a/', the empty segment of 'a//double' rolls up to 'a//'.
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'a/', Delimiter: '/' }))).CommonPrefixes!.map((c) => c.Prefix)).toEqual(['a//'])

    const del = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: KEYS.map((Key) => ({ Key })) } }))
    expect(del.Errors ?? []).toEqual([])
    expect(del.Deleted!.map((x) => x.Key).sort()).toEqual([...KEYS].sort())
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0)
  })

  test('a 1024-byte key works; 1025 bytes is KeyTooLongError', async () => {
    const key = 'k/' + 'é'.repeat(511) // 2 + 1022 bytes
    expect(Buffer.byteLength(key)).toBe(1024)
    await s3.send(new PutObjectCommand({ Bucket: B, Key: key, Body: 'long' }))
    expect(await (await s3.send(new GetObjectCommand({ Bucket: B, Key: key }))).Body!.transformToString()).toBe('long')
    expect(await failure(s3NoRetry.send(new PutObjectCommand({ Bucket: B, Key: key + 'x', Body: 'long' })))).toEqual({ status: 400, code: 'KeyTooLongError' })
  })
})

describe('listing', () => {
  const bucket = 'sdk-list'
  const keys: string[] = []
  for (const p of ['a', 'b', 'c']) for (let i = 0; i < 5; i++) keys.push(`${p}/${i}.txt`)
  keys.push('a.txt', 'b/deep/x.txt', 'b/deep/y.txt', 'top1', 'top2', 'top3')
  const sorted = [...keys].sort()

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }))
    await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }))))
  }, 60_000)

  test('ListObjectsV2 pages with continuation tokens; delimiter rolls up prefixes exactly once', async () => {
    const seen: string[] = []
    const prefixes: string[] = []
    let token: string | undefined
    let pages = 0
    do {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/', MaxKeys: 2, ContinuationToken: token }))
      pages++
      expect(r.MaxKeys).toBe(2)
      expect(r.KeyCount).toBe((r.Contents?.length ?? 0) + (r.CommonPrefixes?.length ?? 0))
      expect(r.KeyCount).toBeLessThanOrEqual(2)
      seen.push(...(r.Contents ?? []).map((c) => c.Key!))
      prefixes.push(...(r.CommonPrefixes ?? []).map((c) => c.Prefix!))
      token = r.IsTruncated ? r.NextContinuationToken : undefined
      if (r.IsTruncated) expect(token).toBeString()
      else expect(r.NextContinuationToken).toBeUndefined()
    } while (token)
    expect(prefixes).toEqual(['a/', 'b/', 'c/'])
    expect(seen).toEqual(['a.txt', 'top1', 'top2', 'top3'])
    expect(pages).toBe(4)

    const all: string[] = []
    token = undefined
    do {
      const r: ListObjectsV2CommandOutput = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 4, ContinuationToken: token }))
      all.push(...r.Contents!.map((c) => c.Key!))
      token = r.NextContinuationToken
    } while (token)
    expect(all).toEqual(sorted)
  })

  test('prefix, start-after, fetch-owner, max-keys 0', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'b/', Delimiter: '/' }))
    expect(r.Contents!.map((c) => c.Key)).toEqual(['b/0.txt', 'b/1.txt', 'b/2.txt', 'b/3.txt', 'b/4.txt'])
    expect(r.CommonPrefixes!.map((c) => c.Prefix)).toEqual(['b/deep/'])
    expect(r.Prefix).toBe('b/')
    const sa = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'b/deep/x.txt' }))
    expect(sa.StartAfter).toBe('b/deep/x.txt')
    expect(sa.Contents!.map((c) => c.Key)).toEqual(sorted.filter((k) => k > 'b/deep/x.txt'))
    const sap = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'b/', Delimiter: '/', Prefix: 'b/' }))
    expect(sap.Contents!.map((c) => c.Key)).toEqual(['b/0.txt', 'b/1.txt', 'b/2.txt', 'b/3.txt', 'b/4.txt'])
    const owner = await s3.send(new ListObjectsV2Command({ Bucket: bucket, FetchOwner: true, MaxKeys: 1 }))
    expect(owner.Contents![0].Owner?.ID).toBeString()
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }))).Contents![0].Owner).toBeUndefined()
    const zero = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 0 }))
    expect(zero.KeyCount).toBe(0)
    expect(zero.Contents).toBeUndefined()
    const c = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'a/0' }))).Contents![0]
    expect(c.Size).toBe(7)
    expect(c.ETag).toBe(`"${md5Hex('a/0.txt')}"`)
    expect(c.StorageClass).toBe('STANDARD')
  })

  test('ListObjects v1: Marker, NextMarker with a delimiter, last key as marker without one', async () => {
    const r1 = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: '/', MaxKeys: 2 }))
    expect(r1.IsTruncated).toBe(true)
    expect(r1.CommonPrefixes!.map((c) => c.Prefix)).toEqual(['a/'])
    expect(r1.Contents!.map((c) => c.Key)).toEqual(['a.txt'])
    expect(r1.NextMarker).toBe('a/')
    const r2 = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: '/', MaxKeys: 2, Marker: r1.NextMarker }))
    expect(r2.Marker).toBe('a/')
    expect(r2.CommonPrefixes!.map((c) => c.Prefix)).toEqual(['b/', 'c/'])
    expect(r2.NextMarker).toBe('c/')
    const r3 = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: '/', MaxKeys: 5, Marker: r2.NextMarker }))
    expect(r3.IsTruncated).toBe(false)
    expect(r3.NextMarker).toBeUndefined()
    expect(r3.Contents!.map((c) => c.Key)).toEqual(['top1', 'top2', 'top3'])

    const all: string[] = []
    let marker: string | undefined
    for (;;) {
      const r = await s3.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 7, Marker: marker }))
      expect(r.NextMarker).toBeUndefined()
      all.push(...r.Contents!.map((c) => c.Key!))
      if (!r.IsTruncated) break
      marker = all[all.length - 1]
    }
    expect(all).toEqual(sorted)
  })
})

describe('multipart', () => {
  test('CRC32 composite checksums: per part, then the checksum of checksums "-N"', async () => {
    const key = 'mp/crc32'
    const parts = [randomData(5 * MiB, 51), randomData(5 * MiB, 52), randomData(123, 53)]
    const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: key, ChecksumAlgorithm: 'CRC32' }))
    expect(mp.ChecksumAlgorithm).toBe('CRC32')
    expect(mp.ChecksumType).toBe('COMPOSITE')
    const done = []
    for (let i = 0; i < parts.length; i++) {
      const r = await s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId: mp.UploadId, PartNumber: i + 1, Body: parts[i], ChecksumAlgorithm: 'CRC32' }))
      expect(r.ChecksumCRC32).toBe(crc32b64(parts[i]))
      done.push({ PartNumber: i + 1, ETag: r.ETag, ChecksumCRC32: r.ChecksumCRC32 })
    }
    const lp = await s3.send(new ListPartsCommand({ Bucket: B, Key: key, UploadId: mp.UploadId }))
    expect(lp.Parts!.map((p) => p.ChecksumCRC32)).toEqual(done.map((p) => p.ChecksumCRC32))
    expect(lp.ChecksumAlgorithm).toBe('CRC32')
    const c = await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId: mp.UploadId, MultipartUpload: { Parts: done } }))
    const composite = crc32b64(Buffer.concat(done.map((p) => Buffer.from(p.ChecksumCRC32!, 'base64')))) + '-3'
    expect(c.ChecksumCRC32).toBe(composite)
    expect(c.ChecksumType).toBe('COMPOSITE')
    const etag = md5Hex(Buffer.concat(parts.map((p) => Buffer.from(md5Hex(p), 'hex')))) + '-3'
    expect(c.ETag).toBe(`"${etag}"`)
    const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED' }))
    expect(h.ChecksumCRC32).toBe(composite)
    expect(h.ChecksumType).toBe('COMPOSITE')
    const g = await s3.send(new GetObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED' }))
    expect(sha256Of(await bodyBytes(g))).toBe(sha256Of(Buffer.concat(parts)))
  })

  test('CRC64NVME full-object checksums: combined from parts and checked against the client value', async () => {
    const key = 'mp/crc64'
    const parts = [randomData(5 * MiB, 61), randomData(777, 62)]
    const whole = Buffer.concat(parts)
    const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: key, ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'FULL_OBJECT' }))
    expect(mp.ChecksumType).toBe('FULL_OBJECT')
    const done = []
    for (let i = 0; i < parts.length; i++) {
      const r = await s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId: mp.UploadId, PartNumber: i + 1, Body: parts[i], ChecksumAlgorithm: 'CRC64NVME' }))
      expect(r.ChecksumCRC64NVME).toBe(await crc64b64(parts[i]))
      done.push({ PartNumber: i + 1, ETag: r.ETag, ChecksumCRC64NVME: r.ChecksumCRC64NVME })
    }
    const full = await crc64b64(whole)
    const wrong = await crc64b64(Buffer.from('not the object'))
    expect(await failure(s3NoRetry.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId: mp.UploadId, ChecksumCRC64NVME: wrong, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: done } })))).toEqual({ status: 400, code: 'BadDigest' })
    const c = await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId: mp.UploadId, ChecksumCRC64NVME: full, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: done } }))
    expect(c.ChecksumCRC64NVME).toBe(full)
    expect(c.ChecksumType).toBe('FULL_OBJECT')
    // The SDK validates a full-object checksum on GET: a wrong value would fail here.
    const g = await s3.send(new GetObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED' }))
    expect(g.ChecksumCRC64NVME).toBe(full)
    expect(sha256Of(await bodyBytes(g))).toBe(sha256Of(whole))
  })

  test('UploadPartCopy with ranges rebuilds an object', async () => {
    const data = randomData(6 * MiB + 11, 71)
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'mp/copy-src', Body: data }))
    const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: B2, Key: 'mp/copied' }))
    const cut = 5 * MiB
    const p1 = await s3.send(new UploadPartCopyCommand({ Bucket: B2, Key: 'mp/copied', UploadId: mp.UploadId, PartNumber: 1, CopySource: `${B}/mp/copy-src`, CopySourceRange: `bytes=0-${cut - 1}` }))
    const p2 = await s3.send(new UploadPartCopyCommand({ Bucket: B2, Key: 'mp/copied', UploadId: mp.UploadId, PartNumber: 2, CopySource: `${B}/mp/copy-src`, CopySourceRange: `bytes=${cut}-${data.length - 1}` }))
    expect(p1.CopyPartResult?.ETag).toBe(`"${md5Hex(data.subarray(0, cut))}"`)
    expect(await failure(s3NoRetry.send(new UploadPartCopyCommand({ Bucket: B2, Key: 'mp/copied', UploadId: mp.UploadId, PartNumber: 3, CopySource: `${B}/mp/copy-src`, CopySourceRange: `bytes=0-${data.length}` })))).toEqual({ status: 416, code: 'InvalidRange' })
    expect(await failure(s3NoRetry.send(new UploadPartCopyCommand({ Bucket: B2, Key: 'mp/copied', UploadId: mp.UploadId, PartNumber: 3, CopySource: `${B}/mp/copy-src`, CopySourceIfMatch: '"x"' })))).toEqual({ status: 412, code: 'PreconditionFailed' })
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: B2, Key: 'mp/copied', UploadId: mp.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.CopyPartResult!.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult!.ETag }] } }))
    const g = await s3.send(new GetObjectCommand({ Bucket: B2, Key: 'mp/copied' }))
    expect(sha256Of(await bodyBytes(g))).toBe(sha256Of(data))
  })

  test('EntityTooSmall, InvalidPart, InvalidPartOrder; the upload stays usable after each', async () => {
    const key = 'mp/errors'
    const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: key }))
    const small1 = await s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId: mp.UploadId, PartNumber: 1, Body: 'small one' }))
    const small2 = await s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId: mp.UploadId, PartNumber: 2, Body: 'small two' }))
    const complete = (Parts: Array<{ PartNumber: number; ETag?: string }>) => s3NoRetry.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId: mp.UploadId, MultipartUpload: { Parts } }))
    expect(await failure(complete([{ PartNumber: 1, ETag: small1.ETag }, { PartNumber: 2, ETag: small2.ETag }]))).toEqual({ status: 400, code: 'EntityTooSmall' })
    expect(await failure(complete([{ PartNumber: 1, ETag: small2.ETag }]))).toEqual({ status: 400, code: 'InvalidPart' })
    expect(await failure(complete([{ PartNumber: 3, ETag: small1.ETag }]))).toEqual({ status: 400, code: 'InvalidPart' })
    expect(await failure(complete([{ PartNumber: 2, ETag: small2.ETag }, { PartNumber: 1, ETag: small1.ETag }]))).toEqual({ status: 400, code: 'InvalidPartOrder' })
    // A retried part number replaces the earlier part; a single small last part is fine.
    const big = randomData(5 * MiB, 81)
    const big1 = await s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId: mp.UploadId, PartNumber: 1, Body: big }))
    expect(await failure(complete([{ PartNumber: 1, ETag: small1.ETag }]))).toEqual({ status: 400, code: 'InvalidPart' })
    const c = await complete([{ PartNumber: 1, ETag: big1.ETag }, { PartNumber: 2, ETag: small2.ETag }])
    expect(c.ETag).toMatch(/-2"$/)
    expect((await s3.send(new HeadObjectCommand({ Bucket: B, Key: key }))).ContentLength).toBe(big.length + 'small two'.length)
    expect(await failure(complete([{ PartNumber: 1, ETag: big1.ETag }]))).toEqual({ status: 404, code: 'NoSuchUpload' })
  })

  test('ListParts paging, ListMultipartUploads with prefix/delimiter/markers, AbortMultipartUpload', async () => {
    const bucket = 'sdk-uploads'
    await s3.send(new CreateBucketCommand({ Bucket: bucket }))
    const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'x/parts' }))
    for (let n = 1; n <= 5; n++) await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'x/parts', UploadId: mp.UploadId, PartNumber: n, Body: `p${n}` }))
    const lp1 = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'x/parts', UploadId: mp.UploadId, MaxParts: 2 }))
    expect(lp1.Parts!.map((p) => p.PartNumber)).toEqual([1, 2])
    expect(lp1.IsTruncated).toBe(true)
    expect(lp1.NextPartNumberMarker).toBe('2')
    const lp2 = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'x/parts', UploadId: mp.UploadId, PartNumberMarker: lp1.NextPartNumberMarker }))
    expect(lp2.Parts!.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([3, 4, 5].map((n) => [n, 2, `"${md5Hex(`p${n}`)}"`]))
    expect(lp2.IsTruncated).toBe(false)

    const ids: Record<string, string> = { 'x/parts': mp.UploadId! }
    for (const k of ['a/1', 'a/2', 'b/1', 'top']) ids[k] = (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: k }))).UploadId!
    const second = (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'top' }))).UploadId!
    const all = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))
    expect(all.Uploads!.map((u) => u.Key)).toEqual(['a/1', 'a/2', 'b/1', 'top', 'top', 'x/parts'])
    expect(all.Uploads!.filter((u) => u.Key === 'top').map((u) => u.UploadId).sort()).toEqual([ids.top, second].sort())
    const delim = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Delimiter: '/' }))
    expect(delim.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['a/', 'b/', 'x/'])
    expect(delim.Uploads!.map((u) => u.Key)).toEqual(['top', 'top'])
    const pre = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'a/' }))
    expect(pre.Uploads!.map((u) => [u.Key, u.UploadId])).toEqual([['a/1', ids['a/1']], ['a/2', ids['a/2']]])
    const page1 = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, MaxUploads: 2 }))
    expect(page1.IsTruncated).toBe(true)
    expect(page1.NextKeyMarker).toBe('a/2')
    const page2 = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, MaxUploads: 10, KeyMarker: page1.NextKeyMarker, UploadIdMarker: page1.NextUploadIdMarker }))
    expect(page2.Uploads!.map((u) => u.Key)).toEqual(['b/1', 'top', 'top', 'x/parts'])

    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'x/parts', UploadId: mp.UploadId }))
    expect(await failure(s3NoRetry.send(new ListPartsCommand({ Bucket: bucket, Key: 'x/parts', UploadId: mp.UploadId })))).toEqual({ status: 404, code: 'NoSuchUpload' })
    expect(await failure(s3NoRetry.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'x/parts', UploadId: mp.UploadId })))).toEqual({ status: 404, code: 'NoSuchUpload' })
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads!.map((u) => u.Key)).not.toContain('x/parts')
  })
})

describe('DeleteObjects', () => {
  test('raw XML as Go clients write it: numeric character references and significant spaces in keys', async () => {
    const keys = ['q"uote', ' spaced ', 'amp&lt;']
    await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: B, Key: `raw/${Key}`, Body: 'x' }))))
    const xml = '<Delete><Object><Key>raw/q&#34;uote</Key></Object><Object><Key>raw/ spaced </Key></Object><Object><Key>raw/amp&amp;lt;</Key></Object></Delete>'
    const res = await s3Fetch(srv.s3Url, { method: 'POST', bucket: B, query: { delete: '' }, body: xml, headers: { 'content-md5': md5Base64(xml) } })
    const out = await res.text()
    expect(res.status).toBe(200)
    expect(xmlTags(out, 'Key').map((k) => k.replace(/&quot;/g, '"').replace(/&amp;/g, '&'))).toEqual(keys.map((k) => `raw/${k}`))
    expect((await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'raw/' }))).KeyCount).toBe(0)
  })

  test('verbose and Quiet modes, missing keys count as deleted', async () => {
    await Promise.all(['d/1', 'd/2', 'd/3'].map((Key) => s3.send(new PutObjectCommand({ Bucket: B, Key, Body: Key }))))
    const v = await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [{ Key: 'd/1' }, { Key: 'd/missing' }] } }))
    expect(v.Deleted!.map((d) => d.Key).sort()).toEqual(['d/1', 'd/missing'])
    expect(v.Errors).toBeUndefined()
    const q = await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Quiet: true, Objects: [{ Key: 'd/2' }, { Key: 'd/3' }] } }))
    expect(q.Deleted).toBeUndefined()
    expect(q.Errors).toBeUndefined()
    const left = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'd/' }))
    expect(left.KeyCount).toBe(0)
  })
})

describe('CORS', () => {
  test('put/get/delete bucket CORS and browser preflights', async () => {
    const bucket = 'sdk-cors'
    await s3.send(new CreateBucketCommand({ Bucket: bucket }))
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'page.txt', Body: 'cors' }))
    expect(await failure(s3NoRetry.send(new GetBucketCorsCommand({ Bucket: bucket })))).toEqual({ status: 404, code: 'NoSuchCORSConfiguration' })
    const rules = [
      { ID: 'uploads', AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['PUT', 'GET'], AllowedHeaders: ['content-type', 'x-amz-*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 },
      { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
    ]
    await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: rules } }))
    const got = await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))
    expect(got.CORSRules).toEqual(rules.map((r) => ({ AllowedHeaders: undefined, ExposeHeaders: undefined, MaxAgeSeconds: undefined, ID: undefined, ...r })))

    const pre = await fetch(`${srv.s3Url}/${bucket}/uploads/file.jpg`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'Content-Type, X-Amz-Date' } })
    expect(pre.status).toBe(200)
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    expect(pre.headers.get('access-control-allow-methods')).toContain('PUT')
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toBe('content-type, x-amz-date')
    expect(pre.headers.get('access-control-max-age')).toBe('600')
    expect(pre.headers.get('x-amz-request-id')).toBeString()

    const wild = await fetch(`${srv.s3Url}/${bucket}/page.txt`, { method: 'OPTIONS', headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'GET' } })
    expect(wild.status).toBe(200)
    expect(wild.headers.get('access-control-allow-origin')).toBe('*')
    const denied = await errorOf(await fetch(`${srv.s3Url}/${bucket}/page.txt`, { method: 'OPTIONS', headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'DELETE' } }))
    expect([denied.status, denied.code]).toEqual([403, 'AccessForbidden'])

    // An actual request from an allowed origin gets the CORS response headers.
    const actual = await s3Fetch(srv.s3Url, { bucket, key: 'page.txt', headers: { origin: 'https://app.example.com' } })
    expect(actual.status).toBe(200)
    expect(actual.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    expect(actual.headers.get('access-control-expose-headers')).toBe('ETag')

    await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }))
    expect(await failure(s3NoRetry.send(new GetBucketCorsCommand({ Bucket: bucket })))).toEqual({ status: 404, code: 'NoSuchCORSConfiguration' })
    const after = await errorOf(await fetch(`${srv.s3Url}/${bucket}/page.txt`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } }))
    expect([after.status, after.code]).toEqual([403, 'AccessForbidden'])
  })
})

describe('versioning (basic)', () => {
  test('enable, versions listed newest first, GET by version, delete markers, suspend', async () => {
    const bucket = 'sdk-versions'
    await s3.send(new CreateBucketCommand({ Bucket: bucket }))
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBeUndefined()
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v', Body: 'before' }))
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }))
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Enabled')
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v', Body: 'one' }))
    const v2 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v', Body: 'two' }))
    expect(v1.VersionId).toBeString()
    expect(v2.VersionId).not.toBe(v1.VersionId!)
    const list = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))
    expect(list.Versions!.map((v) => [v.VersionId, v.IsLatest])).toEqual([[v2.VersionId, true], [v1.VersionId, false], ['null', false]])
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'v', VersionId: v1.VersionId }))).Body!.transformToString()).toBe('one')
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'v', VersionId: 'null' }))).Body!.transformToString()).toBe('before')
    const del = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'v' }))
    expect(del.DeleteMarker).toBe(true)
    expect(await failure(s3NoRetry.send(new GetObjectCommand({ Bucket: bucket, Key: 'v' })))).toEqual({ status: 404, code: 'NoSuchKey' })
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))
    expect(after.DeleteMarkers!.map((m) => [m.VersionId, m.IsLatest])).toEqual([[del.VersionId, true]])
    expect(after.Versions!.length).toBe(3)
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'v', VersionId: del.VersionId }))
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'v' }))).Body!.transformToString()).toBe('two')
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }))
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Suspended')
  })
})
