/**
 * Issue 5, rate limits: token buckets per access key (anonymous requests per client IP) and
 * class — write (PUT/POST/DELETE), read (GET/HEAD), list — plus the dashboard API per account
 * per minute. Over the rate a request first waits in a short queue (issue 9: closed-loop clients
 * are slowed, not failed); when that is full → 429 TooManyRequests with Retry-After in whole
 * seconds (the wait behind the queue): S3 XML on the S3 port, JSON on the HTTP port. A plan with
 * small limits (from a config file) keeps the bursts small; one server runs the documented
 * default table. Counts of 2xx vs 429 in bursts are asserted, never durations: a burst may see a
 * token or two refilled while it runs, so the upper bounds allow that much.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { ROOT_ACCESS_KEY, ROOT_EMAIL, ROOT_PASSWORD, ROOT_SECRET_KEY, startInProcess, type InProcessTestServer, type TestServer } from '../helpers/server'
import { until } from '../helpers/wait'
import { s3Client } from '../helpers/s3-client'
import { loadConfig } from '../../src/config/load'
import { RATE_QUEUE } from '../../src/services/usage/rate-limits'
import { presignUrl, s3Fetch, type RawRequest } from '../helpers/raw-s3'
import { apiAccount, bytesOf, expectJsonError, keyHeaders, rawExchange, signedHead, xmlCode, type QuotaAccount } from '../quota/helpers'

setDefaultTimeout(60_000)

const SMALL = { write: 5, read: 10, list: 2, 'dashboard-per-minute': 5 }
let dir: string

function configFile(name: string, extra: Record<string, unknown> = {}): string {
  const p = join(dir, name)
  // The quota is spelled out: a plans section without one leaves the default plan at 0 bytes (reported).
  writeFileSync(p, JSON.stringify({ plans: { default: { quota: '10GiB', 'rate-limits': SMALL } }, ...extra }))
  return p
}

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'cs-rate-')) })
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Outcome { status: number; retryAfter: string | null; code: string | null; contentType: string | null }

async function outcome(res: Response): Promise<Outcome> {
  const text = await res.text()
  let code: string | null = xmlCode(text)
  if (code === null && text.startsWith('{')) code = JSON.parse(text).error?.code ?? null
  return { status: res.status, retryAfter: res.headers.get('retry-after'), code, contentType: res.headers.get('content-type') }
}

type Burst = Outcome[] & { seconds: number }

/** Fires `n` requests at once; returns their outcomes and how long the burst was in flight. */
async function burst(n: number, make: (i: number) => Promise<Response>): Promise<Burst> {
  const t0 = performance.now()
  const rs = (await Promise.all(Array.from({ length: n }, (_, i) => make(i).then(outcome)))) as Burst
  rs.seconds = (performance.now() - t0) / 1000
  return rs
}

/** How many requests of one budget may wait for a token: 16, fewer when 1/rate each would pass 10 s. */
const queueOf = (perSecond: number) => Math.min(RATE_QUEUE.maxQueue, Math.floor(RATE_QUEUE.maxWaitSeconds * perSecond + 1e-9))
/** The longest Retry-After a refusal can carry: the wait of the first request behind a full queue. */
const maxRetryAfter = (perSecond: number) => Math.ceil((queueOf(perSecond) + 1) / perSecond)

/**
 * The token-bucket contract for a fresh budget of `size` refilled at `perSecond`: the whole burst
 * size passes, plus the queue that waits for the next tokens, and nothing passes before its
 * token (at most what refilled while the burst was in flight; a loaded machine stretches a
 * burst, the bound stretches with it). Everything else is 429.
 */
function expectBudget(rs: Burst, size: number, perSecond: number) {
  const passed = rs.filter((r) => r.status !== 429).length
  expect(passed).toBeGreaterThanOrEqual(Math.min(size + queueOf(perSecond), rs.length))
  expect(passed).toBeLessThanOrEqual(size + Math.floor(rs.seconds * perSecond))
  expect(limited(rs)).toBe(rs.length - passed)
  // A burst that finished before a token came back was cut exactly at its size.
  if (rs.seconds < 1 / perSecond) expect(passed).toBe(Math.min(size, rs.length))
}

/**
 * Every refusal is 429 TooManyRequests with a whole-second Retry-After ≥ 1, at most the wait
 * behind a full queue of the budget refilled at `perSecond`, in the surface's format.
 */
