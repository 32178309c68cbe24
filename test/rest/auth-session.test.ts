/**
 * Accounts and cookie sessions on the HTTP port: sign-up (closed by default), password and
 * email rules, login/logout, cookie attributes, hashed session ids, idle/absolute expiry,
 * revocation, CSRF, cookies refused by the S3 and REST surfaces, login throttling and the
 * dashboard rate limit.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test'
import { Database } from 'bun:sqlite'
import { createHash } from 'node:crypto'
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { ListBucketsCommand } from '@aws-sdk/client-s3'
import { ROOT_EMAIL, ROOT_PASSWORD, startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { logSettled } from '../helpers/output'
import { ROOT_API_KEY, api, createAccount, expectError, keyHeaders, login, sessionFrom, type Session } from './rest-helpers'

// Servers start and argon2 hashes run on a shared 2-core machine: no tight per-test clock.
setDefaultTimeout(120_000)

const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex')

function openDb(srv: TestServer): Database {
  const db = new Database(join(srv.dataDir, 'cloudstorage.db'))
  db.exec('PRAGMA busy_timeout = 10000')
  return db
}

/** Cookie attributes of a Set-Cookie header, lower-cased names. */
function cookieAttrs(setCookie: string): Record<string, string> {
  const [, ...attrs] = setCookie.split(';').map((s) => s.trim())
  return Object.fromEntries(attrs.map((a) => {
    const i = a.indexOf('=')
    return i < 0 ? [a.toLowerCase(), ''] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)]
  }))
}

