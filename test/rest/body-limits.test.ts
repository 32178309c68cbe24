import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { ROOT_EMAIL, ROOT_PASSWORD, startServer, type ProcessTestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { errorOf, signedRequest } from '../helpers/raw-s3'
import { api, expectError, ROOT_API_KEY } from './rest-helpers'

/*
 * Every small body (JSON, S3 XML, form fields) is bounded before it is read: a declared
 * Content-Length over the cap is refused without reading a byte, and a body without one
 * (chunked) is cut off at the cap. 512 MiB sent at an unauthenticated route must neither be
 * read to the end nor grow the server's memory.
 */

const TOTAL = 512 * 1024 * 1024
const MiB = 1024 * 1024
let srv: ProcessTestServer

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024

/** A generated body of `total` bytes (never held in memory) and how much of it was pulled. */
function bigBody(total = TOTAL) {
  const chunk = new Uint8Array(256 * 1024).fill(0x7b) // '{'
  let sent = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= total) return c.close()
      const n = Math.min(chunk.length, total - sent)
      c.enqueue(n === chunk.length ? chunk : chunk.subarray(0, n))
      sent += n
    },
  })
  return { stream, sent: () => sent }
}

interface Sent { status: number; text: string; sent: number; growth: number }

/** Sends 512 MiB (with or without a declared length) and reports status, bytes pulled, RSS growth. */
async function flood(url: string, init: { method: string; headers: Record<string, string> }, declared: boolean): Promise<Sent> {
  const pid = srv.proc.pid
  const before = rssOf(pid)
  const body = bigBody()
  const headers = { ...init.headers, ...(declared ? { 'content-length': String(TOTAL) } : {}) }
  const res = await fetch(url, { method: init.method, headers, body: body.stream, duplex: 'half' } as RequestInit)
  const text = await res.text()
  const growth = rssOf(pid) - before
  await body.stream.cancel().catch(() => {})
  return { status: res.status, text, sent: body.sent(), growth }
}

beforeAll(async () => {
  srv = await startServer({ env: { CLOUDSTORAGE_SIGNUP: 'open' } })
  await s3Client(srv.s3Url).send(new CreateBucketCommand({ Bucket: 'limits' }))
  // Warm the paths up so the measurement sees the body, not first-use allocations.
  for (const path of ['/api/auth/login', '/api/auth/signup']) await api(srv, 'POST', path, { json: { email: 'warm@test.local', password: 'x'.repeat(70_000) } })
  await api(srv, 'POST', '/api/auth/login', { json: { email: ROOT_EMAIL, password: ROOT_PASSWORD } })
}, 60_000)
afterAll(async () => {
  await srv?.stop()
})