function expectRefusals(rs: Outcome[], format: 'xml' | 'json', perSecond: number) {
  for (const r of rs.filter((x) => x.status !== 200 && x.status !== 201 && x.status !== 204)) {
    expect({ status: r.status, code: r.code }).toEqual({ status: 429, code: 'TooManyRequests' })
    expect(r.retryAfter).toMatch(/^[1-9]\d*$/)
    expect(Number(r.retryAfter)).toBeLessThanOrEqual(maxRetryAfter(perSecond))
    expect(r.contentType).toStartWith(format === 'xml' ? 'application/xml' : 'application/json')
  }
}

const ok = (rs: Outcome[]) => rs.filter((r) => r.status >= 200 && r.status < 300).length
const limited = (rs: Outcome[]) => rs.filter((r) => r.status === 429).length

describe('a plan with small limits (write 5/s, read 10/s, list 2/s, dashboard 5/min)', () => {
  let srv: TestServer
  beforeAll(async () => { srv = await startInProcess({ env: { CLOUDSTORAGE_RATE_LIMITS: 'on' }, args: ['--config', configFile('small.json')] }) })
  afterAll(async () => { await srv?.stop() })

  const s3 = (a: QuotaAccount | null, r: RawRequest) => s3Fetch(srv.s3Url, { ...r, creds: a === null ? null : a ? { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey } : undefined })

  test('/api/me reports the plan limits', async () => {
    const a = await apiAccount(srv, null)
    const me = await (await fetch(`${srv.httpUrl}/api/me`, { headers: keyHeaders(a) })).json() as any
    expect(me.limits).toMatchObject({ rateLimits: true, requestsPerSecond: { write: 5, read: 10, list: 2 }, dashboardRequestsPerMinute: 5 })
  })

  test('each class has its own budget: of 40 PUTs 5 pass + 16 wait their turn; 50 GETs → 10 + 16 (R9: accepted ≤ limit); 30 lists → 2 + 16; S3 XML 429s', async () => {
    const a = await apiAccount(srv, null)
    const writes = await burst(40, (i) => s3(a, { method: 'PUT', bucket: a.bucket, key: `w${i}`, body: 'x' }))
    expectBudget(writes, 5, 5)
    expect(ok(writes)).toBe(40 - limited(writes))
    expect(limited(writes)).toBeGreaterThan(0)
    expectRefusals(writes, 'xml', 5)

    // Reads and lists were untouched by the write burst (a GET of a missing key is 404, not refused).
    const reads = await burst(50, () => s3(a, { method: 'GET', bucket: a.bucket, key: 'missing' }))
    expectBudget(reads, 10, 10)
    expect(reads.filter((r) => r.status !== 429).every((r) => r.status === 404)).toBe(true)
    expectRefusals(reads.filter((r) => r.status !== 404), 'xml', 10)

    const lists = await burst(30, () => s3(a, { method: 'GET', bucket: a.bucket, query: { 'list-type': '2' } }))
    expectBudget(lists, 2, 2)
    expect(limited(lists)).toBeGreaterThan(0)
    expectRefusals(lists, 'xml', 2)
    // HEAD gets no body: the status and Retry-After carry the refusal.
    const heads = await burst(40, () => s3(a, { method: 'HEAD', bucket: a.bucket, key: 'missing' }))
    expect(limited(heads)).toBeGreaterThan(0)
    for (const h of heads.filter((r) => r.status === 429)) expect(h.retryAfter).toMatch(/^[1-9]\d*$/)
  })

  test('REST API-key calls share the key\'s S3 budget: JSON 429 on the HTTP port', async () => {
    const a = await apiAccount(srv, null)
    // S3 lists and REST lists of one key draw on one budget of 2 (and one queue).
    const mixed = await burst(40, (i) => i % 2 ? s3(a, { method: 'GET', bucket: a.bucket, query: { 'list-type': '2' } }) : fetch(`${srv.httpUrl}/api/v1/files?bucket=${a.bucket}`, { headers: keyHeaders(a) }))
    expectBudget(mixed, 2, 2)
    const rest = mixed.filter((_, i) => i % 2 === 0)
    if (limited(mixed) > 20) expect(limited(rest)).toBeGreaterThan(0) // more refusals than S3 requests
    expectRefusals(rest, 'json', 2)
    expectRefusals(mixed.filter((_, i) => i % 2 === 1), 'xml', 2)
    // REST uploads spend the write budget: of a burst of 40, 5 pass and 16 wait.
    const ups = await burst(40, (i) => fetch(`${srv.httpUrl}/api/v1/files?bucket=${a.bucket}&key=r${i}`, { method: 'POST', headers: keyHeaders(a), body: 'data' }))
    expectBudget(ups, 5, 5)
    expect(limited(ups)).toBeGreaterThan(0)
    expectRefusals(ups, 'json', 5)
  })

  test('presigned requests count against the signing key; another key of the same account has its own budget', async () => {
    const a = await apiAccount(srv, null)
    expect((await s3(a, { method: 'PUT', bucket: a.bucket, key: 'obj', body: 'hello' })).status).toBe(200)
    const url = await presignUrl(srv.s3Url, { method: 'GET', bucket: a.bucket, key: 'obj', creds: a, presign: { expires: 600 } })
    // Presigned and header-signed reads by one key draw on one budget of 10.
    const pres = await burst(20, (i) => i % 4 === 3 ? s3(a, { method: 'GET', bucket: a.bucket, key: 'obj' }) : fetch(url))
    expectBudget(pres, 10, 10)
    expectRefusals(pres, 'xml', 10)
    const k2 = await (await fetch(`${srv.httpUrl}/api/keys`, { method: 'POST', headers: { ...keyHeaders(a), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'second' }) })).json() as any
    const other = await s3Fetch(srv.s3Url, { method: 'GET', bucket: a.bucket, key: 'obj', creds: { accessKeyId: k2.accessKey, secretAccessKey: k2.secretKey } })
    expect(other.status).toBe(200)
    expect(await other.text()).toBe('hello')
  })

  test('anonymous public reads count per client IP (X-Forwarded-For is not trusted by default); the owner keeps its budget', async () => {
    const a = await apiAccount(srv, null)
    expect((await s3(a, { method: 'PUT', bucket: a.bucket, key: 'pub', body: 'public' })).status).toBe(200)
    const patch = await fetch(`${srv.httpUrl}/api/buckets/${a.bucket}`, { method: 'PATCH', headers: { ...keyHeaders(a), 'content-type': 'application/json' }, body: JSON.stringify({ publicRead: true }) })
    expect(patch.status).toBe(200)
    // Rotating X-Forwarded-For does not buy fresh budgets: one budget of 10 for 127.0.0.1.
    const anon = await burst(20, (i) => fetch(`${srv.s3Url}/${a.bucket}/pub`, { headers: i % 2 ? { 'x-forwarded-for': `203.0.113.${i}` } : {} }))
    expectBudget(anon, 10, 10)
    expectRefusals(anon, 'xml', 10)
    const owner = await s3(a, { method: 'GET', bucket: a.bucket, key: 'pub' })
    expect(owner.status).toBe(200)
  })

  test('the dashboard API: 5 requests per minute per account for a session, then JSON 429 with Retry-After', async () => {
    const a = await apiAccount(srv, null)
    const login = await fetch(`${srv.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: a.email, password: a.password }) })
    expect(login.status).toBe(200)
    const cookie = /^session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0]
    const rs = await burst(8, () => fetch(`${srv.httpUrl}/api/me`, { headers: { cookie } }))
    expectBudget(rs, 5, 5 / 60)
    expectRefusals(rs, 'json', 5 / 60)
    // A second session of the same account shares the account's budget.
    const login2 = await fetch(`${srv.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: a.email, password: a.password }) })
    const cookie2 = /^session=[^;]+/.exec(login2.headers.get('set-cookie') ?? '')![0]
    await expectJsonError(await fetch(`${srv.httpUrl}/api/me`, { headers: { cookie: cookie2 } }), 429, 'TooManyRequests')
  })

  test('the AWS SDK is slowed, not refused: 12 PUTs and 4 lists at once over budgets of 5 and 2 all complete at the first attempt, paced at the rate', async () => {
    const a = await apiAccount(srv, null)
    const client = s3Client(srv.s3Url, { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey })
    const t0 = performance.now()
    const puts = await Promise.all(Array.from({ length: 12 }, (_, i) => client.send(new PutObjectCommand({ Bucket: a.bucket, Key: `sdk-${i}`, Body: bytesOf(100) }))))
    const putSeconds = (performance.now() - t0) / 1000
    const t1 = performance.now()
    const lists = await Promise.all(Array.from({ length: 4 }, () => client.send(new ListObjectsV2Command({ Bucket: a.bucket }))))
    const listSeconds = (performance.now() - t1) / 1000
    expect(puts.every((p) => p.$metadata.httpStatusCode === 200)).toBe(true)
    const attempts = (xs: Array<{ $metadata: { attempts?: number } }>) => xs.map((x) => x.$metadata.attempts ?? 1)
    expect(attempts(puts)).toEqual(Array(12).fill(1))
    expect(attempts(lists)).toEqual(Array(4).fill(1))
    // Nothing passed before its token: the 7 beyond the burst of 5 took at least 7/5 s, the 2 lists beyond 2 at least 1 s.
    expect(putSeconds).toBeGreaterThanOrEqual((12 - 5) / 5 - 0.05)
    expect(listSeconds).toBeGreaterThanOrEqual((4 - 2) / 2 - 0.05)
    const last = await client.send(new ListObjectsV2Command({ Bucket: a.bucket }))
    expect(last.KeyCount).toBe(12)
  })

  test('dashboard API routes called with an API key share the account\'s dashboard budget (POST /api/versions, GET /api/me)', async () => {
    const a = await apiAccount(srv, null)
    const ups = await burst(8, (i) => fetch(`${srv.httpUrl}/api/versions?bucket=${a.bucket}&key=v${i}`, { method: 'POST', headers: keyHeaders(a), body: 'x' }))
    expectBudget(ups, 5, 5 / 60)
    expectRefusals(ups, 'json', 5 / 60)
    await expectJsonError(await fetch(`${srv.httpUrl}/api/me`, { headers: keyHeaders(a) }), 429, 'TooManyRequests')
    // The REST file API is not the dashboard: it spends the key's S3 budget instead.
    expect((await fetch(`${srv.httpUrl}/api/v1/files?bucket=${a.bucket}`, { headers: keyHeaders(a) })).status).toBe(200)
  })

  test('admins are rate limited too by default', async () => {
    const root = { accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY }
    const rs = await burst(30, () => s3Fetch(srv.s3Url, { method: 'GET', creds: root }))
    expectBudget(rs, 2, 2)
    expect(limited(rs)).toBeGreaterThan(0)
    expectRefusals(rs, 'xml', 2)
  })
})

