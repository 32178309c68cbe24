/**
 * A body shorter than its Content-Length (the client stops sending) is answered 400
 * RequestTimeout once no bytes arrived for `body-idle-timeout` seconds (1 s here), instead of
 * holding the request until the runtime drops the connection (255 s). Nothing partial is kept:
 * no object or part, no temp file, and the quota reserved for the declared length is released.
 * For S3 PutObject, UploadPart and aws-chunked bodies, and the REST API's raw and form uploads.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect } from 'node:net'
import { randomBytes } from 'node:crypto'
import { CreateMultipartUploadCommand, ListPartsCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { presignUrl, s3Fetch, signedRequest, xmlTag } from '../helpers/raw-s3'
import { apiAccount, blobFiles, eventually, expectUsage, type QuotaAccount } from '../quota/helpers'

let srv: TestServer
const Q = 400_000

beforeAll(async () => {
  srv = await startInProcess({ env: { CLOUDSTORAGE_BODY_IDLE_TIMEOUT: '1' } })
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

interface RawResponse { status: number; headers: Record<string, string>; body: string }

/**
 * Sends a request head and only part of its body over a plain socket, then waits (as long as it
 * takes) for the server's answer, which it parses.
 */
function stalledRequest(url: string, method: string, headers: Record<string, string>, partial: Uint8Array): Promise<RawResponse> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const sock = connect(Number(u.port), u.hostname)
    let data = Buffer.alloc(0)
    let parsed: RawResponse | null = null
    const tryParse = () => {
      const end = data.indexOf('\r\n\r\n')
      if (end < 0) return
      const lines = data.subarray(0, end).toString('latin1').split('\r\n')
      const status = Number(lines[0].split(' ')[1])
      const h: Record<string, string> = {}
      for (const l of lines.slice(1)) { const i = l.indexOf(':'); h[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim() }
      if (status === 100) { data = data.subarray(end + 4); return tryParse() }
      const len = Number(h['content-length'] ?? 0)
      if (data.length - end - 4 < len) return
      parsed = { status, headers: h, body: data.subarray(end + 4, end + 4 + len).toString('utf8') }
    }
    sock.on('data', (c: Buffer) => { data = Buffer.concat([data, c]); if (!parsed) tryParse(); if (parsed) { const p = parsed; sock.end(); resolve(p) } })
    sock.on('error', reject)
    sock.on('close', () => { if (!parsed) reject(new Error(`connection closed without an answer: ${data.toString('latin1')}`)) })
    const head = [`${method} ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n')
    sock.write(head)
    sock.write(partial)
  })
}

async function expectRequestTimeout(r: RawResponse) {
  expect(r.status).toBe(400)
  expect(xmlTag(r.body, 'Code')).toBe('RequestTimeout')
  expect(xmlTag(r.body, 'Message')).toBe('Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.')
  expect(r.headers.connection).toBe('close')
}

/** After a timed-out upload: nothing stored, nothing reserved (the whole quota still fits; once per account). */
async function expectNothingLeft(a: QuotaAccount, key: string, before: { blobs: string[] }) {
  expect((await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: a.bucket, key, creds: a })).status).toBe(404)
  await eventually(() => blobFiles(srv).tmp.length === 0, 'temp files to be removed')
  expect(blobFiles(srv).blobs).toEqual(before.blobs)
  await expectUsage(srv, a, 0)
  const fill = `fill-${key}`
  await s3Client(srv.s3Url, a).send(new PutObjectCommand({ Bucket: a.bucket, Key: fill, Body: randomBytes(Q) }))
  await expectUsage(srv, a, Q)
}

describe('S3: a body shorter than its Content-Length', () => {
  test('PutObject (presigned): 400 RequestTimeout after the idle timeout, nothing kept, quota released', async () => {
    const a = await apiAccount(srv, Q)
    const before = blobFiles(srv)
    const url = await presignUrl(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'short', creds: a, presign: { expires: 300 } })
    const r = await stalledRequest(url, 'PUT', { 'Content-Length': String(Q - 1000) }, randomBytes(70_000))
    await expectRequestTimeout(r)
    await expectNothingLeft(a, 'short', before)
  }, 60_000)

  test('PutObject (header-signed, UNSIGNED-PAYLOAD) and UploadPart', async () => {
    const a = await apiAccount(srv, Q)
    const before = blobFiles(srv)
    const req = await signedRequest(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'signed-short', creds: a, payloadHash: 'UNSIGNED-PAYLOAD', body: null })
    const h = Object.fromEntries([...req.headers].filter(([k]) => k !== 'host'))
    await expectRequestTimeout(await stalledRequest(req.url, 'PUT', { ...h, 'Content-Length': '5000' }, randomBytes(10)))

    const s3 = s3Client(srv.s3Url, a)
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: a.bucket, Key: 'mp' }))
    const partUrl = await presignUrl(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'mp', query: { partNumber: '1', uploadId: up.UploadId! }, creds: a, presign: { expires: 300 } })
    await expectRequestTimeout(await stalledRequest(partUrl, 'PUT', { 'Content-Length': '300000' }, randomBytes(100_000)))
    expect((await s3.send(new ListPartsCommand({ Bucket: a.bucket, Key: 'mp', UploadId: up.UploadId }))).Parts).toBeUndefined()
    await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: a.bucket, key: 'mp', query: { uploadId: up.UploadId! }, creds: a })
    await expectNothingLeft(a, 'signed-short', before)
  }, 60_000)

  test('an aws-chunked body that stops mid-chunk', async () => {
    const a = await apiAccount(srv, Q)
    const before = blobFiles(srv)
    const req = await signedRequest(srv.s3Url, {
      method: 'PUT', bucket: a.bucket, key: 'chunked-short', creds: a, payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', body: null,
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '100000' },
    })
    const h = Object.fromEntries([...req.headers].filter(([k]) => k !== 'host'))
    // One framed chunk header announcing 100000 bytes, then only 2000 of them.
    const partial = Buffer.concat([Buffer.from(`${(100_000).toString(16)}\r\n`), randomBytes(2000)])
    await expectRequestTimeout(await stalledRequest(req.url, 'PUT', { ...h, 'Content-Length': '100100' }, partial))
    await expectNothingLeft(a, 'chunked-short', before)
  }, 60_000)

  test('a complete body in time is unaffected', async () => {
    const a = await apiAccount(srv, Q)
    await s3Client(srv.s3Url, a).send(new PutObjectCommand({ Bucket: a.bucket, Key: 'whole', Body: randomBytes(1000) }))
    expect(await sdkError(s3Client(srv.s3Url, a).send(new PutObjectCommand({ Bucket: 'no-such-bucket-timeout', Key: 'k', Body: 'x' })))).toEqual({ name: 'NoSuchBucket', status: 404 })
    await expectUsage(srv, a, 1000)
  })
})

describe('REST API: a stalled upload body', () => {
  test('raw upload (POST /api/v1/files) and form upload: 400 RequestTimeout JSON, nothing kept', async () => {
    const a = await apiAccount(srv, Q)
    const before = blobFiles(srv)
    const url = `${srv.httpUrl}/api/v1/files?bucket=${a.bucket}&key=rest-short`
    const raw = await stalledRequest(url, 'POST', { 'X-API-Key': a.apiKey, 'Content-Type': 'application/octet-stream', 'Content-Length': '200000' }, randomBytes(50_000))
    expect(raw.status).toBe(400)
    expect(JSON.parse(raw.body).error.code).toBe('RequestTimeout')

    const boundary = 'cs-boundary-7f3a'
    const formHead = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nform-short\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`)
    const form = await stalledRequest(`${srv.httpUrl}/api/v1/files?bucket=${a.bucket}`, 'POST',
      { 'X-API-Key': a.apiKey, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': '300000' }, Buffer.concat([formHead, randomBytes(40_000)]))
    expect(form.status).toBe(400)
    expect(JSON.parse(form.body).error.code).toBe('RequestTimeout')
    await expectNothingLeft(a, 'rest-short', before)
    expect((await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: a.bucket, key: 'form-short', creds: a })).status).toBe(404)
  }, 60_000)
})
