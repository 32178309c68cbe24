/**
 * The routes the web dashboard needs besides the resources: public settings (GET /api/config),
 * log out everywhere, the account's own traffic (GET /api/stats) and the plan list for admins.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { GetObjectCommand, ListBucketsCommand } from '@aws-sdk/client-s3'
import { startInProcess, type InProcessTestServer, REGION } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { adminHeaders, api, createAccount, expectError, keyHeaders, login, type Account, type Session } from './rest-helpers'

let server: InProcessTestServer
let open: InProcessTestServer
let clock = Date.UTC(2030, 5, 1, 12, 0, 30)
let alice: Account
let bob: Account

const withSession = (s: Session) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf, origin: server.httpUrl })

beforeAll(async () => {
  server = await startInProcess({ now: () => clock })
  open = await startInProcess({ env: { CLOUDSTORAGE_SIGNUP: 'open' } })
  alice = await createAccount(server)
  bob = await createAccount(server)
}, 120_000)
afterAll(async () => {
  await server.stop()
  await open.stop()
})

describe('GET /api/config', () => {
  test('public: whether sign-up is open, the region, the S3 endpoint as reached from this host', async () => {
    const r = await api(server, 'GET', '/api/config')
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ signup: 'closed', region: REGION, s3Url: server.s3Url })
    expect((await api(open, 'GET', '/api/config')).body.signup).toBe('open')
  })

  test('the S3 URL follows the host the client used', async () => {
    const port = new URL(server.s3Url).port
    const r = await fetch(`${server.httpUrl}/api/config`, { headers: { host: `nas.example.lan:${new URL(server.httpUrl).port}` } })
    expect((await r.json()).s3Url).toBe(`http://nas.example.lan:${port}`)
  })
})

describe('POST /api/auth/logout-all', () => {
  test('revokes every session of the account (not other accounts\', not API keys) and clears the cookie', async () => {
    const one = await login(server, alice.email, alice.password)
    const two = await login(server, alice.email, alice.password)
    const other = await login(server, bob.email, bob.password)
    const r = await api(server, 'POST', '/api/auth/logout-all', { headers: withSession(one) })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ success: true })
    expect(r.headers.get('set-cookie')).toStartWith('session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0')
    for (const s of [one, two]) expectError(await api(server, 'GET', '/api/me', { headers: { cookie: s.cookie } }), 401, 'Unauthorized')
    expect((await api(server, 'GET', '/api/me', { headers: { cookie: other.cookie } })).status).toBe(200)
    expect((await api(server, 'GET', '/api/me', { headers: keyHeaders(alice.apiKey) })).status).toBe(200)
  })

  test('a browser request without the CSRF token is refused and revokes nothing', async () => {
    const s = await login(server, alice.email, alice.password)
    expectError(await api(server, 'POST', '/api/auth/logout-all', { headers: { cookie: s.cookie, origin: server.httpUrl } }), 403, 'CsrfFailed')
    expect((await api(server, 'GET', '/api/me', { headers: { cookie: s.cookie } })).status).toBe(200)
  })
})

describe('GET /api/stats', () => {
  test('counts the account\'s requests on both ports per minute, 4xx and 5xx apart; other accounts stay apart', async () => {
    const s3 = s3Client(server.s3Url, { accessKeyId: alice.accessKey, secretAccessKey: alice.secretKey })
    const before = (await api(server, 'GET', '/api/stats', { headers: keyHeaders(alice.apiKey) })).body
    expect(before.windowSeconds).toBe(3600)
    expect(before.perMinute).toHaveLength(60)
    expect(before.perMinute[59].at).toBe('2030-06-01T12:00:00.000Z')
    await s3.send(new ListBucketsCommand({}))
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: alice.bucket, Key: 'missing' })))).toMatchObject({ status: 404 })
    expectError(await api(server, 'GET', '/api/buckets/no-such-bucket-x', { headers: keyHeaders(alice.apiKey) }), 404, 'NoSuchBucket')
    await api(server, 'GET', '/api/me', { headers: keyHeaders(bob.apiKey) })
    const after = (await api(server, 'GET', '/api/stats', { headers: keyHeaders(alice.apiKey) })).body
    // The first stats call, two S3 requests and one API request since `before` was read.
    expect(after.requests - before.requests).toBe(4)
    expect(after.clientErrors - before.clientErrors).toBe(2)
    expect(after.serverErrors).toBe(0)
    expect(after.perMinute[59].requests).toBe(after.requests)
  })

  test('minutes roll over and leave the window after an hour (the appliance clock)', async () => {
    const now = (await api(server, 'GET', '/api/stats', { headers: keyHeaders(alice.apiKey) })).body
    clock += 60_000
    const next = (await api(server, 'GET', '/api/stats', { headers: keyHeaders(alice.apiKey) })).body
    expect(next.perMinute[58].requests).toBe(now.perMinute[59].requests + 1)
    expect(next.perMinute[59].requests).toBe(0)
    clock += 59 * 60_000
    // The previous stats call is now 59 minutes old: the oldest minute of the window.
    const edge = (await api(server, 'GET', '/api/stats', { headers: keyHeaders(alice.apiKey) })).body
    expect(edge.perMinute[0].requests).toBe(1)
    expect(edge.requests).toBe(1)
    clock += 60 * 60_000
    const later = (await api(server, 'GET', '/api/stats', { headers: keyHeaders(alice.apiKey) })).body
    expect(later.requests).toBe(0)
  })

  test('needs credentials', async () => {
    expectError(await api(server, 'GET', '/api/stats'), 401, 'Unauthorized')
  })
})

describe('GET /api/admin/plans', () => {
  test('admins get the configured plans and the default; others 403', async () => {
    const r = await api(server, 'GET', '/api/admin/plans', { headers: adminHeaders(server) })
    expect(r.status).toBe(200)
    expect(r.body.defaultPlan).toBe('default')
    expect(r.body.plans).toEqual([{ name: 'default', quotaBytes: 10 * 2 ** 30, maxBuckets: 10, maxKeys: 5, rates: { write: 100, read: 300, list: 50, dashboardPerMinute: 30 } }])
    expectError(await api(server, 'GET', '/api/admin/plans', { headers: keyHeaders(alice.apiKey) }), 403, 'AccessDenied')
  })
})