// A plans section that tunes only rate limits must not leave plans without a quota (0 bytes).
test('a plans section setting only rate limits keeps the 10 GiB default quota', () => {
  const p = join(dir, 'rates-only.json')
  writeFileSync(p, JSON.stringify({ plans: { default: { 'rate-limits': SMALL }, pro: { 'max-keys': 3 } } }))
  const c = loadConfig({ '--config': p }, {})
  expect(c.plans.default.quotaBytes).toBe(10 * 2 ** 30)
  expect(c.plans.pro.quotaBytes).toBe(10 * 2 ** 30)
})

// With trust-proxy on, the rightmost X-Forwarded-For entry (appended by the proxy) identifies the
// client; the entries before it are client-written and must not buy fresh budgets.
test('trust-proxy: a client-written X-Forwarded-For prefix does not buy fresh anonymous budgets', async () => {
  const s = await startInProcess({ env: { CLOUDSTORAGE_RATE_LIMITS: 'on', CLOUDSTORAGE_TRUST_PROXY: 'on' }, args: ['--config', configFile('proxy.json')] })
  try {
    const a = await apiAccount(s, null)
    await s3Fetch(s.s3Url, { method: 'PUT', bucket: a.bucket, key: 'pub', body: 'x', creds: a })
    await fetch(`${s.httpUrl}/api/buckets/${a.bucket}`, { method: 'PATCH', headers: { ...keyHeaders(a), 'content-type': 'application/json' }, body: JSON.stringify({ publicRead: true }) })
    // As a proxy forwards them: the client's own header, then the address the proxy saw.
    const rs = await burst(20, (i) => fetch(`${s.s3Url}/${a.bucket}/pub`, { headers: { 'x-forwarded-for': `198.51.100.${i}, 192.0.2.1` } }))
    // One budget of 10/s: beyond its burst, nothing passes before its token.
    expect(ok(rs)).toBeLessThanOrEqual(10 + Math.floor(rs.seconds * 10))
  } finally {
    await s.stop()
  }
})

