import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutBucketCorsCommand, PutObjectCommand, type CORSRule, type S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { errorOf, xmlTag } from '../helpers/raw-s3'

/**
 * CORS as S3 answers it (status, error code and message, Method/ResourceType, and the exact
 * Access-Control-* headers), for preflights and for actual requests — presigned ones included.
 * The browser-level proof is cors-browser.test.ts.
 */

setDefaultTimeout(120_000)

let srv: TestServer
let s3: S3Client
const B = 'cors-rules'
const NONE = 'cors-none'
const VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method'

const RULES: CORSRule[] = [
  { AllowedOrigins: ['http://*.example.com'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag', 'x-amz-request-id'], MaxAgeSeconds: 600 },
  { AllowedOrigins: ['https://app-*'], AllowedMethods: ['GET'], AllowedHeaders: ['x-amz-date', 'Content-Type'] },
  { AllowedOrigins: ['https://static.*.cdn.test'], AllowedMethods: ['HEAD'] },
  { AllowedOrigins: ['*'], AllowedMethods: ['DELETE'] },
]

const preflight = (path: string, headers: Record<string, string>) => fetch(`${srv.s3Url}${path}`, { method: 'OPTIONS', headers })
const corsHeaders = (r: Response) => Object.fromEntries([...r.headers].filter(([k]) => k.startsWith('access-control-') || k === 'vary'))

beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
  await s3.send(new CreateBucketCommand({ Bucket: B }))
  await s3.send(new CreateBucketCommand({ Bucket: NONE }))
  await s3.send(new PutBucketCorsCommand({ Bucket: B, CORSConfiguration: { CORSRules: RULES } }))
  await s3.send(new PutObjectCommand({ Bucket: B, Key: 'hello.txt', Body: 'hello' }))
  await s3.send(new PutObjectCommand({ Bucket: NONE, Key: 'hello.txt', Body: 'hello' }))
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

describe('preflight errors, as S3 answers them', () => {
  test('no Origin: 400 BadRequest "Insufficient information. Origin request header needed." (object, bucket, service root, missing bucket)', async () => {
    for (const path of [`/${B}/hello.txt`, `/${B}`, '/', '/no-such-bucket-cors/k']) {
      const e = await errorOf(await preflight(path, { 'access-control-request-method': 'GET' }))
      expect({ path, status: e.status, code: e.code, message: e.message }).toEqual({ path, status: 400, code: 'BadRequest', message: 'Insufficient information. Origin request header needed.' })
    }
  })

  test('a missing bucket: 403 AccessForbidden "CORSResponse: Bucket not found"', async () => {
    const e = await errorOf(await preflight('/no-such-bucket-cors/k', { origin: 'http://a.example.com', 'access-control-request-method': 'PUT' }))
    expect([e.status, e.code, e.message]).toEqual([403, 'AccessForbidden', 'CORSResponse: Bucket not found'])
    expect([xmlTag(e.body, 'Method'), xmlTag(e.body, 'ResourceType')]).toEqual(['PUT', 'BUCKET'])
  })

  test('a bucket without CORS: 403 "CORS is not enabled for this bucket.", with or without Access-Control-Request-Method', async () => {
    for (const [headers, method] of [[{ origin: 'http://a.example.com', 'access-control-request-method': 'PUT' }, 'PUT'], [{ origin: 'http://a.example.com' }, 'OPTIONS']] as const) {
      const e = await errorOf(await preflight(`/${NONE}/hello.txt`, headers))
      expect([e.status, e.code, e.message, xmlTag(e.body, 'Method'), xmlTag(e.body, 'ResourceType')]).toEqual([403, 'AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.', method, 'BUCKET'])
    }
  })

  test('no matching rule: 403 AccessForbidden with Method and ResourceType (OBJECT for a key, BUCKET for the bucket)', async () => {
    const obj = await errorOf(await preflight(`/${B}/hello.txt`, { origin: 'http://evil.test', 'access-control-request-method': 'GET' }))
    expect([obj.status, obj.code, xmlTag(obj.body, 'Method'), xmlTag(obj.body, 'ResourceType')]).toEqual([403, 'AccessForbidden', 'GET', 'OBJECT'])
    expect(obj.message).toStartWith('CORSResponse: This CORS request is not allowed.')
    const bucket = await errorOf(await preflight(`/${B}`, { origin: 'http://evil.test', 'access-control-request-method': 'GET' }))
    expect([bucket.status, xmlTag(bucket.body, 'ResourceType')]).toEqual([403, 'BUCKET'])
    // Origin matches a rule but no Access-Control-Request-Method: nothing to allow.
    const noMethod = await errorOf(await preflight(`/${B}/hello.txt`, { origin: 'http://a.example.com' }))
    expect([noMethod.status, noMethod.code, xmlTag(noMethod.body, 'Method')]).toEqual([403, 'AccessForbidden', 'OPTIONS'])
  })
})

describe('origin wildcards (one * per AllowedOrigin)', () => {
  const CASES: Array<[string, string, boolean]> = [
    // *suffix-style: http://*.example.com
    ['http://a.example.com', 'GET', true],
    ['http://deep.sub.example.com', 'PUT', true],
    ['https://a.example.com', 'GET', false], // scheme is part of the pattern
    ['http://a.example.com.evil.test', 'GET', false], // must end with the suffix
    ['http://a.example.com:8080', 'GET', false], // the port too
    ['http://example.com', 'GET', false],
    // prefix*: https://app-*
    ['https://app-1.test', 'GET', true],
    ['https://app-staging.example.org:8443', 'GET', true],
    ['https://ap-1.test', 'GET', false],
    ['https://app-1.test', 'PUT', false], // that rule allows GET only
    // start*end: https://static.*.cdn.test
    ['https://static.eu.cdn.test', 'HEAD', true],
    ['https://static.eu.cdn.test.evil', 'HEAD', false],
    ['https://statics.cdn.test', 'HEAD', false],
  ]
  for (const [origin, method, allowed] of CASES) {
    test(`${origin} ${method} → ${allowed ? 'allowed' : 'forbidden'}`, async () => {
      const r = await preflight(`/${B}/hello.txt`, { origin, 'access-control-request-method': method })
      expect(r.status).toBe(allowed ? 200 : 403)
      expect(r.headers.get('access-control-allow-origin')).toBe(allowed ? origin : null)
    })
  }

  test('a matched preflight carries exactly S3\'s headers; requested headers come back lower-cased', async () => {
    const r = await preflight(`/${B}/hello.txt`, { origin: 'http://a.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'Content-Type, X-Amz-Date' })
    expect(r.status).toBe(200)
    expect(corsHeaders(r)).toEqual({
      'access-control-allow-origin': 'http://a.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, PUT',
      'access-control-allow-headers': 'content-type, x-amz-date',
      'access-control-expose-headers': 'ETag, x-amz-request-id',
      'access-control-max-age': '600',
      vary: VARY,
    })
    expect(await r.text()).toBe('')
  })

  test('AllowedHeader is matched case-insensitively; a header no rule allows is refused', async () => {
    const ok = await preflight(`/${B}/hello.txt`, { origin: 'https://app-1.test', 'access-control-request-method': 'GET', 'access-control-request-headers': 'X-AMZ-DATE,content-type' })
    expect([ok.status, ok.headers.get('access-control-allow-headers')]).toEqual([200, 'x-amz-date, content-type'])
    const no = await preflight(`/${B}/hello.txt`, { origin: 'https://app-1.test', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-amz-date, x-custom' })
    expect(no.status).toBe(403)
  })

  test('a rule for any origin answers *, without credentials', async () => {
    const r = await preflight(`/${B}/hello.txt`, { origin: 'https://anyone.test', 'access-control-request-method': 'DELETE' })
    expect(corsHeaders(r)).toEqual({ 'access-control-allow-origin': '*', 'access-control-allow-methods': 'DELETE', vary: VARY })
  })
})

describe('actual requests', () => {
  test('GET/HEAD from a matching origin carry the rule\'s headers; others and requests without Origin carry none', async () => {
    const get = await fetch(`${srv.s3Url}/${B}/hello.txt`, { headers: { origin: 'http://a.example.com' } })
    expect(get.status).toBe(403) // private bucket, anonymous: still a CORS-readable answer
    expect(get.headers.get('access-control-allow-origin')).toBe('http://a.example.com')
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: 'hello.txt' }), { expiresIn: 600 })
    const signed = await fetch(url, { headers: { origin: 'http://a.example.com' } })
    expect(signed.status).toBe(200)
    expect(await signed.text()).toBe('hello')
    expect(corsHeaders(signed)).toEqual({
      'access-control-allow-origin': 'http://a.example.com', 'access-control-allow-credentials': 'true', 'access-control-allow-methods': 'GET, PUT',
      'access-control-expose-headers': 'ETag, x-amz-request-id', 'access-control-max-age': '600', vary: VARY,
    })
    const headUrl = await getSignedUrl(s3, new HeadObjectCommand({ Bucket: B, Key: 'hello.txt' }), { expiresIn: 600 })
    const head = await fetch(headUrl, { method: 'HEAD', headers: { origin: 'https://static.eu.cdn.test' } })
    expect(corsHeaders(head)).toEqual({ 'access-control-allow-origin': 'https://static.eu.cdn.test', 'access-control-allow-credentials': 'true', 'access-control-allow-methods': 'HEAD', vary: VARY })
    expect([head.status, head.headers.get('content-length')]).toEqual([200, '5'])
    // A GET URL used for HEAD fails its signature; the 403 still carries the CORS headers.
    const wrong = await fetch(url, { method: 'HEAD', headers: { origin: 'https://static.eu.cdn.test' } })
    expect([wrong.status, wrong.headers.get('access-control-allow-origin')]).toEqual([403, 'https://static.eu.cdn.test'])
    expect((await fetch(url, { headers: { origin: 'http://evil.test' } })).headers.get('access-control-allow-origin')).toBeNull()
    expect(corsHeaders(await fetch(url))).toEqual({})
    expect(corsHeaders(await fetch(url.replace(`/${B}/`, `/${NONE}/`), { headers: { origin: 'http://a.example.com' } }))).toEqual({})
  })

  test('an error such as NoSuchKey from a matching origin is readable by the page (CORS headers present)', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: 'missing.txt' }), { expiresIn: 600 })
    const r = await fetch(url, { headers: { origin: 'http://a.example.com' } })
    expect((await errorOf(r)).code).toBe('NoSuchKey')
    expect(r.headers.get('access-control-allow-origin')).toBe('http://a.example.com')
  })

  test('as on S3, an actual request carrying Access-Control-Request-Method/-Headers is judged by them', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: 'hello.txt' }), { expiresIn: 600 })
    const wrongMethod = await fetch(url, { headers: { origin: 'https://app-1.test', 'access-control-request-method': 'PUT' } })
    expect([wrongMethod.status, wrongMethod.headers.get('access-control-allow-origin')]).toEqual([200, null])
    const wrongHeader = await fetch(url, { headers: { origin: 'https://app-1.test', 'access-control-request-headers': 'x-custom' } })
    expect([wrongHeader.status, wrongHeader.headers.get('access-control-allow-origin')]).toEqual([200, null])
    const plain = await fetch(url, { headers: { origin: 'https://app-1.test', 'x-custom': '1' } })
    expect([plain.status, plain.headers.get('access-control-allow-origin')]).toEqual([200, 'https://app-1.test'])
  })

  test('the preflight of a presigned PUT (OPTIONS on the presigned URL) is not checked as a signature', async () => {
    const put = s3Client(srv.s3Url, undefined, { requestChecksumCalculation: 'WHEN_REQUIRED' })
    const url = await getSignedUrl(put, new PutObjectCommand({ Bucket: B, Key: 'up.txt' }), { expiresIn: 600 })
    const pre = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://a.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } })
    expect(pre.status).toBe(200)
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://a.example.com')
    const r = await fetch(url, { method: 'PUT', body: 'uploaded', headers: { origin: 'http://a.example.com', 'content-type': 'text/plain' } })
    expect(r.status).toBe(200)
    expect(r.headers.get('access-control-allow-origin')).toBe('http://a.example.com')
    expect(r.headers.get('access-control-expose-headers')).toBe('ETag, x-amz-request-id')
    expect(await (await s3.send(new GetObjectCommand({ Bucket: B, Key: 'up.txt' }))).Body!.transformToString()).toBe('uploaded')
  })
})
