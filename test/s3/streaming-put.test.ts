/**
 * Bodies without a Content-Length: `Transfer-Encoding: chunked` PUTs from curl `-T -` (a pipe),
 * to a presigned URL and as a signed request with UNSIGNED-PAYLOAD, for PutObject and
 * UploadPart, are stored whole, within the quota (cut off beyond it, nothing partial kept). A PUT
 * with neither a length nor a chunked body is still 411 MissingContentLength. And
 * `Content-Encoding: aws-chunked` on a body that is not aws-chunked framed (literal SHA-256 or
 * UNSIGNED-PAYLOAD) is accepted, with aws-chunked left out of the stored Content-Encoding.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash, randomBytes } from 'node:crypto'
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { errorOf, md5Hex, presignUrl, s3Fetch, sha256Hex, signedRequest, type Creds } from '../helpers/raw-s3'
import { apiAccount, blobFiles, expectUsage } from '../quota/helpers'

let srv: TestServer
let s3: S3Client
const B = 'streaming'

beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
  expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: B })).status).toBe(200)
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

/**
 * curl `-T -` reading `data` from a pipe: curl sends it with Transfer-Encoding: chunked and no
 * Content-Length. Returns status, body and curl's verbose log.
 */
async function curlPipe(url: string, data: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: string; sentChunked: boolean }> {
  const hdrArgs = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`])
  // Bun writes the Blob into curl's stdin pipe (and copes with curl leaving early, as it does
  // when the server answers a quota cut-off before the whole body was sent).
  const p = Bun.spawn(['curl', '-sS', '-v', '-o', '-', '-w', '\n%{http_code}', '-T', '-', ...hdrArgs, url], { stdin: new Blob([data as Uint8Array<ArrayBuffer>]), stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  if (code !== 0) throw new Error(`curl failed (${code}): ${err}`)
  const i = out.lastIndexOf('\n')
  const sent = err.split('\n').filter((l) => l.startsWith('> ')).join('\n')
  return { status: Number(out.slice(i + 1)), body: out.slice(0, i), headers: err, sentChunked: /> Transfer-Encoding: chunked/i.test(sent) && !/> Content-Length/i.test(sent) }
}

/** Headers of a header-signed request (UNSIGNED-PAYLOAD) for curl; curl sets Host itself. */
async function signedHeaders(r: { method: string; bucket: string; key: string; query?: Record<string, string>; creds?: Creds; headers?: Record<string, string> }) {
  const req = await signedRequest(srv.s3Url, { ...r, payloadHash: 'UNSIGNED-PAYLOAD' })
  const h: Record<string, string> = {}
  for (const [k, v] of req.headers) if (k !== 'host') h[k] = v
  return { url: req.url, headers: h }
}

async function getBytes(Bucket: string, Key: string) {
  const r = await s3.send(new GetObjectCommand({ Bucket, Key }))
  return Buffer.from(await r.Body!.transformToByteArray())
}

describe('Transfer-Encoding: chunked without Content-Length', () => {
  const data = randomBytes(2_500_000 + 17)

  test('curl -T - to a presigned PUT URL stores the whole stream (ETag = MD5)', async () => {
    const url = await presignUrl(srv.s3Url, { method: 'PUT', bucket: B, key: 'piped/presigned.bin', presign: { expires: 300 } })
    const r = await curlPipe(url, data)
    expect(r.sentChunked).toBe(true)
    expect(r.status).toBe(200)
    expect(r.headers).toContain(`< ETag: "${md5Hex(data)}"`)
    expect((await getBytes(B, 'piped/presigned.bin')).equals(data)).toBe(true)
    const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'piped/presigned.bin' }))
    expect(h.ContentLength).toBe(data.length)
  })

  test('curl -T - as a header-signed request with UNSIGNED-PAYLOAD', async () => {
    const { url, headers } = await signedHeaders({ method: 'PUT', bucket: B, key: 'piped/signed.bin', headers: { 'content-type': 'application/x-piped' } })
    const r = await curlPipe(url, data, headers)
    expect(r.sentChunked).toBe(true)
    expect(r.status).toBe(200)
    expect((await getBytes(B, 'piped/signed.bin')).equals(data)).toBe(true)
    expect((await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'piped/signed.bin' }))).ContentType).toBe('application/x-piped')
  })

  test('a streamed body with a literal x-amz-content-sha256 is verified at its end', async () => {
    const small = Buffer.from('verified after the last chunk')
    const ok = await signedRequest(srv.s3Url, { method: 'PUT', bucket: B, key: 'piped/literal.txt', payloadHash: sha256Hex(small), body: null })
    const hdr = Object.fromEntries([...ok.headers].filter(([k]) => k !== 'host'))
    expect((await curlPipe(ok.url, small, hdr)).status).toBe(200)
    expect((await getBytes(B, 'piped/literal.txt')).equals(small)).toBe(true)
    const bad = await signedRequest(srv.s3Url, { method: 'PUT', bucket: B, key: 'piped/literal-bad.txt', payloadHash: sha256Hex('something else'), body: null })
    const r = await curlPipe(bad.url, small, Object.fromEntries([...bad.headers].filter(([k]) => k !== 'host')))
    expect(r.status).toBe(400)
    expect(r.body).toContain('<Code>XAmzContentSHA256Mismatch</Code>')
    expect((await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: B, key: 'piped/literal-bad.txt' })).status).toBe(404)
  })

  test('UploadPart from a pipe (presigned part URL), then CompleteMultipartUpload', async () => {
    const key = 'piped/multipart.bin'
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: key }))
    const p1 = randomBytes(5 * 1024 * 1024 + 3)
    const p2 = randomBytes(1234)
    const etags: string[] = []
    for (const [i, part] of [p1, p2].entries()) {
      const url = await presignUrl(srv.s3Url, { method: 'PUT', bucket: B, key, query: { partNumber: String(i + 1), uploadId: up.UploadId! }, presign: { expires: 300 } })
      const r = await curlPipe(url, part)
      expect(r.sentChunked).toBe(true)
      expect(r.status).toBe(200)
      const etag = /< ETag: ("[0-9a-f]{32}")/i.exec(r.headers)![1]
      expect(etag).toBe(`"${md5Hex(part)}"`)
      etags.push(etag)
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId: up.UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }))
    expect((await getBytes(B, key)).equals(Buffer.concat([p1, p2]))).toBe(true)
  })

  test('no Content-Length and no chunked body: 411 MissingContentLength', async () => {
    const { url, headers } = await signedHeaders({ method: 'PUT', bucket: B, key: 'piped/nolength' })
    const p = Bun.spawn(['curl', '-sS', '-v', '-X', 'PUT', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url], { stdout: 'pipe', stderr: 'pipe' })
    const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
    expect(err).not.toMatch(/> (Content-Length|Transfer-Encoding)/i)
    expect(err).toContain('< HTTP/1.1 411')
    expect(out).toContain('<Code>MissingContentLength</Code>')
    expect((await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: B, key: 'piped/nolength' })).status).toBe(404)
  })

  test('a streamed body is cut off at the remaining quota: 403 QuotaExceeded, nothing partial kept', async () => {
    const Q = 1024 * 1024
    const a = await apiAccount(srv, Q)
    const fill = randomBytes(Q - 10_000)
    const put = async (key: string, body: Uint8Array) => {
      const url = await presignUrl(srv.s3Url, { method: 'PUT', bucket: a.bucket, key, creds: a, presign: { expires: 300 } })
      return curlPipe(url, body)
    }
    expect((await put('fill', fill)).status).toBe(200)
    const before = blobFiles(srv)
    const over = await put('over', randomBytes(10_001))
    expect(over.status).toBe(403)
    expect(over.body).toContain('<Code>QuotaExceeded</Code>')
    const big = await put('big', randomBytes(3 * Q))
    expect(big.status).toBe(403)
    expect(big.body).toContain('<Code>QuotaExceeded</Code>')
    await expectUsage(srv, a, Q - 10_000)
    expect(blobFiles(srv)).toEqual({ blobs: before.blobs, tmp: [] })
    const exact = await put('exact', randomBytes(10_000))
    expect(exact.status).toBe(200)
    await expectUsage(srv, a, Q)
  })
})

describe('Content-Encoding: aws-chunked on a body that is not aws-chunked framed', () => {
  const body = Buffer.from('plain bytes, labelled aws-chunked by the client')

  test('literal SHA-256: accepted, bytes stored as sent, aws-chunked left out of Content-Encoding', async () => {
    const r = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: B, key: 'label/literal', body, headers: { 'content-encoding': 'aws-chunked' } })
    expect(r.status).toBe(200)
    expect(r.headers.get('etag')).toBe(`"${md5Hex(body)}"`)
    const g = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'label/literal' }))
    expect(g.ContentEncoding).toBeUndefined()
    expect(Buffer.from(await g.Body!.transformToByteArray()).equals(body)).toBe(true)
  })

  test('UNSIGNED-PAYLOAD with "aws-chunked, gzip": the stored Content-Encoding is gzip', async () => {
    const r = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: B, key: 'label/unsigned', body, payloadHash: 'UNSIGNED-PAYLOAD', headers: { 'content-encoding': 'aws-chunked, gzip' } })
    expect(r.status).toBe(200)
    const h = await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: B, key: 'label/unsigned' })
    expect(h.headers.get('content-encoding')).toBe('gzip')
    expect(h.headers.get('content-length')).toBe(String(body.length))
  })

  test('a wrong literal SHA-256 is still refused', async () => {
    const e = await errorOf(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: B, key: 'label/bad', body, payloadHash: createHash('sha256').update('x').digest('hex'), headers: { 'content-encoding': 'aws-chunked' } }))
    expect([e.status, e.code]).toEqual([400, 'XAmzContentSHA256Mismatch'])
    expect((await sdkError(s3.send(new HeadObjectCommand({ Bucket: B, Key: 'label/bad' })))).status).toBe(404)
  })
})