describe('admin-rate-limit-exempt: true in the config', () => {
  let srv: TestServer
  beforeAll(async () => { srv = await startInProcess({ env: { CLOUDSTORAGE_RATE_LIMITS: 'on' }, args: ['--config', configFile('exempt.json', { 'admin-rate-limit-exempt': true })] }) })
  afterAll(async () => { await srv?.stop() })

  test('admins are not limited (S3 and dashboard); other accounts still are', async () => {
    const root = { accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY }
    const rs = await burst(10, () => s3Fetch(srv.s3Url, { method: 'GET', creds: root }))
    expect(ok(rs)).toBe(10)
    const login = await fetch(`${srv.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ROOT_EMAIL, password: ROOT_PASSWORD }) })
    const cookie = /^session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0]
    expect(ok(await burst(8, () => fetch(`${srv.httpUrl}/api/me`, { headers: { cookie } })))).toBe(8)
    const a = await apiAccount(srv, null)
    const user = await burst(30, () => s3Fetch(srv.s3Url, { method: 'GET', creds: a }))
    expectBudget(user, 2, 2)
    expect(limited(user)).toBeGreaterThan(0)
    expectRefusals(user, 'xml', 2)
  })
})

describe('the documented default table (100/300/50 per second, 30 per minute)', () => {
  let srv: TestServer
  beforeAll(async () => { srv = await startInProcess({ env: { CLOUDSTORAGE_RATE_LIMITS: 'on' } }) })
  afterAll(async () => { await srv?.stop() })

  test('/api/me shows the defaults; of 40 dashboard requests at once, the 30 of the minute pass, 5 wait (2 s each, up to 10 s) and the rest are 429', async () => {
    const other = await apiAccount(srv, null)
    const me = await (await fetch(`${srv.httpUrl}/api/me`, { headers: keyHeaders(other) })).json() as any
    expect(me.limits).toMatchObject({ rateLimits: true, requestsPerSecond: { write: 100, read: 300, list: 50 }, dashboardRequestsPerMinute: 30 })
    const a = await apiAccount(srv, null)
    const login = await fetch(`${srv.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: a.email, password: a.password }) })
    const cookie = /^session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0]
    const rs = await burst(40, () => fetch(`${srv.httpUrl}/api/me`, { headers: { cookie } }))
    expectBudget(rs, 30, 30 / 60)
    expect(limited(rs)).toBeGreaterThan(0)
    expectRefusals(rs, 'json', 30 / 60)
  })

  test('S3 list: of a burst of 100, the 50 of the burst pass, 16 wait, and only what refilled meanwhile', async () => {
    const a = await apiAccount(srv, null)
    const rs = await burst(100, () => s3Fetch(srv.s3Url, { method: 'GET', bucket: a.bucket, query: { 'list-type': '2' }, creds: a }))
    expectBudget(rs, 50, 50)
    expectRefusals(rs, 'xml', 50)
  })
})