describe('default server (sign-up closed)', () => {
  let srv: TestServer
  beforeAll(async () => { srv = await startInProcess() })
  afterAll(async () => { await srv?.stop() })

  test('sign-up is closed by default: 403 SignupClosed, nothing created', async () => {
    const r = await api(srv, 'POST', '/api/auth/signup', { json: { email: 'new@example.com', password: 'long-enough-password' } })
    expectError(r, 403, 'SignupClosed')
    expect(r.headers.get('set-cookie')).toBeNull()
    const list = await api(srv, 'GET', '/api/admin/accounts', { headers: keyHeaders(ROOT_API_KEY) })
    expect(list.body.accounts.map((a: { email: string }) => a.email)).toEqual([ROOT_EMAIL])
  })

  test('login sets a session cookie: HttpOnly, SameSite=Lax, Path=/, no Secure on plain HTTP, no Domain', async () => {
    const r = await api(srv, 'POST', '/api/auth/login', { json: { email: ROOT_EMAIL, password: ROOT_PASSWORD } })
    expect(r.status).toBe(200)
    expect(Object.keys(r.body).sort()).toEqual(['account', 'csrfToken'])
    expect(r.body.account.email).toBe(ROOT_EMAIL)
    expect(r.body.account.isAdmin).toBe(true)
    expect(r.body.csrfToken.length).toBeGreaterThanOrEqual(22)
    const s = sessionFrom(r)
    // ≥128 bits of randomness: 32 random bytes, base64url.
    expect(s.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const attrs = cookieAttrs(s.setCookie)
    expect(attrs.httponly).toBe('')
    expect(attrs.samesite).toBe('Lax')
    expect(attrs.path).toBe('/')
    expect('secure' in attrs).toBe(false)
    expect('domain' in attrs).toBe(false)
    // Absolute lifetime: 30 days by default.
    expect(Number(attrs['max-age'])).toBeWithin(30 * 86400 - 60, 30 * 86400 + 1)
    const me = await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } })
    expect(me.status).toBe(200)
    expect(me.body.account.email).toBe(ROOT_EMAIL)
    expect(me.body.csrfToken).toBe(s.csrf)
  })

  test('each login creates a fresh session (a presented cookie is never adopted)', async () => {
    const a = await login(srv)
    const r = await api(srv, 'POST', '/api/auth/login', { headers: { cookie: a.cookie }, json: { email: ROOT_EMAIL, password: ROOT_PASSWORD } })
    const b = sessionFrom(r)
    expect(b.value).not.toBe(a.value)
    expect(b.csrf).not.toBe(a.csrf)
    const planted = await api(srv, 'POST', '/api/auth/login', { headers: { cookie: 'session=attacker-chosen-value-0000000000000000000' }, json: { email: ROOT_EMAIL, password: ROOT_PASSWORD } })
    expect(sessionFrom(planted).value).not.toBe('attacker-chosen-value-0000000000000000000')
  })

  test('wrong password and unknown email get the same 401 InvalidCredentials', async () => {
    const a = await api(srv, 'POST', '/api/auth/login', { json: { email: ROOT_EMAIL, password: 'wrong-password-1' } })
    const b = await api(srv, 'POST', '/api/auth/login', { json: { email: 'nobody@example.com', password: 'wrong-password-1' } })
    expectError(a, 401, 'InvalidCredentials')
    expectError(b, 401, 'InvalidCredentials')
    expect(a.body.error.message).toBe(b.body.error.message)
    expect(a.headers.get('set-cookie')).toBeNull()
  })

  test('login body validation: invalid JSON, missing and unknown fields, wrong types, wrong content type', async () => {
    expectError(await api(srv, 'POST', '/api/auth/login', { headers: { 'content-type': 'application/json' }, body: '{"email":' }), 400, 'InvalidJSON')
    expectError(await api(srv, 'POST', '/api/auth/login', { json: { email: ROOT_EMAIL } }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/auth/login', { json: { email: ROOT_EMAIL, password: ROOT_PASSWORD, remember: true } }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/auth/login', { json: { email: ROOT_EMAIL, password: 12345678901 } }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/auth/login', { json: [ROOT_EMAIL, ROOT_PASSWORD] }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/auth/login', { headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ email: ROOT_EMAIL, password: ROOT_PASSWORD }) }), 415, 'UnsupportedMediaType')
  })

  test('the session id is stored only as a hash (the database and the log never hold the cookie value)', async () => {
    const s = await login(srv)
    const db = openDb(srv)
    try {
      const row = db.query('SELECT id_hash FROM sessions WHERE id_hash = ?').get(sha256hex(s.value))
      expect(row).not.toBeNull()
      expect(db.query('SELECT count(*) AS n FROM sessions WHERE id_hash = ?').get(s.value)).toEqual({ n: 0 })
    } finally { db.close() }
    for (const f of ['cloudstorage.db', 'cloudstorage.db-wal']) {
      const path = join(srv.dataDir, f)
      if (!existsSync(path)) continue
      const bytes = readFileSync(path)
      expect(bytes.indexOf(s.value)).toBe(-1)
      expect(bytes.indexOf(Buffer.from(s.value, 'base64url'))).toBe(-1)
    }
    // The login's log line is in (the log is written in batches) before its absence is checked.
    expect(await logSettled(srv)).not.toContain(s.value)
  })

  test('logout revokes the session and clears the cookie', async () => {
    const s = await login(srv)
    const other = await login(srv)
    const out = await api(srv, 'POST', '/api/auth/logout', { headers: { cookie: s.cookie } })
    expect(out.status).toBe(200)
    expect(out.body).toEqual({ success: true })
    const attrs = cookieAttrs(out.headers.get('set-cookie') ?? '')
    expect(out.headers.get('set-cookie')).toStartWith('session=;')
    expect(attrs['max-age']).toBe('0')
    expectError(await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } }), 401, 'Unauthorized')
    expectError(await api(srv, 'POST', '/api/auth/logout', { headers: { cookie: s.cookie } }), 401, 'Unauthorized')
    // Only that session: another login of the same account still works.
    expect((await api(srv, 'GET', '/api/me', { headers: { cookie: other.cookie } })).status).toBe(200)
  })

  test('no credentials: 401 Unauthorized with WWW-Authenticate; a garbage cookie is the same', async () => {
    const r = await api(srv, 'GET', '/api/me')
    expectError(r, 401, 'Unauthorized')
    expect(r.headers.get('www-authenticate')).toContain('Bearer')
    expectError(await api(srv, 'GET', '/api/me', { headers: { cookie: 'session=nope' } }), 401, 'Unauthorized')
    expectError(await api(srv, 'GET', '/api/keys', { headers: { cookie: `session=${'x'.repeat(5000)}` } }), 401, 'Unauthorized')
  })

  test('password change: checks the current password and the rules, revokes every session, old password stops working', async () => {
    const acct = await createAccount(srv, { password: 'first-password-1' })
    const a = await login(srv, acct.email, acct.password)
    const b = await login(srv, acct.email, acct.password)
    expectError(await api(srv, 'POST', '/api/auth/password', { headers: { cookie: a.cookie }, json: { currentPassword: 'not-the-password', newPassword: 'second-password-2' } }), 401, 'InvalidCredentials')
    expectError(await api(srv, 'POST', '/api/auth/password', { headers: { cookie: a.cookie }, json: { currentPassword: acct.password, newPassword: 'short' } }), 400, 'WeakPassword')
    expectError(await api(srv, 'POST', '/api/auth/password', { headers: { cookie: a.cookie }, json: { currentPassword: acct.password } }), 400, 'ValidationError')
    // The failed attempts changed nothing.
    expect((await api(srv, 'GET', '/api/me', { headers: { cookie: b.cookie } })).status).toBe(200)

    const r = await api(srv, 'POST', '/api/auth/password', { headers: { cookie: a.cookie }, json: { currentPassword: acct.password, newPassword: 'second-password-2' } })
    expect(r.status).toBe(200)
    expect(r.body.success).toBe(true)
    const fresh = sessionFrom({ ...r, body: { ...r.body, account: { id: acct.id } } })
    expect(fresh.value).not.toBe(a.value)
    expectError(await api(srv, 'GET', '/api/me', { headers: { cookie: a.cookie } }), 401, 'Unauthorized')
    expectError(await api(srv, 'GET', '/api/me', { headers: { cookie: b.cookie } }), 401, 'Unauthorized')
    expect((await api(srv, 'GET', '/api/me', { headers: { cookie: fresh.cookie } })).status).toBe(200)
    expectError(await api(srv, 'POST', '/api/auth/login', { json: { email: acct.email, password: acct.password } }), 401, 'InvalidCredentials')
    expect((await api(srv, 'POST', '/api/auth/login', { json: { email: acct.email, password: 'second-password-2' } })).status).toBe(200)
    // Access keys are not sessions: they keep working.
    expect((await api(srv, 'GET', '/api/v1/files', { headers: keyHeaders(acct.apiKey) })).status).toBe(200)
  })

  describe('CSRF on cookie-authenticated writes', () => {
    let s: Session
    let host: string
    beforeAll(async () => {
      s = await login(srv)
      host = new URL(srv.httpUrl).host
    })
    const createKey = (headers: Record<string, string>) => api(srv, 'POST', '/api/keys', { headers: { cookie: s.cookie, ...headers }, json: { name: 'csrf-test' } })
    const keyCount = async () => (await api(srv, 'GET', '/api/keys', { headers: { cookie: s.cookie } })).body.keys.length

    test('a cross-origin POST carrying the cookie is refused: 403 CsrfFailed, nothing created', async () => {
      const before = await keyCount()
      expectError(await createKey({ origin: 'http://evil.example' }), 403, 'CsrfFailed')
      // Even with the right token, a foreign Origin is refused.
      expectError(await createKey({ origin: 'http://evil.example', 'x-csrf-token': s.csrf }), 403, 'CsrfFailed')
      expectError(await createKey({ origin: 'null' }), 403, 'CsrfFailed')
      expect(await keyCount()).toBe(before)
    })

    test('Sec-Fetch-Site: cross-site (and same-site) is refused', async () => {
      expectError(await createKey({ 'sec-fetch-site': 'cross-site' }), 403, 'CsrfFailed')
      expectError(await createKey({ 'sec-fetch-site': 'cross-site', 'x-csrf-token': s.csrf }), 403, 'CsrfFailed')
      expectError(await createKey({ 'sec-fetch-site': 'same-site', 'x-csrf-token': s.csrf }), 403, 'CsrfFailed')
    })

    test('a same-origin browser request needs the X-CSRF-Token header', async () => {
      expectError(await createKey({ origin: `http://${host}` }), 403, 'CsrfFailed')
      expectError(await createKey({ 'sec-fetch-site': 'same-origin' }), 403, 'CsrfFailed')
      expectError(await createKey({ origin: `http://${host}`, 'sec-fetch-site': 'same-origin', 'x-csrf-token': 'wrong-token' }), 403, 'CsrfFailed')
      const ok = await createKey({ origin: `http://${host}`, 'sec-fetch-site': 'same-origin', 'x-csrf-token': s.csrf })
      expect(ok.status).toBe(201)
      const del = await api(srv, 'DELETE', `/api/keys?id=${ok.body.accessKey}`, { headers: { cookie: s.cookie, origin: `http://${host}`, 'x-csrf-token': s.csrf } })
      expect(del.status).toBe(200)
    })

    test('X-Forwarded-Host is not trusted without a trusted proxy', async () => {
      expectError(await createKey({ origin: 'http://evil.example', 'x-forwarded-host': 'evil.example', 'x-csrf-token': s.csrf }), 403, 'CsrfFailed')
    })

    test("another session's token does not work", async () => {
      const other = await login(srv)
      expectError(await createKey({ origin: `http://${host}`, 'x-csrf-token': other.csrf }), 403, 'CsrfFailed')
    })

    test('every cookie mutation is covered (bucket create, patch, delete, logout, password)', async () => {
      const evil = { cookie: s.cookie, origin: 'http://evil.example' }
      expectError(await api(srv, 'POST', '/api/buckets', { headers: evil, json: { name: 'csrf-bucket' } }), 403, 'CsrfFailed')
      expectError(await api(srv, 'GET', '/api/buckets/csrf-bucket', { headers: { cookie: s.cookie } }), 404, 'NoSuchBucket')
      const me = await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } })
      const bucket = me.body.account.defaultBucket
      expectError(await api(srv, 'PATCH', `/api/buckets/${bucket}`, { headers: evil, json: { publicRead: true } }), 403, 'CsrfFailed')
      expectError(await api(srv, 'DELETE', `/api/buckets/${bucket}?force=true`, { headers: evil }), 403, 'CsrfFailed')
      expectError(await api(srv, 'POST', '/api/auth/password', { headers: evil, json: { currentPassword: ROOT_PASSWORD, newPassword: 'hijacked-password' } }), 403, 'CsrfFailed')
      expectError(await api(srv, 'POST', '/api/auth/logout', { headers: evil }), 403, 'CsrfFailed')
      expectError(await api(srv, 'POST', '/api/admin/accounts', { headers: evil, json: { email: 'evil@example.com', password: 'evil-password-1' } }), 403, 'CsrfFailed')
      expect((await api(srv, 'GET', `/api/buckets/${bucket}`, { headers: { cookie: s.cookie } })).body.publicRead).toBe(false)
      expect((await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } })).status).toBe(200)
    })

    test('safe methods and non-browser clients (no Origin / Sec-Fetch-Site) pass without a token', async () => {
      expect((await api(srv, 'GET', '/api/keys', { headers: { cookie: s.cookie, origin: 'http://evil.example' } })).status).toBe(200)
      const r = await createKey({})
      expect(r.status).toBe(201)
      expect((await api(srv, 'DELETE', `/api/keys?id=${r.body.accessKey}`, { headers: { cookie: s.cookie } })).status).toBe(200)
    })

    test('API-key callers are not subject to the CSRF check (no ambient credential)', async () => {
      const r = await api(srv, 'POST', '/api/keys', { headers: { ...keyHeaders(ROOT_API_KEY), origin: 'http://evil.example' }, json: { name: 'by-key' } })
      expect(r.status).toBe(201)
      expect((await api(srv, 'DELETE', `/api/keys?id=${r.body.accessKey}`, { headers: keyHeaders(ROOT_API_KEY) })).status).toBe(200)
    })
  })

  describe('the S3 and REST file endpoints ignore cookies', () => {
    test('REST /api/v1/files with only a session cookie: 401 on every route', async () => {
      const s = await login(srv)
      const up = await api(srv, 'POST', '/api/v1/files?key=a.txt', { headers: keyHeaders(ROOT_API_KEY), body: 'hello' })
      expect(up.status).toBe(201)
      const c = { cookie: s.cookie }
      expectError(await api(srv, 'GET', '/api/v1/files', { headers: c }), 401, 'Unauthorized')
      expectError(await api(srv, 'POST', '/api/v1/files?key=b.txt', { headers: c, body: 'x' }), 401, 'Unauthorized')
      expectError(await api(srv, 'GET', `/api/v1/files/${up.body.id}`, { headers: c }), 401, 'Unauthorized')
      expectError(await api(srv, 'GET', `/api/v1/files/${up.body.id}?meta=true`, { headers: c }), 401, 'Unauthorized')
      expectError(await api(srv, 'DELETE', `/api/v1/files/${up.body.id}`, { headers: c }), 401, 'Unauthorized')
      expect((await api(srv, 'GET', `/api/v1/files/${up.body.id}?meta=true`, { headers: keyHeaders(ROOT_API_KEY) })).status).toBe(200)
    })

    test('S3 port with only a session cookie: anonymous, 403 AccessDenied', async () => {
      const s = await login(srv)
      const me = await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } })
      const bucket = me.body.account.defaultBucket
      for (const [method, path] of [['GET', '/'], ['GET', `/${bucket}`], ['GET', `/${bucket}/a.txt`], ['PUT', `/${bucket}/cookie.txt`], ['DELETE', `/${bucket}/a.txt`]]) {
        const r = await fetch(srv.s3Url + path, { method, headers: { cookie: s.cookie }, body: method === 'PUT' ? 'x' : undefined })
        const text = await r.text()
        expect({ method, path, status: r.status }).toEqual({ method, path, status: 403 })
        expect(text).toContain('<Code>AccessDenied</Code>')
      }
      // The object is still there.
      expect((await s3Client(srv.s3Url).send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toContain(bucket)
    })
  })
})

