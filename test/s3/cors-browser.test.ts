import { afterAll, beforeAll, describe, expect, setDefaultTimeout } from 'bun:test'
import { createHash } from 'node:crypto'
import { CreateBucketCommand, GetObjectCommand, PutBucketCorsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import type { Browser, Page } from 'playwright-core'
import { browserTest, haveChromium, launchChromium } from '../helpers/chromium'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client, s3Error } from '../helpers/s3-client'

/**
 * The real thing: headless Chromium loads a page from another origin (a tiny Bun.serve on its
 * own port) whose script fetches a presigned GET URL and does a presigned PUT. With a matching
 * CORS rule the page reads the bytes and the ETag and the PUT lands; without one the browser
 * blocks both (the PUT's preflight fails, so its body is never sent).
 */

setDefaultTimeout(120_000)

let srv: TestServer
let s3: S3Client
let presigner: S3Client
let page: Page
let browser: Browser
let site: ReturnType<typeof Bun.serve>
const ALLOWED = 'browser-cors'
const DENIED = 'browser-nocors'
const CONTENT = 'bytes for the browser ✓'

interface PageResult {
  get: { status: number; text: string; etag: string | null } | { error: string }
  put: { status: number; etag: string | null } | { error: string }
}

/** Runs in the page: a presigned GET, then a presigned PUT of `body`, as a web app would. */
async function fromPage(getUrl: string, putUrl: string, body: string): Promise<PageResult> {
  return page.evaluate(async ({ getUrl, putUrl, body }) => {
    const out = {} as { get: unknown; put: unknown }
    try {
      const r = await fetch(getUrl)
      out.get = { status: r.status, text: await r.text(), etag: r.headers.get('etag') }
    } catch (e) {
      out.get = { error: String(e) }
    }
    try {
      const r = await fetch(putUrl, { method: 'PUT', body, headers: { 'content-type': 'text/plain;charset=utf-8' } })
      out.put = { status: r.status, etag: r.headers.get('etag') }
    } catch (e) {
      out.put = { error: String(e) }
    }
    return out
  }, { getUrl, putUrl, body }) as Promise<PageResult>
}

const presign = async (bucket: string) => ({
  get: await getSignedUrl(presigner, new GetObjectCommand({ Bucket: bucket, Key: 'hello.txt' }), { expiresIn: 600 }),
  put: await getSignedUrl(presigner, new PutObjectCommand({ Bucket: bucket, Key: 'from-browser.txt' }), { expiresIn: 600 }),
})

beforeAll(async () => {
  if (!haveChromium) return
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
  // A presigned PUT must not pin a checksum of an empty body (the SDK's default does).
  presigner = s3Client(srv.s3Url, undefined, { requestChecksumCalculation: 'WHEN_REQUIRED' })
  for (const b of [ALLOWED, DENIED]) {
    await s3.send(new CreateBucketCommand({ Bucket: b }))
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'hello.txt', Body: CONTENT, ContentType: 'text/plain; charset=utf-8' }))
  }
  // prefix* wildcard: any port on the page's host.
  await s3.send(new PutBucketCorsCommand({ Bucket: ALLOWED, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['http://127.0.0.1:*'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] }] } }))
  await s3.send(new PutBucketCorsCommand({ Bucket: DENIED, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['https://somewhere-else.example'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'] }] } }))

  site = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('<!doctype html><title>another origin</title><p>CORS test page</p>', { headers: { 'content-type': 'text/html' } }) })
  browser = await launchChromium()
  page = await (await browser.newContext()).newPage()
  await page.goto(`http://127.0.0.1:${site.port}/`)
  expect(new URL(page.url()).origin).not.toBe(new URL(srv.s3Url).origin)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  site?.stop(true)
  await srv?.stop()
}, 60_000)

describe('a page on another origin, in headless Chromium', () => {
  browserTest('with a matching CORS rule: it reads a presigned GET (bytes and exposed ETag) and its presigned PUT lands', async () => {
    const urls = await presign(ALLOWED)
    const r = await fromPage(urls.get, urls.put, 'written by Chromium ✓')
    expect(r.get).toEqual({ status: 200, text: CONTENT, etag: `"${createHash('md5').update(CONTENT).digest('hex')}"` })
    expect(r.put).toEqual({ status: 200, etag: `"${createHash('md5').update('written by Chromium ✓').digest('hex')}"` })
    const landed = await s3.send(new GetObjectCommand({ Bucket: ALLOWED, Key: 'from-browser.txt' }))
    expect(await landed.Body!.transformToString()).toBe('written by Chromium ✓')
    expect(landed.ContentType).toBe('text/plain;charset=utf-8')
  })

  browserTest('without a matching rule: the browser blocks the GET and the PUT, and nothing is written', async () => {
    const urls = await presign(DENIED)
    const r = await fromPage(urls.get, urls.put, 'must not arrive')
    expect(r.get).toEqual({ error: 'TypeError: Failed to fetch' })
    expect(r.put).toEqual({ error: 'TypeError: Failed to fetch' })
    expect(await s3Error(s3.send(new GetObjectCommand({ Bucket: DENIED, Key: 'from-browser.txt' })))).toEqual({ code: 'NoSuchKey', status: 404 })
  })
})