describe('the global in-flight cap (CLOUDSTORAGE_MAX_INFLIGHT=1)', () => {
  let srv: InProcessTestServer
  beforeAll(async () => { srv = await startInProcess({ env: { CLOUDSTORAGE_MAX_INFLIGHT: '1' } }) })
  afterAll(async () => { await srv?.stop() })

  test('while one upload is held open, other requests get 503 SlowDown (XML on S3, JSON on HTTP) before any body is read', async () => {
    const root = { accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY }
    const body = bytesOf(100_000)
    const head = await signedHead(srv.s3Url, { method: 'PUT', bucket: 'root', key: 'slow', creds: root, payloadHash: 'UNSIGNED-PAYLOAD' })
    const slow = rawExchange(head.url, 'PUT', { ...head.headers, 'content-length': String(body.length) }, body.subarray(0, 50_000))
    try {
      // Wait until the held upload occupies the slot. The gate is read directly: a probe request
      // racing the upload's headers could take the slot first and get the upload refused.
      await until(() => srv.app.ctx.gate.inFlight === 1, 'the held upload to occupy the only slot')
      const probe = await outcome(await s3Fetch(srv.s3Url, { method: 'GET', creds: root }))
      expect({ status: probe.status, code: probe.code }).toEqual({ status: 503, code: 'SlowDown' })
      expect(probe.contentType).toStartWith('application/xml')
      expect(probe.retryAfter).toMatch(/^[1-9]\d*$/)

      // A second upload declaring 10 MiB is refused without its body ever being sent.
      const big = await signedHead(srv.s3Url, { method: 'PUT', bucket: 'root', key: 'big', creds: root, payloadHash: 'UNSIGNED-PAYLOAD' })
      const x = rawExchange(big.url, 'PUT', { ...big.headers, 'content-length': String(10 * 1024 * 1024) })
      const refused = await x.response
      x.close()
      expect(refused.status).toBe(503)
      expect(xmlCode(refused.body)).toBe('SlowDown')

      const api = await fetch(`${srv.httpUrl}/api/me`, { headers: { 'x-api-key': `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}` } })
      await expectJsonError(api, 503, 'SlowDown')

      await slow.write(body.subarray(50_000))
      expect((await slow.response).status).toBe(200)
    } finally {
      slow.close()
    }
    // The slot is free again.
    const after = await s3Fetch(srv.s3Url, { method: 'GET', bucket: 'root', key: 'slow', creds: root })
    expect(after.status).toBe(200)
    expect((await after.arrayBuffer()).byteLength).toBe(100_000)
  })
})