describe('unauthenticated JSON routes', () => {
  for (const path of ['/api/auth/login', '/api/auth/signup', '/api/no/such/route']) {
    for (const declared of [true, false]) {
      test(`POST ${path}: 512 MiB ${declared ? 'with Content-Length' : 'chunked'} → answered without reading it, RSS growth < 16 MB`, async () => {
        const r = await flood(srv.httpUrl + path, { method: 'POST', headers: { 'content-type': 'application/json' } }, declared)
        if (path === '/api/no/such/route') expect(r.status).toBe(404)
        else {
          expect(r.status).toBe(413)
          expect(JSON.parse(r.text).error.code).toBe('RequestEntityTooLarge')
        }
        expect(r.sent).toBeLessThan(64 * MiB)
        expect(r.growth).toBeLessThan(16 * 1e6)
      }, 120_000)
    }
  }

  test('bodies under the cap still work, and one byte over is refused', async () => {
    const ok = await api(srv, 'POST', '/api/auth/login', { json: { email: ROOT_EMAIL, password: ROOT_PASSWORD } })
    expect(ok.status).toBe(200)
    const pad = (n: number) => JSON.stringify({ email: ROOT_EMAIL, password: ROOT_PASSWORD, pad: '' }).length + n
    const exact = JSON.stringify({ email: ROOT_EMAIL, password: ROOT_PASSWORD, pad: 'p'.repeat(64 * 1024 - pad(0)) })
    expect(Buffer.byteLength(exact)).toBe(64 * 1024)
    // 64 KiB exactly is within the cap (an unknown field is then a validation error, not 413).
    expectError(await api(srv, 'POST', '/api/auth/login', { body: exact, headers: { 'content-type': 'application/json' } }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/auth/login', { body: exact + ' ', headers: { 'content-type': 'application/json' } }), 413, 'RequestEntityTooLarge')
  })

  test('an authenticated JSON route is capped the same way', async () => {
    const r = await flood(`${srv.httpUrl}/api/buckets`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': ROOT_API_KEY } }, false)
    expect(r.status).toBe(413)
    expect(r.sent).toBeLessThan(64 * MiB)
    expect(r.growth).toBeLessThan(16 * 1e6)
  }, 120_000)
})

describe('S3 XML bodies', () => {
  /** Header-signed PutBucketCors with an unsigned payload, so the body can stream. */
  async function signedCors(extra: Record<string, string>, payloadHash = 'UNSIGNED-PAYLOAD') {
    const req = await signedRequest(srv.s3Url, { method: 'PUT', bucket: 'limits', query: { cors: '' }, payloadHash, headers: extra })
    const headers: Record<string, string> = {}
    req.headers.forEach((v, k) => { headers[k] = v })
    return { url: req.url, headers }
  }

  for (const declared of [true, false]) {
    test(`PutBucketCors: 512 MiB ${declared ? 'with Content-Length' : 'chunked'} → 400 MaxMessageLengthExceeded without reading it`, async () => {
      const { url, headers } = await signedCors({})
      const r = await flood(url, { method: 'PUT', headers }, declared)
      expect(r.status).toBe(400)
      expect(r.text).toContain('<Code>MaxMessageLengthExceeded</Code>')
      expect(r.sent).toBeLessThan(64 * MiB)
      expect(r.growth).toBeLessThan(16 * 1e6)
    }, 120_000)
  }

  test('DeleteObjects: an aws-chunked body declaring 512 MiB decoded is refused before reading', async () => {
    const req = await signedRequest(srv.s3Url, {
      method: 'POST', bucket: 'limits', query: { delete: '' }, payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(TOTAL), 'x-amz-trailer': 'x-amz-checksum-crc32' },
    })
    const headers: Record<string, string> = {}
    req.headers.forEach((v, k) => { headers[k] = v })
    const r = await flood(req.url, { method: 'POST', headers }, false)
    expect(r.status).toBe(400)
    expect(r.text).toContain('<Code>MaxMessageLengthExceeded</Code>')
    expect(r.sent).toBeLessThan(64 * MiB)
  }, 120_000)

  test('anonymous DeleteObjects with 512 MiB is refused before the body is read', async () => {
    const r = await flood(`${srv.s3Url}/limits?delete`, { method: 'POST', headers: {} }, true)
    expect(r.status).toBe(403)
    expect(r.sent).toBeLessThan(64 * MiB)
    expect(r.growth).toBeLessThan(16 * 1e6)
  }, 120_000)

  test('a normal CORS document still works', async () => {
    const xml = '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>'
    const req = await signedRequest(srv.s3Url, { method: 'PUT', bucket: 'limits', query: { cors: '' }, body: xml })
    expect((await fetch(req)).status).toBe(200)
    const big = `<CORSConfiguration>${' '.repeat(64 * 1024)}</CORSConfiguration>`
    const e = await errorOf(await fetch(await signedRequest(srv.s3Url, { method: 'PUT', bucket: 'limits', query: { cors: '' }, body: big })))
    expect([e.status, e.code]).toEqual([400, 'MaxMessageLengthExceeded'])
  })
})

describe('multipart form fields', () => {
  const form = (parts: string[], boundary = 'xBOUNDARYx') => ({
    body: parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('') + `--${boundary}--\r\n`,
    headers: { 'x-api-key': ROOT_API_KEY, 'content-type': `multipart/form-data; boundary=${boundary}` },
  })
  const field = (name: string, value: string) => `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`
  const file = (value: string) => `Content-Disposition: form-data; name="file"; filename="f.txt"\r\nContent-Type: text/plain\r\n\r\n${value}`

  test('a text field over 4096 bytes is 413; nothing is stored', async () => {
    const f = form([field('bucket', 'limits'), field('key', 'k'.repeat(5000)), file('data')])
    expectError(await api(srv, 'POST', '/api/v1/files', f), 413, 'RequestEntityTooLarge')
    const list = await api(srv, 'GET', '/api/v1/files?bucket=limits', { headers: { 'x-api-key': ROOT_API_KEY } })
    expect(list.status).toBe(200)
    expect(JSON.stringify(list.body)).not.toContain('kkkk')
  })

  test('too many fields or parts is 400; a normal form uploads', async () => {
    const many = form([field('bucket', 'limits'), field('key', 'a'), field('key', 'b'), field('key', 'c'), file('data')])
    expectError(await api(srv, 'POST', '/api/v1/files', many), 400, 'ValidationError')
    const ok = await api(srv, 'POST', '/api/v1/files', form([field('bucket', 'limits'), field('key', 'ok.txt'), file('data')]))
    expect(ok.status).toBe(201)
  })
})