describe('sign-up open, secure cookies, short session lifetimes', () => {
  let srv: TestServer
  beforeAll(async () => {
    srv = await startInProcess({ env: { CLOUDSTORAGE_SIGNUP: 'open', CLOUDSTORAGE_SECURE_COOKIES: 'on', CLOUDSTORAGE_SESSION_IDLE_MINUTES: '1', CLOUDSTORAGE_SESSION_ABSOLUTE_HOURS: '2' } })
  })
  afterAll(async () => { await srv?.stop() })

  const signup = (email: string, password: string) => api(srv, 'POST', '/api/auth/signup', { json: { email, password } })

  test('sign-up returns the account, the first key pair, the default bucket, a CSRF token and a Secure session cookie', async () => {
    const r = await signup('alice@example.com', 'alice-password-1')
    expect(r.status).toBe(201)
    expect(Object.keys(r.body).sort()).toEqual(['accessKey', 'account', 'bucket', 'csrfToken', 'secretKey'])
    expect(Object.keys(r.body.account).sort()).toEqual(['createdAt', 'email', 'id'])
    expect(r.body.account.email).toBe('alice@example.com')
    expect(r.body.accessKey).toMatch(/^CS[A-Z0-9]{18}$/)
    expect(r.body.secretKey).toMatch(/^[A-Za-z0-9]{40}$/)
    expect(r.body.bucket).toBe('alice')
    const s = sessionFrom(r)
    const attrs = cookieAttrs(s.setCookie)
    expect('secure' in attrs).toBe(true)
    expect(attrs.httponly).toBe('')
    expect(attrs.samesite).toBe('Lax')
    expect(attrs.path).toBe('/')
    expect(Number(attrs['max-age'])).toBeWithin(2 * 3600 - 60, 2 * 3600 + 1)

    const me = await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } })
    expect(me.status).toBe(200)
    expect(me.body.account).toMatchObject({ id: r.body.account.id, email: 'alice@example.com', isAdmin: false, status: 'active', defaultBucket: 'alice' })
    expect(me.body.limits.maxBuckets).toBe(10)
    expect(me.body.limits.maxAccessKeys).toBe(5)
    expect(me.body.usage).toEqual({ bytes: 0, storedBytes: 0, objects: 0 })
    // The key pair works on S3 at once and sees exactly the default bucket.
    const s3 = s3Client(srv.s3Url, { accessKeyId: r.body.accessKey, secretAccessKey: r.body.secretKey })
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['alice'])
    // The secret is not retrievable later.
    const keys = await api(srv, 'GET', '/api/keys', { headers: { cookie: s.cookie } })
    expect(keys.text).not.toContain(r.body.secretKey)
  })

  test('a taken default bucket name gets a suffix', async () => {
    const r = await signup('alice@other.example', 'alice-password-2')
    expect(r.status).toBe(201)
    expect(r.body.bucket).toMatch(/^alice-[a-z0-9]{6}$/)
  })

  test('password rules: fewer than 10 characters → 400 WeakPassword', async () => {
    expectError(await signup('bob@example.com', 'short-pw1'), 400, 'WeakPassword')
    expectError(await signup('bob@example.com', ''), 400, 'WeakPassword')
    const ok = await signup('bob@example.com', '0123456789')
    expect(ok.status).toBe(201)
  })

  test('email validation → 400 InvalidEmail', async () => {
    for (const email of ['not-an-email', 'a@b', 'two@@example.com', 'sp ace@example.com', '', `${'x'.repeat(250)}@example.com`]) {
      const r = await signup(email, 'long-enough-password')
      expect({ email, code: r.body?.error?.code, status: r.status }).toEqual({ email, code: 'InvalidEmail', status: 400 })
    }
  })

  test('duplicate email (any case) → 409 AccountAlreadyExists', async () => {
    expectError(await signup('alice@example.com', 'another-password'), 409, 'AccountAlreadyExists')
    expectError(await signup('ALICE@Example.com', 'another-password'), 409, 'AccountAlreadyExists')
  })

  test('sign-up body validation', async () => {
    expectError(await api(srv, 'POST', '/api/auth/signup', { json: { email: 'carol@example.com' } }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/auth/signup', { json: { email: 'carol@example.com', password: 'long-enough-password', isAdmin: true } }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/auth/signup', { headers: { 'content-type': 'application/json' }, body: 'not json' }), 400, 'InvalidJSON')
  })

  test('login matches the email case-insensitively', async () => {
    const r = await api(srv, 'POST', '/api/auth/login', { json: { email: 'Alice@Example.COM', password: 'alice-password-1' } })
    expect(r.status).toBe(200)
    expect(r.body.account.email).toBe('alice@example.com')
  })

  test('idle expiry: a session unused for longer than the idle timeout is dead (and deleted); use keeps it alive', async () => {
    const s = await login(srv, 'alice@example.com', 'alice-password-1')
    const hash = sha256hex(s.value)
    const db = openDb(srv)
    const lastSeen = () => (db.query('SELECT last_seen_at AS t FROM sessions WHERE id_hash = ?').get(hash) as { t: number }).t
    try {
      // The idle timeout is 1 minute. 40 s idle: still alive, and the use refreshes it.
      db.query('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?').run(Date.now() - 40_000, hash)
      expect((await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } })).status).toBe(200)
      expect(Date.now() - lastSeen()).toBeLessThan(20_000)
      // Again 40 s later (80 s after the first mark): still alive because it was refreshed.
      db.query('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?').run(Date.now() - 40_000, hash)
      expect((await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } })).status).toBe(200)
      // Unused for longer than a minute: dead, and the row is gone.
      db.query('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?').run(Date.now() - 65_000, hash)
      expectError(await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } }), 401, 'Unauthorized')
      expect(db.query('SELECT count(*) AS n FROM sessions WHERE id_hash = ?').get(hash)).toEqual({ n: 0 })
    } finally { db.close() }
  })

  test('absolute expiry: a session past its absolute lifetime is dead even when active', async () => {
    const s = await login(srv, 'alice@example.com', 'alice-password-1')
    const hash = sha256hex(s.value)
    const db = openDb(srv)
    try {
      const row = db.query('SELECT created_at AS c, expires_at AS e FROM sessions WHERE id_hash = ?').get(hash) as { c: number; e: number }
      expect(row.e - row.c).toBe(2 * 3_600_000)
      db.query('UPDATE sessions SET created_at = ?, expires_at = ?, last_seen_at = ? WHERE id_hash = ?').run(Date.now() - 2 * 3_600_000 - 1000, Date.now() - 1000, Date.now(), hash)
      expectError(await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } }), 401, 'Unauthorized')
    } finally { db.close() }
  })

  test('a suspended account cannot log in, and its sessions end', async () => {
    const r = await signup('dave@example.com', 'dave-password-1')
    const s = sessionFrom(r)
    const sus = await api(srv, 'PATCH', `/api/admin/accounts/${r.body.account.id}`, { headers: keyHeaders(ROOT_API_KEY), json: { status: 'suspended' } })
    expect(sus.status).toBe(200)
    expectError(await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } }), 401, 'Unauthorized')
    expectError(await api(srv, 'POST', '/api/auth/login', { json: { email: 'dave@example.com', password: 'dave-password-1' } }), 403, 'AccountSuspended')
    // The wrong password must not reveal the suspension.
    expectError(await api(srv, 'POST', '/api/auth/login', { json: { email: 'dave@example.com', password: 'wrong-password-9' } }), 401, 'InvalidCredentials')
  })
})

