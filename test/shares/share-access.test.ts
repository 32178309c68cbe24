/**
 * Every share route against another account's resources, as the one access rule says: another
 * account's bucket is 403 AccessDenied (bucket names are global and public), a missing one 404;
 * another account's share id answers exactly like a missing one (404), and nothing of it leaks.
 * Sessions (with CSRF) and API keys create and manage shares alike.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startInProcess, type InProcessTestServer } from '../helpers/server'
import { createAccount, login, type Account } from '../rest/rest-helpers'
import { api, share, upload } from './helpers'

let srv: InProcessTestServer
let alice: Account
let bob: Account
let aliceShare: { id: string; url: string; token: string }
let aliceVersion: string

beforeAll(async () => {
  srv = await startInProcess()
  alice = await createAccount(srv)
  bob = await createAccount(srv)
  aliceVersion = (await upload(srv, alice.bucket, 'private/plan.txt', 'alice only', 'text/plain', alice.apiKey)).versionId
  await upload(srv, bob.bucket, 'plan.txt', 'bob file', 'text/plain', bob.apiKey)
  aliceShare = await share(srv, { bucket: alice.bucket, key: 'private/plan.txt' }, alice.apiKey)
}, 120_000)
afterAll(() => srv.stop())

const code = (r: { status: number; body: any }) => [r.status, r.body?.error?.code]

describe("another account's resources", () => {
  test("POST /api/shares on another account's bucket is 403 (even a public-read one), on a missing bucket 404", async () => {
    expect(code(await api(srv, 'POST', '/api/shares', { bucket: alice.bucket, key: 'private/plan.txt' }, bob.apiKey))).toEqual([403, 'AccessDenied'])
    expect(code(await api(srv, 'POST', '/api/shares', { bucket: alice.bucket, key: 'private/', }, bob.apiKey))).toEqual([403, 'AccessDenied'])
    expect(code(await api(srv, 'POST', '/api/shares', { bucket: alice.bucket, key: 'private/plan.txt', versionId: aliceVersion }, bob.apiKey))).toEqual([403, 'AccessDenied'])
    expect((await api(srv, 'PATCH', `/api/buckets/${alice.bucket}`, { publicRead: true }, alice.apiKey)).status).toBe(200)
    expect(code(await api(srv, 'POST', '/api/shares', { bucket: alice.bucket, key: 'private/plan.txt' }, bob.apiKey))).toEqual([403, 'AccessDenied'])
    expect((await api(srv, 'PATCH', `/api/buckets/${alice.bucket}`, { publicRead: false }, alice.apiKey)).status).toBe(200)
    expect(code(await api(srv, 'POST', '/api/shares', { bucket: 'no-such-bucket-anywhere', key: 'x' }, bob.apiKey))).toEqual([404, 'NoSuchBucket'])
  })

  test("pinning another account's version on one's own key is 404 NoSuchVersion (nothing about it leaks)", async () => {
    const r = await api(srv, 'POST', '/api/shares', { bucket: bob.bucket, key: 'plan.txt', versionId: aliceVersion }, bob.apiKey)
    expect(code(r)).toEqual([404, 'NoSuchVersion'])
    expect(r.text).not.toContain(alice.bucket)
  })

  test("GET /api/shares lists one's own shares only; filtering on another account's bucket is 403", async () => {
    const mine = await share(srv, { bucket: bob.bucket, key: 'plan.txt' }, bob.apiKey)
    const list = await api(srv, 'GET', '/api/shares', undefined, bob.apiKey)
    expect(list.body.shares.map((s: { id: string }) => s.id)).toEqual([mine.id])
    expect(list.text).not.toContain(aliceShare.token)
    expect(code(await api(srv, 'GET', `/api/shares?bucket=${alice.bucket}`, undefined, bob.apiKey))).toEqual([403, 'AccessDenied'])
    expect(code(await api(srv, 'GET', '/api/shares?bucket=no-such-bucket-anywhere', undefined, bob.apiKey))).toEqual([404, 'NoSuchBucket'])
    expect((await api(srv, 'GET', `/api/shares?key=private/plan.txt`, undefined, bob.apiKey)).body.shares).toEqual([])
  })

  test("GET and DELETE /api/shares/{id} of another account's share answer like a missing one; the link keeps working", async () => {
    const missing = await api(srv, 'GET', '/api/shares/sh_ffffffffffffffffff', undefined, bob.apiKey)
    const theirs = await api(srv, 'GET', `/api/shares/${aliceShare.id}`, undefined, bob.apiKey)
    expect(code(theirs)).toEqual([404, 'NotFound'])
    expect(theirs.text).not.toContain(aliceShare.token)
    expect(theirs.body.error.message.replace(aliceShare.id, 'ID')).toBe(missing.body.error.message.replace('sh_ffffffffffffffffff', 'ID'))
    expect(code(await api(srv, 'DELETE', `/api/shares/${aliceShare.id}`, undefined, bob.apiKey))).toEqual([404, 'NotFound'])
    expect(await (await fetch(aliceShare.url)).text()).toBe('alice only')
    expect((await api(srv, 'GET', `/api/shares/${aliceShare.id}`, undefined, alice.apiKey)).body.status).toBe('active')
  })

  test('an admin gets no data access to other accounts through shares either', async () => {
    const admin = await createAccount(srv, { isAdmin: true })
    expect(code(await api(srv, 'POST', '/api/shares', { bucket: alice.bucket, key: 'private/plan.txt' }, admin.apiKey))).toEqual([403, 'AccessDenied'])
    expect(code(await api(srv, 'GET', `/api/shares/${aliceShare.id}`, undefined, admin.apiKey))).toEqual([404, 'NotFound'])
    expect(code(await api(srv, 'DELETE', `/api/shares/${aliceShare.id}`, undefined, admin.apiKey))).toEqual([404, 'NotFound'])
  })

  test("a link never serves outside what it shares: no version switch, no sub-paths, no other bucket's key", async () => {
    const bobs = await share(srv, { bucket: bob.bucket, key: 'plan.txt' }, bob.apiKey)
    for (const u of [`${bobs.url}?versionId=${aliceVersion}`, `${bobs.url}?bucket=${alice.bucket}&key=private/plan.txt`]) {
      expect(await (await fetch(u)).text()).toBe('bob file')
    }
    expect((await fetch(`${bobs.url}/private/plan.txt`)).status).toBe(404)
    const out = await Bun.$`curl -s --path-as-is ${bobs.url}/../../${alice.bucket}/private/plan.txt`.text()
    expect(out).not.toContain('alice only')
  })
})

describe('sessions and API keys alike', () => {
  test('a browser session creates, lists and revokes shares (CSRF token required for writes)', async () => {
    const s = await login(srv, bob.email, bob.password)
    const browser = { cookie: s.cookie, origin: srv.httpUrl, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }
    const noCsrf = await fetch(`${srv.httpUrl}/api/shares`, { method: 'POST', headers: browser, body: JSON.stringify({ bucket: bob.bucket, key: 'plan.txt' }) })
    expect(noCsrf.status).toBe(403)
    const created = await fetch(`${srv.httpUrl}/api/shares`, { method: 'POST', headers: { ...browser, 'x-csrf-token': s.csrf }, body: JSON.stringify({ bucket: bob.bucket, key: 'plan.txt', maxDownloads: 2 }) })
    expect(created.status).toBe(201)
    const body = await created.json() as { id: string; url: string }
    expect(await (await fetch(body.url)).text()).toBe('bob file')
    const list = await (await fetch(`${srv.httpUrl}/api/shares`, { headers: { cookie: s.cookie } })).json() as { shares: Array<{ id: string }> }
    expect(list.shares.map((x) => x.id)).toContain(body.id)
    const del = await fetch(`${srv.httpUrl}/api/shares/${body.id}`, { method: 'DELETE', headers: { ...browser, 'x-csrf-token': s.csrf } })
    expect(del.status).toBe(200)
    expect((await fetch(body.url)).status).toBe(410)
  })
})
