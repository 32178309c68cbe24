/**
 * Signed image URLs: POST /api/img/sign (and /sign-batch) mint /api/img/{bucket}/{key}?…&exp=&sig=
 * URLs that serve a private image without credentials, for exactly that bucket, key and
 * parameter set, until they expire by the appliance's clock (injected here).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { rmSync, statSync } from 'node:fs'
import sharp from 'sharp'
import { startInProcess, type InProcessTestServer } from '../helpers/server'
import { adminHeaders, api, createAccount, expectError, keyHeaders, login, type Account } from '../rest/rest-helpers'

let server: InProcessTestServer
let clock = Date.UTC(2030, 0, 1)
let alice: Account
let bob: Account

async function upload(who: Account, bucket: string, key: string, body: Buffer, type: string) {
  const r = await fetch(`${server.httpUrl}/api/v1/files?bucket=${bucket}&key=${encodeURIComponent(key)}`, { method: 'POST', headers: { ...keyHeaders(who.apiKey), 'content-type': type }, body: new Uint8Array(body) })
  expect(r.status).toBe(201)
}

async function sign(who: Account, body: Record<string, unknown>) {
  return api(server, 'POST', '/api/img/sign', { headers: keyHeaders(who.apiKey), json: body })
}

/** GET with no credentials at all. */
const anon = (path: string) => api(server, 'GET', path)

beforeAll(async () => {
  server = await startInProcess({ now: () => clock })
  alice = await createAccount(server)
  bob = await createAccount(server)
  const png = await sharp({ create: { width: 80, height: 40, channels: 3, background: '#3366cc' } }).png().toBuffer()
  await upload(alice, alice.bucket, 'pics/a.png', png, 'image/png')
  await upload(alice, alice.bucket, 'pics/b c.png', png, 'image/png')
  await upload(bob, bob.bucket, 'pics/a.png', png, 'image/png')
}, 120_000)
afterAll(async () => {
  await server.stop()
  rmSync(server.dataDir, { recursive: true, force: true })
})

describe('signing', () => {
  test('a signed URL serves a private image to anyone, resized, cached no longer than it lives', async () => {
    expectError(await anon(`/api/img/${alice.bucket}/pics/a.png?w=20`), 403, 'AccessDenied')
    const s = await sign(alice, { bucket: alice.bucket, key: 'pics/a.png', params: { w: 20, format: 'png' }, expiresIn: 600 })
    expect(s.status).toBe(200)
    expect(s.body.path).toMatch(new RegExp(`^/api/img/${alice.bucket}/pics/a\\.png\\?w=20&format=png&exp=\\d+&sig=[A-Za-z0-9_-]{43}$`))
    expect(s.body.url).toBe(server.httpUrl + s.body.path)
    expect(s.body.expiresAt).toBe(new Date(Math.floor(clock / 1000) * 1000 + 600_000).toISOString())
    const r = await fetch(s.body.url)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('image/png')
    expect(r.headers.get('cache-control')).toBe('private, max-age=600')
    expect((await sharp(Buffer.from(await r.arrayBuffer())).metadata()).width).toBe(20)
  })

  test('keys with spaces and slashes are encoded and still verify', async () => {
    const s = await sign(alice, { bucket: alice.bucket, key: 'pics/b c.png', params: { w: 10 } })
    expect(s.body.path).toContain('/pics/b%20c.png?')
    expect((await fetch(s.body.url)).status).toBe(200)
  })

  test('signing needs the bucket\'s owner: another account 403, a missing bucket 404, no credentials 401', async () => {
    expectError(await sign(bob, { bucket: alice.bucket, key: 'pics/a.png' }), 403, 'AccessDenied')
    expectError(await sign(alice, { bucket: 'no-such-bucket-here', key: 'pics/a.png' }), 404, 'NoSuchBucket')
    expectError(await api(server, 'POST', '/api/img/sign', { json: { bucket: alice.bucket, key: 'pics/a.png' } }), 401, 'Unauthorized')
  })

  test('parameters are checked when signing, as GET checks them', async () => {
    expectError(await sign(alice, { bucket: alice.bucket, key: 'pics/a.png', params: { w: 99999 } }), 400, 'ValidationError')
    expectError(await sign(alice, { bucket: alice.bucket, key: 'pics/a.png', params: { fit: 'squash' } }), 400, 'ValidationError')
    expectError(await sign(alice, { bucket: alice.bucket, key: 'pics/a.png', params: { exp: 5 } }), 400, 'ValidationError')
    expectError(await sign(alice, { bucket: alice.bucket, key: 'pics/a.png', expiresIn: 604801 }), 400, 'ValidationError')
  })

  test('a session can sign (the dashboard), with its CSRF token', async () => {
    const s = await login(server, alice.email, alice.password)
    const r = await api(server, 'POST', '/api/img/sign', { headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: server.httpUrl }, json: { bucket: alice.bucket, key: 'pics/a.png' } })
    expect(r.status).toBe(200)
    expect((await fetch(r.body.url)).status).toBe(200)
  })

  test('batch: one call signs a listing page; each URL is good for its own key only', async () => {
    const r = await api(server, 'POST', '/api/img/sign-batch', { headers: keyHeaders(alice.apiKey), json: { bucket: alice.bucket, keys: ['pics/a.png', 'pics/b c.png'], params: { w: 16, h: 16, fit: 'cover' } } })
    expect(r.status).toBe(200)
    expect(r.body.urls.map((u: { key: string }) => u.key)).toEqual(['pics/a.png', 'pics/b c.png'])
    for (const u of r.body.urls) expect((await fetch(u.url)).status).toBe(200)
    const [a, b] = r.body.urls
    const swapped = a.path.replace(/sig=[^&]+/, b.path.match(/sig=[^&]+/)[0])
    expectError(await anon(swapped), 403, 'AccessDenied')
    expectError(await api(server, 'POST', '/api/img/sign-batch', { headers: keyHeaders(alice.apiKey), json: { bucket: alice.bucket, keys: [] } }), 400, 'ValidationError')
  })
})