describe('rate limits on: login throttling and the dashboard limit', () => {
  let srv: TestServer
  // Behind a trusted proxy, so each test can come from its own client address.
  // The appliance's clock runs ahead by `skipped` ms: waiting out a Retry-After is advancing it.
  let skipped = 0
  const wait = (seconds: number) => { skipped += seconds * 1000 }
  beforeAll(async () => { srv = await startInProcess({ env: { CLOUDSTORAGE_RATE_LIMITS: 'on', CLOUDSTORAGE_TRUST_PROXY: 'on' }, now: () => Date.now() + skipped }) })
  afterAll(async () => { await srv?.stop() })

  let ip = '198.51.100.1'
  const attempt = (email: string, password: string) =>
    api(srv, 'POST', '/api/auth/login', { headers: { 'x-forwarded-for': ip }, json: { email, password } })

  test('10 failures on an account → 429 with Retry-After, even for the right password; a wait lets it in', async () => {
    ip = '198.51.100.1'
    const acct = await createAccount(srv, { password: 'victim-password-1' })
    for (let i = 0; i < 10; i++) expectError(await attempt(acct.email, `wrong-password-${i}`), 401, 'InvalidCredentials')
    const limited = await attempt(acct.email, acct.password)
    expectError(limited, 429, 'TooManyRequests')
    const retry = Number(limited.headers.get('retry-after'))
    expect(Number.isInteger(retry)).toBe(true)
    expect(retry).toBeGreaterThanOrEqual(1)
    expect(retry).toBeLessThanOrEqual(2)
    // Email case does not escape the counter.
    expectError(await attempt(acct.email.toUpperCase(), acct.password), 429, 'TooManyRequests')
    wait(retry + 0.1)
    const ok = await attempt(acct.email, acct.password)
    expect(ok.status).toBe(200)
  }, 60_000)

  test('the delay grows exponentially with further failures', async () => {
    ip = '198.51.100.2'
    const acct = await createAccount(srv, { password: 'victim-password-2' })
    for (let i = 0; i < 10; i++) await attempt(acct.email, `wrong-password-${i}`)
    const first = Number((await attempt(acct.email, 'x-wrong-password')).headers.get('retry-after'))
    wait(first + 0.1)
    expectError(await attempt(acct.email, 'wrong-password-11'), 401, 'InvalidCredentials')
    const second = await attempt(acct.email, 'wrong-password-12')
    expectError(second, 429, 'TooManyRequests')
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(3)
    expect(Number(second.headers.get('retry-after'))).toBeLessThanOrEqual(4)
  }, 60_000)

  test('behind a trusted proxy the Origin may match X-Forwarded-Host (proxies such as nginx rewrite Host)', async () => {
    ip = '198.51.100.9'
    const s = await login(srv)
    const r = await api(srv, 'POST', '/api/keys', { headers: { cookie: s.cookie, origin: 'https://storage.example.com', 'x-forwarded-host': 'storage.example.com', 'x-forwarded-proto': 'https', 'x-csrf-token': s.csrf }, json: { name: 'via-proxy' } })
    expect(r.status).toBe(201)
    expectError(await api(srv, 'POST', '/api/keys', { headers: { cookie: s.cookie, origin: 'https://evil.example', 'x-forwarded-host': 'storage.example.com', 'x-csrf-token': s.csrf }, json: { name: 'x' } }), 403, 'CsrfFailed')
    expect((await api(srv, 'DELETE', `/api/keys?id=${r.body.accessKey}`, { headers: { cookie: s.cookie } })).status).toBe(200)
    // Login through the proxy over HTTPS sets a Secure cookie.
    const viaTls = await api(srv, 'POST', '/api/auth/login', { headers: { 'x-forwarded-for': ip, 'x-forwarded-proto': 'https' }, json: { email: ROOT_EMAIL, password: ROOT_PASSWORD } })
    expect(cookieAttrs(sessionFrom(viaTls).setCookie)).toHaveProperty('secure')
  })

  test('the dashboard API allows 30 requests per minute per account; one more waits its turn, a burst beyond the short queue gets 429 with Retry-After', async () => {
    const acct = await createAccount(srv, { password: 'dashboard-password-1' })
    // A fresh IP budget matters not here: this login is the first for this account.
    const s = await login(srv, acct.email, acct.password)
    const statuses: number[] = []
    for (let i = 0; i < 30; i++) statuses.push((await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } })).status)
    expect(statuses).toEqual(Array(30).fill(200))
    // A client that asks one at a time is slowed to the rate (a token every 2 s), not refused.
    expect((await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } })).status).toBe(200)
    // At most 10 s of waiting is queued (5 requests at 30/min): a burst of 8 has refusals.
    const burst = await Promise.all(Array.from({ length: 8 }, () => api(srv, 'GET', '/api/keys', { headers: { cookie: s.cookie } })))
    const limited = burst.filter((r) => r.status !== 200)
    expect(limited.length).toBeGreaterThanOrEqual(2)
    for (const r of limited) {
      expectError(r, 429, 'TooManyRequests')
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    }
  })

  test('10 failures from one IP across accounts → that IP is throttled for any account, other IPs are not', async () => {
    ip = '198.51.100.3'
    for (let i = 0; i < 10; i++) expectError(await attempt(`nobody${i}@example.com`, 'wrong-password-x'), 401, 'InvalidCredentials')
    const limited = await attempt(ROOT_EMAIL, ROOT_PASSWORD)
    expectError(limited, 429, 'TooManyRequests')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    ip = '198.51.100.4'
    expect((await attempt(ROOT_EMAIL, ROOT_PASSWORD)).status).toBe(200)
  })
})
