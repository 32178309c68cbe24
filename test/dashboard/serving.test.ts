/**
 * How the dashboard is served from the HTTP port: the page at / (never cached stale, strict CSP
 * naming only this origin and the S3 endpoint), hashed files under /assets/ (cached for good),
 * gzip, ETags, through the one pipeline (request id, log line), and small: the first load (page,
 * script, stylesheet) stays under 200 KB gzipped.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startInProcess, type InProcessTestServer } from '../helpers/server'
import { untilOutput } from '../helpers/output'

let server: InProcessTestServer
let html = ''
let assets: string[] = []

beforeAll(async () => {
  server = await startInProcess()
  const r = await fetch(`${server.httpUrl}/`)
  expect(r.status).toBe(200)
  html = await r.text()
  assets = [...html.matchAll(/\/assets\/([\w.-]+)/g)].map((m) => m[1])
}, 120_000)
afterAll(() => server.stop())

describe('the page', () => {
  test('HTML with the script and stylesheet by hashed name, no inline script or style', () => {
    expect(html).toStartWith('<!doctype html>')
    expect(html).toContain('<html lang="en">')
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">')
    expect(assets).toEqual([expect.stringMatching(/^main-[a-z0-9]+\.css$/), expect.stringMatching(/^main-[a-z0-9]+\.js$/)])
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/)
    expect(html).not.toMatch(/<style|style="/)
    // Nothing from another origin: no CDN fonts, scripts or styles.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
  })

  test('headers: no-cache, strict CSP naming the S3 endpoint, framing and sniffing off', async () => {
    const r = await fetch(`${server.httpUrl}/`)
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(r.headers.get('cache-control')).toBe('no-cache')
    const s3 = new URL(server.s3Url).origin
    expect(r.headers.get('content-security-policy')).toBe([
      "default-src 'none'", "script-src 'self'", "style-src 'self'", `img-src 'self' data: blob: ${s3}`, `media-src 'self' blob: ${s3}`,
      `frame-src blob: ${s3}`, `connect-src 'self' ${s3}`, "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ].join('; '))
    expect(r.headers.get('x-frame-options')).toBe('DENY')
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
    expect(r.headers.get('referrer-policy')).toBe('no-referrer')
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9A-F]{16}$/)
  })

  test('the CSP names the S3 endpoint on the host the browser used', async () => {
    const r = await fetch(`${server.httpUrl}/`, { headers: { host: `nas.example.lan:${new URL(server.httpUrl).port}` } })
    expect(r.headers.get('content-security-policy')).toContain(`connect-src 'self' http://nas.example.lan:${new URL(server.s3Url).port};`)
  })

  test('ETag: a revalidation is a 304 without a body', async () => {
    const first = await fetch(`${server.httpUrl}/`)
    const etag = first.headers.get('etag')!
    expect(etag).toMatch(/^"[\w-]{22}"$/)
    const again = await fetch(`${server.httpUrl}/`, { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
  })

  test('served through the pipeline: one log line with surface web', async () => {
    const r = await fetch(`${server.httpUrl}/`)
    const id = r.headers.get('x-request-id')!
    const out = await untilOutput(server, ` ${id} `, `the log line of ${id}`)
    const line = out.split('\n').find((l) => l.includes(` ${id} `))!
    expect(line).toContain('op=DashboardPage')
  })
})

describe('assets', () => {
  test('hashed files are immutable; the script is JavaScript, the stylesheet CSS', async () => {
    for (const a of assets) {
      const r = await fetch(`${server.httpUrl}/assets/${a}`)
      expect(r.status).toBe(200)
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      expect(r.headers.get('content-type')).toBe(a.endsWith('.js') ? 'text/javascript;charset=utf-8' : 'text/css;charset=utf-8')
      expect(r.headers.get('x-content-type-options')).toBe('nosniff')
    }
  })

  test('gzip when the client takes it, with Vary; plain bytes otherwise', async () => {
    const js = assets.find((a) => a.endsWith('.js'))!
    const plain = await fetch(`${server.httpUrl}/assets/${js}`, { headers: { 'accept-encoding': 'identity' }, decompress: false })
    const plainBytes = new Uint8Array(await plain.arrayBuffer())
    expect(plain.headers.get('content-encoding')).toBeNull()
    expect(plain.headers.get('vary')).toBe('Accept-Encoding')
    const gz = await fetch(`${server.httpUrl}/assets/${js}`, { headers: { 'accept-encoding': 'gzip, deflate, br' }, decompress: false })
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    const gzBytes = new Uint8Array(await gz.arrayBuffer())
    expect(Number(gz.headers.get('content-length'))).toBe(gzBytes.length)
    expect(Bun.gunzipSync(gzBytes)).toEqual(plainBytes)
  })

  test('an unknown asset is a JSON 404', async () => {
    const r = await fetch(`${server.httpUrl}/assets/main-nope.js`)
    expect(r.status).toBe(404)
    expect((await r.json()).error.code).toBe('NotFound')
  })

  test('first load (page + script + stylesheet) is under 200 KB gzipped', async () => {
    let total = 0
    for (const path of ['/', ...assets.map((a) => `/assets/${a}`)]) {
      const r = await fetch(`${server.httpUrl}${path}`, { headers: { 'accept-encoding': 'gzip' }, decompress: false })
      expect(r.headers.get('content-encoding')).toBe('gzip')
      total += (await r.arrayBuffer()).byteLength
    }
    expect(total).toBeLessThan(200 * 1024)
  })
})