describe('tampering', () => {
  let path = ''
  beforeAll(async () => {
    path = (await sign(alice, { bucket: alice.bucket, key: 'pics/a.png', params: { w: 20, h: 20 } })).body.path
    expect((await anon(path)).status).toBe(200)
  })

  const cases: Array<[string, (p: string) => string]> = [
    ['another width', (p) => p.replace('w=20', 'w=21')],
    ['a parameter added', (p) => p.replace('?', '?blur=5&')],
    ['a parameter removed', (p) => p.replace('h=20&', '')],
    ['another key', (p) => p.replace('pics/a.png', 'pics/b%20c.png')],
    ['another bucket, same key', (p) => p.replace(`/api/img/${alice.bucket}/`, `/api/img/${bob.bucket}/`)],
    ['a later expiry', (p) => p.replace(/exp=(\d+)/, (_, e) => `exp=${Number(e) + 3600}`)],
    ['a changed signature', (p) => p.replace(/sig=(.)/, (_, c) => `sig=${c === 'A' ? 'B' : 'A'}`)],
    ['a truncated signature', (p) => p.slice(0, -1)],
    ['no signature', (p) => p.replace(/&sig=[^&]+/, '')],
    ['no expiry', (p) => p.replace(/&exp=\d+/, '')],
  ]
  for (const [what, change] of cases) {
    test(`${what} → 403 AccessDenied`, async () => {
      const changed = change(path)
      expect(changed).not.toBe(path)
      expectError(await anon(changed), 403, 'AccessDenied')
    })
  }

  test('a parameter repeated ahead of the signed one does not change the rendering: the signed value is used', async () => {
    const size = async (p: string) => {
      const r = await fetch(server.httpUrl + p)
      expect(r.status).toBe(200)
      const meta = await sharp(Buffer.from(await r.arrayBuffer())).metadata()
      return [meta.width, meta.height]
    }
    const signed = await size(path)
    expect(signed).toEqual([20, 10])
    for (const extra of ['w=8', 'w=8&h=4']) expect(await size(path.replace('?', `?${extra}&`))).toEqual(signed)
  })

  test('credentials of another account do not rescue a bad signature', async () => {
    const r = await api(server, 'GET', path.replace('w=20', 'w=22'), { headers: keyHeaders(bob.apiKey) })
    expectError(r, 403, 'AccessDenied')
  })
})

describe('expiry and revocation', () => {
  test('the URL works until exp and is refused from then on (the appliance clock)', async () => {
    const s = await sign(alice, { bucket: alice.bucket, key: 'pics/a.png', params: { w: 12 }, expiresIn: 60 })
    clock += 59_000
    expect((await anon(s.body.path)).status).toBe(200)
    clock += 1_000
    const r = await anon(s.body.path)
    expectError(r, 403, 'AccessDenied')
    expect(r.body.error.message).toContain('expired')
  })

  test('a bucket deleted and re-created under the same name is another resource', async () => {
    const name = `sig-${Date.now().toString(36)}`
    expect((await api(server, 'POST', '/api/buckets', { headers: keyHeaders(alice.apiKey), json: { name } })).status).toBe(201)
    await upload(alice, name, 'x.png', await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer(), 'image/png')
    const s = await sign(alice, { bucket: name, key: 'x.png' })
    expect((await anon(s.body.path)).status).toBe(200)
    expect((await api(server, 'DELETE', `/api/buckets/${name}?force=true`, { headers: keyHeaders(alice.apiKey) })).status).toBe(200)
    expect((await api(server, 'POST', '/api/buckets', { headers: keyHeaders(bob.apiKey), json: { name } })).status).toBe(201)
    await upload(bob, name, 'x.png', await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).png().toBuffer(), 'image/png')
    expectError(await anon(s.body.path), 403, 'AccessDenied')
  })

  test('a suspended owner\'s signed URLs stop working', async () => {
    const carol = await createAccount(server)
    await upload(carol, carol.bucket, 'c.png', await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } }).png().toBuffer(), 'image/png')
    const s = await sign(carol, { bucket: carol.bucket, key: 'c.png' })
    expect((await anon(s.body.path)).status).toBe(200)
    expect((await api(server, 'PATCH', `/api/admin/accounts/${carol.id}`, { headers: adminHeaders(server), json: { status: 'suspended' } })).status).toBe(200)
    expectError(await anon(s.body.path), 403, 'AccessDenied')
  })

  test('the server key is a 0600 file in the data dir and survives a restart', async () => {
    const s = await sign(alice, { bucket: alice.bucket, key: 'pics/a.png', params: { w: 14 }, expiresIn: 3600 })
    expect(statSync(`${server.dataDir}/url-signing.key`).mode & 0o777).toBe(0o600)
    const dataDir = server.dataDir
    await server.app.stop()
    const again = await startInProcess({ dataDir, now: () => clock })
    try {
      expect((await fetch(again.httpUrl + s.body.path)).status).toBe(200)
    } finally {
      await again.stop()
    }
    server = await startInProcess({ dataDir, now: () => clock })
  })
})
