/**
 * What the admin API adds for the TUI and the dashboard's admin page: the full overview (URLs,
 * disk, request rate and errors, webhook queue, last background passes), password reset and an
 * account's keys and buckets; and the poll header that keeps the TUI's refreshes out of the
 * request log and the metrics, which nothing else can use to hide traffic.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createServer, type Server } from 'node:http'
import { ListBucketsCommand } from '@aws-sdk/client-s3'
import { Metrics, RATE_WINDOW } from '../../src/metrics/metrics'
import { startInProcess, type InProcessTestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { adminHeaders, api, createAccount, expectError, keyHeaders, login, ROOT_API_KEY } from './rest-helpers'
import { until as untilTruthy } from '../helpers/wait'

setDefaultTimeout(120_000)

let srv: InProcessTestServer
let clock = Date.now()
let hook: Server
let hookUrl = ''
beforeAll(async () => {
  // A receiver that never answers: a delivery to it stays queued (retries an hour apart).
  hook = createServer(() => {})
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()))
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`
  srv = await startInProcess({ now: () => clock, env: { CLOUDSTORAGE_WEBHOOK_ALLOWLIST: '127.0.0.1', CLOUDSTORAGE_WEBHOOK_RETRY_BASE_MS: '3600000' } })
})
afterAll(async () => {
  await srv?.stop()
  hook?.closeAllConnections()
  hook?.close()
})

const overview = async () => {
  const r = await api(srv, 'GET', '/api/admin/overview', { headers: adminHeaders(srv) })
  expect(r.status).toBe(200)
  return r.body
}

/** The first value of `read` that `ok` accepts; a timeout shows the last one read. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  let last: T | undefined
  return (await untilTruthy(async () => { const v = (last = await read()); return ok(v) && { v } }, () => `${what}: ${JSON.stringify(last)}`)).v
}

describe('GET /api/admin/overview', () => {
  test('urls, data dir, disk, requests, webhook queue, background passes, totals', async () => {
    const o = await overview()
    expect(Object.keys(o).sort()).toEqual([
      'accounts', 'background', 'buckets', 'bytesIn', 'bytesOut', 'dataDir', 'disk', 'multipartUploads', 'quotaRejected', 'rateLimited',
      'region', 'requests', 'storage', 'uptimeSeconds', 'urls', 'version', 'webhookQueueDepth',
    ])
    expect(o.urls).toEqual({ s3: srv.s3Url, http: srv.httpUrl })
    expect(o.dataDir).toBe(srv.dataDir)
    expect(o.disk.totalBytes).toBeGreaterThan(0)
    expect(o.disk.freeBytes).toBeGreaterThan(0)
    expect(o.disk.freeBytes).toBeLessThanOrEqual(o.disk.totalBytes)
    expect(o.requests).toEqual({ total: expect.any(Number), errors: expect.any(Number), perSecond: expect.any(Number) })
    expect(o.webhookQueueDepth).toBe(0)
    expect(o.region).toBe('eu-central-1')
  })

  test('requests: the total counts answers, perSecond the last 10 s on the appliance clock', async () => {
    clock += 60_000
    const before = (await overview()).requests
    for (let i = 0; i < 20; i++) await api(srv, 'GET', '/healthz')
    clock += 1000
    const after = (await overview()).requests
    // The 20 probes and the overview read before them, in the last whole seconds.
    expect(after.total).toBe(before.total + 21)
    expect(after.perSecond).toBe(2.1)
    // Only that overview read is still inside the window; then nothing is.
    clock += RATE_WINDOW * 1000
    expect((await overview()).requests.perSecond).toBe(0.1)
    clock += 2 * RATE_WINDOW * 1000
    expect((await overview()).requests.perSecond).toBe(0)
  })

  test('requests.errors counts 5xx answers only', () => {
    const m = new Metrics(() => 5_000)
    m.recordRequest({ surface: 's3', operation: 'GetObject', status: 404, seconds: 0, bytesIn: 0, bytesOut: 0, error: 'NoSuchKey' })
    m.recordRequest({ surface: 's3', operation: 'PutObject', status: 500, seconds: 0, bytesIn: 0, bytesOut: 0, error: 'InternalError' })
    m.recordRequest({ surface: 's3', operation: 'PutObject', status: 503, seconds: 0, bytesIn: 0, bytesOut: 0, error: 'SlowDown' })
    expect(m.requestSummary()).toEqual({ total: 3, errors: 2, perSecond: 0 })
  })

  test('the webhook queue depth counts deliveries waiting', async () => {
    const created = await api(srv, 'POST', '/api/webhooks', { headers: keyHeaders(ROOT_API_KEY), json: { url: hookUrl, events: ['bucket.created'] } })
    expect(created.status).toBe(201)
    expect((await api(srv, 'POST', '/api/buckets', { headers: keyHeaders(ROOT_API_KEY), json: { name: 'queue-probe' } })).status).toBe(201)
    const o = await until(overview, (x) => x.webhookQueueDepth === 1, 'one queued delivery')
    expect(o.webhookQueueDepth).toBe(1)
    await api(srv, 'DELETE', `/api/webhooks?id=${created.body.id}`, { headers: keyHeaders(ROOT_API_KEY) })
  })

  test('background: the last GC and retention passes, when and how they went', async () => {
    await srv.runBackgroundJobs()
    const o = await overview()
    expect(o.background.gc).toEqual({ at: new Date(clock).toISOString(), ok: true, detail: expect.stringMatching(/^\d+ dead blobs, \d+ stale uploads, \d+ image renditions/) })
    expect(o.background.retention).toEqual({ at: new Date(clock).toISOString(), ok: true, detail: expect.stringMatching(/^\d+ expired versions? pruned$/) })
  })
})

describe('admin: password reset, an account\'s keys and buckets', () => {
  test('reset: the new password works, the old does not, sessions end; weak, unknown, non-admin refused', async () => {
    const a = await createAccount(srv)
    const s = await login(srv, a.email, a.password)
    const r = await api(srv, 'POST', `/api/admin/accounts/${a.id}/password`, { headers: adminHeaders(srv), json: { password: 'a-brand-new-password' } })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ success: true })
    expectError(await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } }), 401, 'Unauthorized')
    expectError(await api(srv, 'POST', '/api/auth/login', { json: { email: a.email, password: a.password } }), 401, 'InvalidCredentials')
    expect((await api(srv, 'POST', '/api/auth/login', { json: { email: a.email, password: 'a-brand-new-password' } })).status).toBe(200)
    // Keys are untouched.
    expect((await api(srv, 'GET', '/api/keys', { headers: keyHeaders(a.apiKey) })).status).toBe(200)
    expectError(await api(srv, 'POST', `/api/admin/accounts/${a.id}/password`, { headers: adminHeaders(srv), json: { password: 'short' } }), 400, 'WeakPassword')
    expectError(await api(srv, 'POST', '/api/admin/accounts/NOPE/password', { headers: adminHeaders(srv), json: { password: 'long-enough-password' } }), 404, 'NoSuchAccount')
    expectError(await api(srv, 'POST', `/api/admin/accounts/${a.id}/password`, { headers: keyHeaders(a.apiKey), json: { password: 'long-enough-password' } }), 403, 'AccessDenied')
  })

  test('an account\'s keys (no secrets) and buckets (with usage)', async () => {
    const a = await createAccount(srv)
    await api(srv, 'POST', '/api/buckets', { headers: keyHeaders(a.apiKey), json: { name: `${a.bucket}-extra` } })
    const keys = await api(srv, 'GET', `/api/admin/accounts/${a.id}/keys`, { headers: adminHeaders(srv) })
    expect(keys.status).toBe(200)
    expect(keys.body.keys).toEqual([{ id: a.accessKey, accessKey: a.accessKey, name: 'default', createdAt: expect.any(String), lastUsedAt: expect.any(String) }])
    expect(keys.text).not.toContain(a.secretKey)
    const buckets = await api(srv, 'GET', `/api/admin/accounts/${a.id}/buckets`, { headers: adminHeaders(srv) })
    expect(buckets.body.buckets.map((b: { name: string }) => b.name).sort()).toEqual([a.bucket, `${a.bucket}-extra`].sort())
    expect(buckets.body.buckets[0].usage).toEqual({ bytes: 0, storedBytes: 0, objects: 0 })
    expectError(await api(srv, 'GET', '/api/admin/accounts/NOPE/keys', { headers: adminHeaders(srv) }), 404, 'NoSuchAccount')
    expectError(await api(srv, 'GET', '/api/admin/accounts/NOPE/buckets', { headers: adminHeaders(srv) }), 404, 'NoSuchAccount')
    expectError(await api(srv, 'GET', `/api/admin/accounts/${a.id}/keys`, { headers: keyHeaders(a.apiKey) }), 403, 'AccessDenied')
  })
})

describe('X-CloudStorage-Poll: 1', () => {
  const POLL = { 'x-cloudstorage-poll': '1' }
  /** Request log lines that carry this request id. */
  const logged = (requestId: string | null) => srv.output().split('\n').filter((l) => requestId && l.includes(` ${requestId} `)).length
  const total = async () => {
    const r = await fetch(`${srv.httpUrl}/metrics`, { headers: adminHeaders(srv) })
    return [...(await r.text()).matchAll(/^cloudstorage_requests_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0)
  }

  test('GETs on the admin and dashboard API by the admin token, an API key or a session (tui --login): not logged, not counted', async () => {
    const s = await login(srv)
    for (const headers of [adminHeaders(srv), keyHeaders(ROOT_API_KEY), { cookie: s.cookie }]) {
      for (const path of ['/api/admin/overview', '/api/buckets', '/api/me']) {
        const before = await total()
        const r = await api(srv, 'GET', path, { headers: { ...headers, ...POLL } })
        expect(r.status).toBe(200)
        // /metrics itself counts once.
        expect(await total()).toBe(before + 1)
        expect(logged(r.headers.get('x-request-id'))).toBe(0)
      }
    }
  })

  test('everything else is logged and counted as always', async () => {
    const s = await login(srv)
    const a = await createAccount(srv)
    const up = await api(srv, 'POST', `/api/versions?bucket=${a.bucket}&key=f.txt`, { headers: keyHeaders(a.apiKey), body: 'content' })
    const cases: Array<[string, () => Promise<{ status: number; headers: Headers }>]> = [
      ['without the header', () => api(srv, 'GET', '/api/admin/overview', { headers: adminHeaders(srv) })],
      ['a session without the header', () => api(srv, 'GET', '/api/admin/overview', { headers: { cookie: s.cookie } })],
      ['a session\'s error answer', () => api(srv, 'GET', '/api/buckets/no-such-bucket-here/objects', { headers: { cookie: s.cookie, ...POLL } })],
      ['a write', () => api(srv, 'POST', '/api/keys', { headers: { ...keyHeaders(a.apiKey), ...POLL }, json: { name: 'polled' } })],
      ['an error answer', () => api(srv, 'GET', '/api/buckets/no-such-bucket-here/objects', { headers: { ...adminHeaders(srv), ...POLL } })],
      ['no credentials', () => api(srv, 'GET', '/api/admin/overview', { headers: POLL })],
      ['the REST file API', () => api(srv, 'GET', '/api/v1/files', { headers: { ...keyHeaders(a.apiKey), ...POLL } })],
      ['bytes, not JSON', () => api(srv, 'GET', `/api/versions/${up.body.versionId}`, { headers: { ...keyHeaders(a.apiKey), ...POLL } })],
      ['the S3 port', async () => {
        let id: string | null = null
        const c = s3Client(srv.s3Url)
        c.middlewareStack.add((next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers['x-cloudstorage-poll'] = '1'
          const out = await next(args)
          id = (out.response as { headers: Record<string, string> }).headers['x-amz-request-id']
          return out
        }, { step: 'build' })
        await c.send(new ListBucketsCommand({}))
        return { status: 200, headers: new Headers({ 'x-request-id': id ?? '' }) }
      }],
    ]
    for (const [what, send] of cases) {
      const before = await total()
      const r = await send()
      const id = r.headers.get('x-request-id')
      expect({ what, logged: logged(id), counted: (await total()) - before }).toEqual({ what, logged: 1, counted: 2 })
    }
  })
})
