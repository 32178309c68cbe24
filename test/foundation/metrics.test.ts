/** GET /metrics on the HTTP port: who may read it, and Prometheus text a scraper accepts. */
import { describe, test, expect, beforeAll, afterAll, setDefaultTimeout } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { HeadObjectCommand, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { s3Fetch, xmlTags } from '../helpers/raw-s3'
import { apiAccount } from '../quota/helpers'

// A real server on a shared 2-core box; a hang guard, not a performance limit.
setDefaultTimeout(120_000)

const METRICS_TOKEN = 'metrics-token-for-grafana-0001'
let srv: TestServer
let adminToken: string
let user: { accessKey: string; secretKey: string }

beforeAll(async () => {
  srv = await startInProcess({ env: { CLOUDSTORAGE_METRICS_TOKEN: METRICS_TOKEN } })
  adminToken = readFileSync(join(srv.dataDir, 'admin.token'), 'utf8').trim()
  const r = await srv.admin('account', 'create', '--email', 'user@test.local', '--password', 'user-password-1', '--json')
  user = JSON.parse(r.stdout)
  // A known workload: exactly 3 ListBuckets, 1 PutObject of 5 bytes, 1 HeadObject answered 404.
  const s3 = s3Client(srv.s3Url)
  for (let i = 0; i < 3; i++) await s3.send(new ListBucketsCommand({}))
  await s3.send(new PutObjectCommand({ Bucket: 'root', Key: 'five', Body: 'abcde' }))
  await s3.send(new HeadObjectCommand({ Bucket: 'root', Key: 'nope' })).catch(() => {})
})
afterAll(async () => {
  expect(await srv.stop()).toBe(0)
})

const scrape = (authorization?: string) => fetch(`${srv.httpUrl}/metrics`, { headers: authorization ? { authorization } : {} })

describe('access', () => {
  test.each([
    ['no credentials', undefined],
    ['a wrong bearer token', 'Bearer not-the-token'],
    ['the admin token with a different length', `Bearer ${adminToken}x`],
    ["a non-admin's ACCESS:SECRET", () => `Bearer ${user.accessKey}:${user.secretKey}`],
    ["an admin access key with a wrong secret", `Bearer ${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY.slice(0, -1)}x`],
  ] as Array<[string, string | undefined | (() => string)]>)('%s → 401 with a JSON error', async (_, auth) => {
    const res = await scrape(typeof auth === 'function' ? auth() : auth)
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toStartWith('application/json')
    const body = await res.json()
    expect(body.error.code).toBe('Unauthorized')
    expect(typeof body.error.message).toBe('string')
  })

  test.each([
    ['the admin token from <data>/admin.token', () => `Bearer ${adminToken}`],
    ['CLOUDSTORAGE_METRICS_TOKEN', () => `Bearer ${METRICS_TOKEN}`],
    ["an admin's ACCESS:SECRET", () => `Bearer ${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}`],
  ])('%s → 200 Prometheus text', async (_, auth) => {
    const res = await scrape(auth())
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(await res.text()).toContain('# TYPE cloudstorage_requests_total counter')
  })
})

describe('content', () => {
  let text: string
  beforeAll(async () => {
    text = await (await scrape(`Bearer ${adminToken}`)).text()
  })
  const sample = (name: string, labels: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `) || (labels === '' && l.startsWith(`${name} `)))
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
  }

  test('request counters by surface, operation and status, exact for the known workload', () => {
    expect(sample('cloudstorage_requests_total', 'operation="ListBuckets",status="200",surface="s3"')).toBe(3)
    expect(sample('cloudstorage_requests_total', 'operation="PutObject",status="200",surface="s3"')).toBe(1)
    expect(sample('cloudstorage_requests_total', 'operation="HeadObject",status="404",surface="s3"')).toBe(1)
  })

  test('a latency histogram per operation: cumulative buckets ending in +Inf = count', () => {
    const buckets = text.split('\n').filter((l) => l.startsWith('cloudstorage_request_duration_seconds_bucket{operation="ListBuckets",surface="s3",le="'))
    expect(buckets.length).toBeGreaterThan(5)
    const values = buckets.map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)))
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1])
    expect(buckets.at(-1)).toStartWith('cloudstorage_request_duration_seconds_bucket{operation="ListBuckets",surface="s3",le="+Inf"} ')
    expect(values.at(-1)).toBe(3)
    expect(sample('cloudstorage_request_duration_seconds_count', 'operation="ListBuckets",surface="s3"')).toBe(3)
    expect(sample('cloudstorage_request_duration_seconds_sum', 'operation="ListBuckets",surface="s3"')).toBeGreaterThan(0)
  })

  test('bytes in/out, storage usage and queue gauges', () => {
    expect(sample('cloudstorage_bytes_received_total', 'surface="s3"')).toBeGreaterThanOrEqual(5)
    expect(sample('cloudstorage_bytes_sent_total', 'surface="s3"')).toBeGreaterThan(0)
    expect(sample('cloudstorage_storage_logical_bytes', '')).toBe(5)
    expect(sample('cloudstorage_objects', '')).toBe(1)
    expect(sample('cloudstorage_accounts', '')).toBe(2)
    expect(sample('cloudstorage_webhook_queue_depth', '')).toBe(0)
    expect(sample('cloudstorage_uptime_seconds', '')).toBeGreaterThanOrEqual(0)
  })

  test('valid exposition format: HELP and TYPE before each family, well-formed samples', () => {
    const families = new Set<string>()
    for (const line of text.trimEnd().split('\n')) {
      let m = /^# (HELP|TYPE) ([a-z_:][a-z0-9_:]*) (.+)$/.exec(line)
      if (m) {
        if (m[1] === 'TYPE') {
          expect(['counter', 'gauge', 'histogram']).toContain(m[3])
          families.add(m[2])
        }
        continue
      }
      m = /^([a-z_:][a-z0-9_:]*)(\{([a-z_]+="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf)$/.exec(line)
      expect(m).not.toBeNull()
      const family = m![1].replace(/_(bucket|sum|count)$/, '')
      expect(families.has(m![1]) || families.has(family)).toBe(true)
    }
  })
})

describe('the HTTP port through the pipeline', () => {
  test('health probes and scrapes are counted like every request (surface system)', async () => {
    const count = (t: string, op: string) => Number(/ (\d+)$/.exec(t.split('\n').find((l) => l.startsWith(`cloudstorage_requests_total{operation="${op}",status="200",surface="system"} `)) ?? ' 0')![1])
    const first = await (await scrape(`Bearer ${adminToken}`)).text()
    for (let i = 0; i < 3; i++) expect((await fetch(`${srv.httpUrl}/healthz`)).status).toBe(200)
    const second = await (await scrape(`Bearer ${adminToken}`)).text()
    // A scrape is recorded once answered: the second one sees the first.
    expect(count(second, 'GetMetrics')).toBe(count(first, 'GetMetrics') + 1)
    expect(count(second, 'Health')).toBe(count(first, 'Health') + 3)
  })
})

// Runs last: it adds an account and requests that the exact counts above do not expect.
describe('cloudstorage_quota_rejections_total', () => {
  test('counts every QuotaExceeded, by surface: S3 PutObject, UploadPart, CopyObject, UploadPartCopy; REST upload; /api/versions upload', async () => {
    const a = await apiAccount(srv, '1KiB')
    const creds = { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey }
    const quotaCode = async (res: Response) => {
      const body = await res.text()
      return { status: res.status, code: xmlTags(body, 'Code')[0] ?? (body.startsWith('{') ? JSON.parse(body).error.code : null) }
    }
    const refused = { status: 403, code: 'QuotaExceeded' }
    text = await (await scrape(`Bearer ${adminToken}`)).text()
    const before = { s3: metric('s3'), rest: metric('rest'), dashboard: metric('dashboard') }
    expect(before).toEqual({ s3: 0, rest: 0, dashboard: 0 })

    expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'seed', body: 'x'.repeat(600), creds })).status).toBe(200)
    expect(await quotaCode(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'big', body: 'x'.repeat(2048), creds }))).toEqual(refused)
    expect(await quotaCode(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'copy', headers: { 'x-amz-copy-source': `${a.bucket}/seed` }, creds }))).toEqual(refused)
    const init = await s3Fetch(srv.s3Url, { method: 'POST', bucket: a.bucket, key: 'mp', query: { uploads: '' }, creds })
    const uploadId = xmlTags(await init.text(), 'UploadId')[0]
    expect(await quotaCode(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'mp', query: { partNumber: '1', uploadId }, body: 'x'.repeat(2048), creds }))).toEqual(refused)
    expect(await quotaCode(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'mp', query: { partNumber: '2', uploadId }, headers: { 'x-amz-copy-source': `${a.bucket}/seed` }, creds }))).toEqual(refused)
    expect(await quotaCode(await fetch(`${srv.httpUrl}/api/v1/files?key=rest-big`, { method: 'POST', headers: { 'x-api-key': a.apiKey }, body: 'x'.repeat(2048) }))).toEqual(refused)
    expect(await quotaCode(await fetch(`${srv.httpUrl}/api/versions?bucket=${a.bucket}&key=v-big`, { method: 'POST', headers: { 'x-api-key': a.apiKey }, body: 'x'.repeat(2048) }))).toEqual(refused)

    text = await (await scrape(`Bearer ${adminToken}`)).text()
    expect({ s3: metric('s3'), rest: metric('rest'), dashboard: metric('dashboard') }).toEqual({ s3: 4, rest: 1, dashboard: 1 })
    // The overview the TUI shows sums them.
    const overview = await (await fetch(`${srv.httpUrl}/api/admin/overview`, { headers: { authorization: `Bearer ${adminToken}` } })).json() as { quotaRejected: number }
    expect(overview.quotaRejected).toBe(6)
  })

  let text = ''
  const metric = (surface: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`cloudstorage_quota_rejections_total{surface="${surface}"} `))
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
  }
})
