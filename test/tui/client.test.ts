import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Server } from 'bun'
import { ApiError, createApiClient, type ApiClient } from '../../tui/client'
import { createTokenProvider, TOKEN_ENV } from '../../tui/token'
import { ROOT_EMAIL, startInProcess, type TestServer } from '../helpers/server'
import pkg from '../../package.json'

async function problemOf(p: Promise<unknown>) {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError)
    return (e as ApiError).problem
  }
  throw new Error('expected the call to fail')
}

function clientFor(baseUrl: string, dataDir: string, env: Record<string, string | undefined> = {}, timeoutMs?: number): ApiClient {
  const tokens = createTokenProvider({ tokenPath: join(dataDir, 'admin.token'), env })
  return createApiClient({ baseUrl, token: tokens.get, onTokenRejected: tokens.invalidate, describeToken: tokens.describe, timeoutMs })
}

describe('against a real appliance', () => {
  let srv: TestServer
  const emptyDir = mkdtempSync(join(tmpdir(), 'cs-tui-notoken-'))
  beforeAll(async () => { srv = await startInProcess() })
  afterAll(async () => { await srv?.stop(); rmSync(emptyDir, { recursive: true, force: true }) })

  test('the Time Machine lists page with the cursor each page answers', async () => {
    const c = clientFor(srv.httpUrl, srv.dataDir)
    await c.createBucket('tui-paging')
    for (const key of ['a.txt', 'b.txt', 'c.txt']) {
      for (const body of ['one', 'two']) {
        await fetch((await c.presign({ bucket: 'tui-paging', key, operation: 'PutObject', contentType: 'text/plain' })).url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body })
      }
      await c.deleteObject('tui-paging', key)
    }
    for (const list of [(q: { cursor?: string; limit: number }) => c.versionedFiles('tui-paging', q), (q: { cursor?: string; limit: number }) => c.deletedFiles('tui-paging', q)]) {
      const first = await list({ limit: 2 })
      expect(first.files.map((f) => f.key)).toEqual(['a.txt', 'b.txt'])
      const rest = await list({ cursor: first.nextCursor!, limit: 2 })
      expect(rest.files.map((f) => f.key)).toEqual(['c.txt'])
      expect(rest.nextCursor).toBeNull()
    }
  })

  test('health needs no token', async () => {
    const h = await clientFor(srv.httpUrl, emptyDir).health()
    expect(h).toEqual({ status: 'ok', version: pkg.version })
  })

  test('overview with the token from <data>/admin.token', async () => {
    const o = await clientFor(srv.httpUrl, srv.dataDir).overview()
    expect(o.version).toBe(pkg.version)
    expect(o.accounts).toBeGreaterThanOrEqual(1)
    expect(o.region).toBe('eu-central-1')
    expect(typeof o.storage.logicalBytes).toBe('number')
    expect(o.uptimeSeconds).toBeGreaterThanOrEqual(0)
  })

  test(`${TOKEN_ENV} overrides the file`, async () => {
    const token = (await Bun.file(join(srv.dataDir, 'admin.token')).text()).trim()
    const o = await clientFor(srv.httpUrl, emptyDir, { [TOKEN_ENV]: token }).overview()
    expect(o.version).toBe(pkg.version)
    const p = await problemOf(clientFor(srv.httpUrl, srv.dataDir, { [TOKEN_ENV]: 'cst_not-the-token' }).overview())
    expect(p.kind).toBe('unauthorized')
    expect(p.message).toBe('admin token rejected (401 Unauthorized)')
    expect(p.hint).toContain(TOKEN_ENV)
  })

  test('no token: says so and where it looked', async () => {
    const p = await problemOf(clientFor(srv.httpUrl, emptyDir).overview())
    expect(p.kind).toBe('unauthorized')
    expect(p.status).toBe(401)
    expect(p.message).toBe('no admin token (401 Unauthorized)')
    expect(p.hint).toContain(join(emptyDir, 'admin.token'))
  })

  test('accounts: list, create (keys once), update, refusals with the server\'s words, delete', async () => {
    const client = clientFor(srv.httpUrl, srv.dataDir)
    const before = await client.listAccounts()
    const root = before.find((a) => a.email === ROOT_EMAIL)!
    expect(root).toMatchObject({ isAdmin: true, status: 'active' })
    expect(typeof root.usage.objects).toBe('number')

    const created = await client.createAccount({ email: 'tui-client@example.com', password: 'tui-client-pass-1', isAdmin: false })
    expect(created.account).toMatchObject({ email: 'tui-client@example.com', isAdmin: false, status: 'active' })
    expect(created.accessKey).toMatch(/^\S{16,}$/)
    expect(created.secretKey).toMatch(/^\S{30,}$/)
    expect(created.bucket).toBeTruthy()
    const id = created.account.id

    const bad = await problemOf(client.updateAccount(id, { quota: 'lots' }))
    expect(bad).toMatchObject({ kind: 'server', code: 'ValidationError', status: 400, detail: 'quota must be a size such as "10GiB" or a byte count.' })
    expect(bad.requestId).toBeTruthy()
    expect((await client.updateAccount(id, { quota: '50GiB' })).quotaBytes).toBe(50 * 1024 ** 3)
    expect((await client.updateAccount(id, { status: 'suspended' })).status).toBe('suspended')
    expect((await client.updateAccount(id, { quota: null })).quotaBytes).toBe(root.quotaBytes)

    const self = await problemOf(client.updateAccount(root.id, { status: 'suspended' }))
    expect(self).toMatchObject({ code: 'ValidationError', detail: 'Administrators cannot suspend or demote themselves.' })
    const dup = await problemOf(client.createAccount({ email: 'tui-client@example.com', password: 'tui-client-pass-1', isAdmin: false }))
    expect(dup).toMatchObject({ code: 'AccountAlreadyExists', status: 409 })

    await client.deleteAccount(id)
    expect((await client.listAccounts()).map((a) => a.id)).not.toContain(id)
    expect(await problemOf(client.deleteAccount(id))).toMatchObject({ code: 'NoSuchAccount', status: 404 })
  })

  test('a token file that appears later is picked up without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-tui-latetoken-'))
    try {
      const client = clientFor(srv.httpUrl, dir)
      expect((await problemOf(client.overview())).kind).toBe('unauthorized')
      writeFileSync(join(dir, 'admin.token'), await Bun.file(join(srv.dataDir, 'admin.token')).text(), { mode: 0o600 })
      expect((await client.overview()).version).toBe(pkg.version)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

const sampleOverview = {
  version: '9.9.9', uptimeSeconds: 5, requests: { total: 1, errors: 0, perSecond: 0 }, bytesIn: 0, bytesOut: 0, rateLimited: 0, quotaRejected: 0,
  urls: { s3: 'http://h:9000', http: 'http://h:9001' }, dataDir: '/d', disk: { freeBytes: 1, totalBytes: 2 }, webhookQueueDepth: 0, background: { gc: null, retention: null },
  accounts: 1, buckets: 0, multipartUploads: 0, storage: { logicalBytes: 0, storedBytes: 0, objects: 0 }, region: 'eu-central-1',
}

describe('transport and protocol failures', () => {
  let fake: Server<unknown>
  const dir = mkdtempSync(join(tmpdir(), 'cs-tui-fake-'))
  beforeAll(() => {
    writeFileSync(join(dir, 'admin.token'), 'cst_faketoken\n')
    fake = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch(req) {
        const path = new URL(req.url).pathname
        if (path === '/boom/api/admin/overview') return Response.json({ error: { code: 'InternalError', message: 'We encountered an internal error.', requestId: 'R42' } }, { status: 500 })
        if (path === '/forbidden/api/admin/overview') return Response.json({ error: { code: 'AccountSuspended', message: 'This account is suspended.', requestId: 'R43' } }, { status: 403 })
        if (path === '/html/api/admin/overview') return new Response('<html>hello</html>', { headers: { 'content-type': 'text/html' } })
        if (path === '/partial/api/admin/overview') return Response.json({ version: '9', requests: 'many' })
        if (path === '/auth/api/admin/overview') {
          if (req.headers.get('authorization') !== 'Bearer cst_faketoken') return Response.json({ error: { code: 'Unauthorized', message: 'Log in first.', requestId: 'R44' } }, { status: 401 })
          return Response.json(sampleOverview)
        }
        if (path === '/auth/healthz') return Response.json({ status: 'ok', version: req.headers.has('authorization') ? 'leaked-token' : '9.9.9' })
        if (path === '/slow/api/admin/overview') return new Promise<Response>(() => {})
        return new Response('not found', { status: 404 })
      },
    })
  })
  afterAll(() => { fake.stop(true); rmSync(dir, { recursive: true, force: true }) })
  const base = (prefix: string) => `http://127.0.0.1:${fake.port}${prefix}`

  test('a refused connection names the URL and the reason', async () => {
    const closed = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
    const url = `http://127.0.0.1:${closed.port}`
    closed.stop(true)
    const p = await problemOf(clientFor(url, dir).overview())
    expect(p.kind).toBe('unreachable')
    expect(p.message).toBe(`cannot reach ${url}: connection refused`)
    expect(p.hint).toContain('--url')
  })

  test('a server that does not answer times out', async () => {
    const p = await problemOf(clientFor(base('/slow'), dir, {}, 200).overview())
    expect(p.kind).toBe('timeout')
    expect(p.message).toBe(`cannot reach ${base('/slow')}: no answer in time`)
  })

  test('a JSON error becomes a typed error with code, message and request id', async () => {
    const p = await problemOf(clientFor(base('/boom'), dir).overview())
    expect(p).toMatchObject({ kind: 'server', code: 'InternalError', status: 500, requestId: 'R42' })
    expect(p.message).toBe(`${base('/boom')} answered 500 InternalError: We encountered an internal error.`)
  })

  test('403 keeps the server explanation', async () => {
    const p = await problemOf(clientFor(base('/forbidden'), dir).overview())
    expect(p).toMatchObject({ kind: 'forbidden', code: 'AccountSuspended', status: 403 })
    expect(p.message).toBe('not allowed (403 AccountSuspended): This account is suspended.')
  })

  test('something that is not this API is a protocol error, not NaN on screen', async () => {
    expect(await problemOf(clientFor(base('/html'), dir).overview())).toMatchObject({ kind: 'protocol', code: 'UnexpectedResponse' })
    const p = await problemOf(clientFor(base('/partial'), dir).overview())
    expect(p.kind).toBe('protocol')
    expect(p.message).toContain('missing fields')
    const notFound = await problemOf(clientFor(base('/nothing'), dir).overview())
    expect(notFound).toMatchObject({ kind: 'server', code: 'HTTP404', status: 404 })
  })

  test('sends the token as a Bearer header to admin endpoints only', async () => {
    const client = clientFor(base('/auth'), dir)
    expect(await client.overview()).toEqual(sampleOverview)
    expect((await client.health()).version).toBe('9.9.9')
  })

  test("the caller's abort is not reported as a server problem", async () => {
    const ac = new AbortController()
    const pending = clientFor(base('/slow'), dir).overview(ac.signal)
    ac.abort()
    const err = await pending.then(() => null, (e) => e)
    expect(err).not.toBeInstanceOf(ApiError)
    expect((err as Error).name).toBe('AbortError')
  })
})
