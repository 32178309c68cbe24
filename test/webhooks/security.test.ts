import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import crypto from 'node:crypto'
import { Database } from 'bun:sqlite'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { until } from '../helpers/wait'
import { verifyWebhook, webhookReceiver } from '../helpers/webhook-receiver'

/*
 * Webhook secrets are sealed under the master key (never in the database files in clear, and a
 * clear secret left by an older version is sealed at startup); webhook URLs the SSRF guard would
 * block are refused when created or changed, not left to fail silently at delivery.
 */

const H = { 'x-api-key': `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}`, 'content-type': 'application/json' }


/** The database file and its WAL, as bytes (what a stolen disk or backup would show). */
function dbBytes(dataDir: string): Buffer {
  const files = ['cloudstorage.db', 'cloudstorage.db-wal'].map((f) => join(dataDir, f)).filter(existsSync)
  return Buffer.concat(files.map((f) => readFileSync(f)))
}

async function api(srv: TestServer, method: string, path: string, body?: unknown) {
  const r = await fetch(`${srv.httpUrl}${path}`, { method, headers: H, body: body === undefined ? undefined : JSON.stringify(body) })
  return { status: r.status, body: await r.json() as any }
}

describe('webhook secrets at rest', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cs-whsec-'))
  const rx = webhookReceiver()
  const env = { CLOUDSTORAGE_WEBHOOK_ALLOWLIST: '127.0.0.1', CLOUDSTORAGE_WEBHOOK_RETRY_BASE_MS: '20' }
  let srv: TestServer
  beforeAll(async () => {
    srv = await startInProcess({ dataDir, env })
  }, 60_000)
  afterAll(async () => {
    await srv?.stop()
    rx.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('a new secret never reaches the database files in clear; deliveries verify with the spec snippet', async () => {
    const c = await api(srv, 'POST', '/api/webhooks', { url: rx.url, events: ['object.created'] })
    expect(c.status).toBe(201)
    const secret = c.body.secret as string
    expect(secret).toMatch(/^whsec_/)
    await s3Client(srv.s3Url).send(new PutObjectCommand({ Bucket: 'root', Key: 'sealed.txt', Body: 'x' }))
    const d = await until(() => rx.got.find((g) => JSON.parse(g.body).data.key === 'sealed.txt'), 'the delivery')
    expect(verifyWebhook(JSON.stringify(JSON.parse(d.body)), d.headers['x-cloudstorage-signature']!, secret)).toBe(true)
    const bytes = dbBytes(dataDir)
    expect(bytes.length).toBeGreaterThan(0)
    expect(bytes.includes(secret)).toBe(false)
    expect(bytes.includes(secret.slice('whsec_'.length))).toBe(false)
    // What is stored is the sealed envelope.
    const db = new Database(join(dataDir, 'cloudstorage.db'), { readonly: true })
    try {
      const row = db.query('SELECT secret_enc FROM webhooks WHERE id = ?').get(c.body.id) as { secret_enc: string }
      expect(row.secret_enc).toStartWith('v1:')
    } finally {
      db.close()
    }
  })

  test('a clear secret written by an older version (schema 2) is sealed at startup, and deliveries still verify', async () => {
    const hook = (await api(srv, 'GET', '/api/webhooks')).body.webhooks[0]
    await srv.stop()
    // Make the database what version 2 left behind: the `secret` column holding the secret in clear.
    const clear = 'whsec_' + crypto.randomBytes(24).toString('base64url')
    const db = new Database(join(dataDir, 'cloudstorage.db'))
    // What migrations 4 and 5 added goes too, so they apply again on the way up.
    db.run('DROP TABLE shares')
    for (const c of ['bucket', 'prefix', 'previous_secret_enc', 'previous_until']) db.run(`ALTER TABLE webhooks DROP COLUMN ${c}`)
    db.run('ALTER TABLE webhooks RENAME COLUMN secret_enc TO secret')
    db.run('UPDATE webhooks SET secret = ? WHERE id = ?', [clear, hook.id])
    db.run('PRAGMA user_version = 2')
    db.close()
    expect(dbBytes(dataDir).includes(clear)).toBe(true)

    srv = await startInProcess({ dataDir, env })
    const bytes = dbBytes(dataDir)
    expect(bytes.includes(clear)).toBe(false)
    expect(bytes.includes(clear.slice('whsec_'.length))).toBe(false)
    const ro = new Database(join(dataDir, 'cloudstorage.db'), { readonly: true })
    try {
      expect((ro.query('PRAGMA user_version').get() as { user_version: number }).user_version).toBeGreaterThanOrEqual(3)
      expect((ro.query('SELECT secret_enc FROM webhooks WHERE id = ?').get(hook.id) as { secret_enc: string }).secret_enc).toStartWith('v1:')
    } finally {
      ro.close()
    }

    rx.got.length = 0
    await s3Client(srv.s3Url).send(new PutObjectCommand({ Bucket: 'root', Key: 'after-upgrade.txt', Body: 'y' }))
    const d = await until(() => rx.got.find((g) => JSON.parse(g.body).data.key === 'after-upgrade.txt'), 'the delivery after the upgrade')
    expect(verifyWebhook(JSON.stringify(JSON.parse(d.body)), d.headers['x-cloudstorage-signature']!, clear)).toBe(true)

    // Idempotent: another restart leaves the sealed value alone.
    const before = (() => {
      const r = new Database(join(dataDir, 'cloudstorage.db'), { readonly: true })
      try { return (r.query('SELECT secret_enc FROM webhooks WHERE id = ?').get(hook.id) as { secret_enc: string }).secret_enc } finally { r.close() }
    })()
    await srv.stop()
    srv = await startInProcess({ dataDir, env })
    const r = new Database(join(dataDir, 'cloudstorage.db'), { readonly: true })
    try {
      expect((r.query('SELECT secret_enc FROM webhooks WHERE id = ?').get(hook.id) as { secret_enc: string }).secret_enc).toBe(before)
    } finally {
      r.close()
    }
  }, 120_000)
})

describe('SSRF: blocked webhook URLs are refused at creation', () => {
  let srv: TestServer
  beforeAll(async () => {
    srv = await startInProcess()
  }, 60_000)
  afterAll(async () => {
    await srv?.stop()
  })

  const BLOCKED = [
    'http://127.0.0.1:9/x', 'http://localhost:9/x', 'http://[::1]/x', 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/x',
    'http://192.168.1.10/x', 'http://172.16.0.1/x', 'http://100.64.0.1/x', 'https://0.0.0.0/x', 'http://0/x', 'http://0.1.2.3/x',
    // IPv4-compatible, IPv4-mapped (dotted and hex), NAT64 and 6to4 forms of private IPv4 addresses.
    'http://[::7f00:1]/x', 'http://[::a00:1]/x', 'http://[::127.0.0.1]/x', 'http://[::ffff:127.0.0.1]/x', 'http://[::ffff:7f00:1]/x',
    'http://[0:0:0:0:0:ffff:a9fe:a9fe]/x', 'http://[64:ff9b::a00:1]/x', 'http://[64:ff9b::127.0.0.1]/x', 'http://[2002:7f00:1::1]/x',
    // Other IPv6 private and reserved ranges.
    'http://[fe80::1]/x', 'http://[fd00::1]/x', 'http://[ff02::1]/x', 'http://[64:ff9b:1::1]/x', 'http://[2001::1]/x',
    // Decimal, octal, hex and short IPv4 literals.
    'http://2130706433/x', 'http://0x7f.1/x', 'http://017700000001/x', 'http://127.1/x', 'http://0x7f000001/x', 'http://0xa9.0xfe.0xa9.0xfe/',
  ]

  test('POST: every blocked form is a 400 naming CLOUDSTORAGE_WEBHOOK_ALLOWLIST', async () => {
    for (const url of BLOCKED) {
      const r = await api(srv, 'POST', '/api/webhooks', { url, events: ['object.created'] })
      expect([url, r.status, r.body.error?.code]).toEqual([url, 400, 'ValidationError'])
      expect(r.body.error.message).toContain('CLOUDSTORAGE_WEBHOOK_ALLOWLIST')
    }
    expect((await api(srv, 'GET', '/api/webhooks')).body.webhooks).toEqual([])
  })

  test('a host that does not resolve is refused; public addresses are accepted', async () => {
    const r = await api(srv, 'POST', '/api/webhooks', { url: 'https://no-such-host.invalid/hook', events: ['object.created'] })
    expect([r.status, r.body.error.code]).toEqual([400, 'ValidationError'])
    expect(r.body.error.message).toContain('does not resolve')
    for (const url of ['https://93.184.216.34/hook', 'http://[2606:4700:4700::1111]/hook', 'http://[::ffff:8.8.8.8]/hook', 'http://[64:ff9b::808:808]/hook']) {
      const ok = await api(srv, 'POST', '/api/webhooks', { url, events: ['object.created'] })
      expect([url, ok.status]).toEqual([url, 201])
    }
  })

  test('PATCH: changing the URL to a blocked one is refused and leaves the webhook unchanged', async () => {
    const hook = (await api(srv, 'GET', '/api/webhooks')).body.webhooks[0]
    for (const url of ['http://127.0.0.1:8080/x', 'http://[::ffff:7f00:1]/x', 'http://2130706433/', 'http://[::7f00:1]/']) {
      const r = await api(srv, 'PATCH', '/api/webhooks', { id: hook.id, url })
      expect([url, r.status, r.body.error?.code]).toEqual([url, 400, 'ValidationError'])
      expect(r.body.error.message).toContain('CLOUDSTORAGE_WEBHOOK_ALLOWLIST')
    }
    const after = (await api(srv, 'GET', '/api/webhooks')).body.webhooks.find((w: { id: string }) => w.id === hook.id)
    expect(after.url).toBe(hook.url)
    const ok = await api(srv, 'PATCH', '/api/webhooks', { id: hook.id, url: 'https://93.184.216.35/other' })
    expect(ok.status).toBe(200)
    expect(ok.body.url).toBe('https://93.184.216.35/other')
  })

  test('the allowlist admits a blocked range for creation (a LAN target)', async () => {
    const lan = await startInProcess({ env: { CLOUDSTORAGE_WEBHOOK_ALLOWLIST: '192.168.1.0/24,127.0.0.1' } })
    try {
      for (const url of ['http://192.168.1.20/hook', 'http://127.0.0.1:9/hook', 'http://[::ffff:127.0.0.1]:9/hook']) {
        expect([url, (await api(lan, 'POST', '/api/webhooks', { url, events: ['object.created'] })).status]).toEqual([url, 201])
      }
      expect((await api(lan, 'POST', '/api/webhooks', { url: 'http://192.168.2.20/hook', events: ['object.created'] })).status).toBe(400)
    } finally {
      await lan.stop()
    }
  }, 60_000)
})
