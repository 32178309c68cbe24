/**
 * The S3 port answers CORS for the appliance's own dashboard origin (the HTTP port on the host
 * the request was sent to, or the origin of the configured public-url) without any bucket CORS rule, and
 * only for requests with S3 credentials (preflights: of presigned URLs). Everything else keeps
 * S3's behaviour: no rule, no CORS.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'

let srv: TestServer
let proxied: TestServer
let s3: S3Client
let presigner: S3Client
const BUCKET = 'root' // the root admin's default bucket, no CORS configuration
let dashboard = ''

const presignPut = (key: string, client = presigner) => getSignedUrl(client, new PutObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 600 })
const presignGet = (key: string, client = presigner) => getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 600 })

function preflight(url: string, origin: string, method = 'PUT', headers = 'content-type') {
  return fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, ...(headers ? { 'access-control-request-headers': headers } : {}) } })
}

beforeAll(async () => {
  srv = await startInProcess()
  dashboard = srv.httpUrl // http://127.0.0.1:PORT
  s3 = s3Client(srv.s3Url)
  presigner = s3Client(srv.s3Url, undefined, { requestChecksumCalculation: 'WHEN_REQUIRED' })
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'hello.txt', Body: 'hello', ContentType: 'text/plain' }))
  proxied = await startInProcess({ env: { CLOUDSTORAGE_PUBLIC_URL: 'https://files.example.com/dashboard/' } })
}, 120_000)
afterAll(async () => {
  await srv.stop()
  await proxied.stop()
})

describe('preflights', () => {
  test('a presigned PUT from the dashboard origin is allowed, with the headers it asked for', async () => {
    const r = await preflight(await presignPut('up.txt'), dashboard, 'PUT', 'content-type,x-amz-meta-note')
    expect(r.status).toBe(200)
    expect(r.headers.get('access-control-allow-origin')).toBe(dashboard)
    expect(r.headers.get('access-control-allow-methods')).toBe('GET, PUT, POST, DELETE, HEAD')
    expect(r.headers.get('access-control-allow-headers')).toBe('content-type, x-amz-meta-note')
    expect(r.headers.get('access-control-allow-credentials')).toBeNull()
    expect(r.headers.get('vary')).toContain('Origin')
  })

  test.each([
    ['another port on the same host', () => dashboard.replace(/:\d+$/, ':1')],
    ['the S3 port itself', () => srv.s3Url],
    ['https instead of http', () => dashboard.replace('http:', 'https:')],
    ['another host name for the same address', () => dashboard.replace('127.0.0.1', 'localhost')],
    ['a suffix on the origin', () => `${dashboard}.evil.example`],
    ['the null origin', () => 'null'],
  ])('%s: no grant (403 AccessForbidden, as S3 answers without a rule)', async (_, origin) => {
    const r = await preflight(await presignPut('up.txt'), origin())
    expect(r.status).toBe(403)
    expect(await r.text()).toContain('<Code>AccessForbidden</Code>')
    expect(r.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('a URL that is not presigned gets no grant, even from the dashboard origin', async () => {
    const r = await preflight(`${srv.s3Url}/${BUCKET}/up.txt`, dashboard)
    expect(r.status).toBe(403)
    expect(r.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('a request header outside the allowed set gets no grant', async () => {
    const r = await preflight(await presignPut('up.txt'), dashboard, 'PUT', 'content-type,x-evil')
    expect(r.status).toBe(403)
  })

  test('a method S3 CORS does not know gets no grant', async () => {
    const r = await preflight(await presignPut('up.txt'), dashboard, 'PATCH')
    expect(r.status).toBe(403)
  })
})

describe('actual requests', () => {
  test('a presigned PUT from the dashboard: the answer is readable, ETag exposed; the bytes land', async () => {
    const url = await presignPut('from-dashboard.txt')
    const r = await fetch(url, { method: 'PUT', body: 'dashboard bytes', headers: { origin: dashboard } })
    expect(r.status).toBe(200)
    expect(r.headers.get('access-control-allow-origin')).toBe(dashboard)
    expect(r.headers.get('access-control-expose-headers')).toContain('ETag')
    expect(r.headers.get('etag')).toBe(`"${createHash('md5').update('dashboard bytes').digest('hex')}"`)
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'from-dashboard.txt' }))
    expect(await got.Body!.transformToString()).toBe('dashboard bytes')
  })

  test('errors of a presigned request are readable too (the page shows them)', async () => {
    const url = (await presignGet('missing.txt'))
    const r = await fetch(url, { headers: { origin: dashboard } })
    expect(r.status).toBe(404)
    expect(r.headers.get('access-control-allow-origin')).toBe(dashboard)
  })

  test('an anonymous request from the dashboard origin gets no CORS headers', async () => {
    const r = await fetch(`${srv.s3Url}/${BUCKET}/hello.txt`, { headers: { origin: dashboard } })
    expect(r.status).toBe(403)
    expect(r.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('a presigned request from another origin gets no CORS headers', async () => {
    const r = await fetch(await presignGet('hello.txt'), { headers: { origin: 'http://127.0.0.1:1' } })
    expect(r.status).toBe(200)
    expect(r.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('public-url (behind a reverse proxy)', () => {
  test('the configured origin is allowed; near misses are not', async () => {
    const client = s3Client(proxied.s3Url, undefined, { requestChecksumCalculation: 'WHEN_REQUIRED' })
    const url = await presignPut('p.txt', client)
    const ok = await preflight(url, 'https://files.example.com')
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://files.example.com')
    for (const origin of ['http://files.example.com', 'https://files.example.com:8443', 'https://evil-files.example.com']) {
      expect({ origin, status: (await preflight(url, origin)).status }).toEqual({ origin, status: 403 })
    }
    // The HTTP port's own origin still works alongside it.
    expect((await preflight(url, proxied.httpUrl)).status).toBe(200)
  })
})
