import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3'
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { until } from '../helpers/wait'
import { verifyWebhook, webhookReceiver } from '../helpers/webhook-receiver'

const KEY = { 'x-api-key': `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}`, 'content-type': 'application/json' }
let server: TestServer
const rx = webhookReceiver()

async function api(method: string, path: string, body?: unknown) {
  const r = await fetch(`${server.httpUrl}${path}`, { method, headers: KEY, body: body === undefined ? undefined : JSON.stringify(body) })
  return { status: r.status, body: await r.json() }
}

beforeAll(async () => {
  server = await startInProcess({ env: { CLOUDSTORAGE_WEBHOOK_ALLOWLIST: '127.0.0.1', CLOUDSTORAGE_WEBHOOK_RETRY_BASE_MS: '20' } })
}, 120_000)
afterAll(async () => {
  await server.stop()
  rx.stop()
})

describe('webhooks', () => {
  test('create returns the documented shape with a secret shown once; list hides it', async () => {
    const c = await api('POST', '/api/webhooks', { url: rx.url, events: ['object.created', 'object.deleted', 'quota.warning'] })
    expect(c.status).toBe(201)
    expect(Object.keys(c.body).sort()).toEqual(['active', 'createdAt', 'events', 'id', 'secret', 'url'])
    expect(c.body.id).toMatch(/^wh_[0-9a-f]+$/)
    expect(c.body.secret).toMatch(/^whsec_/)
    expect(c.body.active).toBe(true)
    const l = await api('GET', '/api/webhooks')
    expect(l.body.webhooks).toHaveLength(1)
    expect(l.body.webhooks[0].secret).toBeUndefined()
  })

  test('an S3 upload is delivered as a signed POST that the spec code verifies', async () => {
    const { body: [hook] } = { body: (await api('GET', '/api/webhooks')).body.webhooks }
    const secret = (await api('POST', '/api/webhooks', { url: rx.url, events: ['object.created'] })).body.secret as string
    rx.got.length = 0
    await s3Client(server.s3Url).send(new PutObjectCommand({ Bucket: 'root', Key: 'uploads/photo.jpg', Body: 'x'.repeat(2048), ContentType: 'image/jpeg' }))
    await until(() => rx.got.length >= 2, 'two deliveries')
    const bodies = rx.got.map((g) => JSON.parse(g.body))
    for (const b of bodies) {
      expect(b.event).toBe('object.created')
      expect(b.data).toMatchObject({ bucket: 'root', key: 'uploads/photo.jpg', size: 2048, contentType: 'image/jpeg' })
      expect(Date.parse(b.timestamp)).toBeGreaterThan(0)
    }
    const mine = rx.got.find((g) => g.headers['x-cloudstorage-webhook'] !== hook.id)!
    expect(verifyWebhook(JSON.stringify(JSON.parse(mine.body)), mine.headers['x-cloudstorage-signature']!, secret)).toBe(true)
    expect(mine.headers['x-cloudstorage-event']).toBe('object.created')
  }, 60_000)

  test('events a webhook did not subscribe to are not delivered', async () => {
    const hooks = (await api('GET', '/api/webhooks')).body.webhooks as Array<{ id: string; events: string[] }>
    const createdOnly = hooks.find((h) => h.events.length === 1)!
    rx.got.length = 0
    await s3Client(server.s3Url).send(new DeleteObjectCommand({ Bucket: 'root', Key: 'uploads/photo.jpg' }))
    await until(() => rx.got.length >= 1, 'a delivery')
    // The dispatcher inserts every delivery of an event in one transaction, so the one that
    // arrived means all of them exist; once none is pending, every one has been sent.
    await until(async () => {
      for (const h of hooks) {
        const { deliveries } = (await api('GET', `/api/webhooks/${h.id}/deliveries`)).body as { deliveries: Array<{ status: string }> }
        if (deliveries.some((d) => d.status === 'pending')) return false
      }
      return true
    }, 'no webhook delivery pending')
    expect(rx.got.map((g) => g.headers['x-cloudstorage-webhook'])).not.toContain(createdOnly.id)
    expect(JSON.parse(rx.got[0].body).event).toBe('object.deleted')
  }, 60_000)

  test('failures are retried 3 times, then the delivery fails; 10 failed deliveries disable the webhook', async () => {
    for (const h of (await api('GET', '/api/webhooks')).body.webhooks) await api('DELETE', `/api/webhooks?id=${h.id}`)
    const id = (await api('POST', '/api/webhooks', { url: rx.url, events: ['object.created'] })).body.id as string
    rx.answer(500)
    rx.got.length = 0
    const s3 = s3Client(server.s3Url)
    await s3.send(new PutObjectCommand({ Bucket: 'root', Key: 'fail-0', Body: 'x' }))
    await until(() => rx.got.length === 4, 'four attempts')
    // The worker records the outcome after the receiver has answered the fourth attempt.
    let first: Record<string, unknown> = {}
    await until(async () => (first = (await api('GET', `/api/webhooks/${id}/deliveries`)).body.deliveries[0]).status !== 'pending', 'the delivery to finish')
    expect(first).toMatchObject({ status: 'failed', attempts: 4, lastStatus: 500, lastError: 'HTTP 500' })
    for (let i = 1; i < 10; i++) await s3.send(new PutObjectCommand({ Bucket: 'root', Key: `fail-${i}`, Body: 'x' }))
    const disabled = await until(async () => {
      const w = (await api('GET', '/api/webhooks')).body.webhooks.find((h: { id: string }) => h.id === id)
      return !w.active && w
    }, 'the webhook to be disabled')
    expect(disabled.consecutiveFailures).toBe(10)
    expect(disabled.disabledReason).toContain('10 consecutive failed deliveries')
    // Re-enable through PATCH as the spec documents; the next event is delivered.
    rx.answer(200)
    const re = await api('PATCH', '/api/webhooks', { id, active: true })
    expect(re.body).toMatchObject({ active: true, consecutiveFailures: 0 })
    rx.got.length = 0
    await s3.send(new PutObjectCommand({ Bucket: 'root', Key: 'after', Body: 'x' }))
    await until(() => rx.got.find((g) => JSON.parse(g.body).data.key === 'after'), 'the delivery after re-enabling')
  }, 120_000)

  test('validation: bad URLs and unknown events are 400; another account cannot see or change it', async () => {
    expect((await api('POST', '/api/webhooks', { url: 'ftp://example.com/x', events: ['object.created'] })).status).toBe(400)
    expect((await api('POST', '/api/webhooks', { url: 'https://example.com/x', events: ['object.exploded'] })).status).toBe(400)
    expect((await api('POST', '/api/webhooks', { url: 'https://user:pw@example.com/x', events: ['object.created'] })).status).toBe(400)
    const created = await server.admin('account', 'create', '--email', 'other@test.local', '--password', 'other-password-1', '--json')
    const other = JSON.parse(created.stdout)
    const id = (await api('GET', '/api/webhooks')).body.webhooks[0].id
    const r = await fetch(`${server.httpUrl}/api/webhooks?id=${id}`, { method: 'DELETE', headers: { 'x-api-key': `${other.accessKey}:${other.secretKey}` } })
    expect(r.status).toBe(404)
    const list = await fetch(`${server.httpUrl}/api/webhooks`, { headers: { 'x-api-key': `${other.accessKey}:${other.secretKey}` } })
    expect((await list.json()).webhooks).toEqual([])
  }, 60_000)
})

describe('SSRF protection', () => {
  test('a target that was allowed at creation but is blocked at delivery is never contacted', async () => {
    // Created while the allowlist admitted loopback; the operator then removed the allowlist.
    // Creation refuses blocked targets (test/webhooks/security.test.ts); delivery checks again.
    const dataDir = mkdtempSync(join(tmpdir(), 'cs-ssrf-'))
    const local = webhookReceiver()
    const h = { 'x-api-key': `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}`, 'content-type': 'application/json' }
    try {
      const first = await startInProcess({ dataDir, env: { CLOUDSTORAGE_WEBHOOK_ALLOWLIST: '127.0.0.1,localhost', CLOUDSTORAGE_WEBHOOK_RETRY_BASE_MS: '10' } })
      for (const url of [local.url, local.url.replace('127.0.0.1', 'localhost')]) {
        const c = await fetch(`${first.httpUrl}/api/webhooks`, { method: 'POST', headers: h, body: JSON.stringify({ url, events: ['object.created'] }) })
        expect(c.status).toBe(201)
      }
      await first.stop()
      const blocked = await startInProcess({ dataDir, env: { CLOUDSTORAGE_WEBHOOK_RETRY_BASE_MS: '10' } })
      try {
        await s3Client(blocked.s3Url).send(new PutObjectCommand({ Bucket: 'root', Key: 'k', Body: 'x' }))
        const hooks = (await (await fetch(`${blocked.httpUrl}/api/webhooks`, { headers: h })).json()).webhooks as Array<{ id: string }>
        expect(hooks).toHaveLength(2)
        for (const hook of hooks) {
          const last: { status: string; lastError: string } = await until(async () => {
            const d = (await (await fetch(`${blocked.httpUrl}/api/webhooks/${hook.id}/deliveries`, { headers: h })).json()).deliveries[0]
            return d?.status === 'failed' && d
          }, 'the blocked delivery to fail')
          expect(last.status).toBe('failed')
          expect(last!.lastError).toMatch(/^blocked: .*CLOUDSTORAGE_WEBHOOK_ALLOWLIST/)
        }
        expect(local.got).toHaveLength(0)
      } finally {
        await blocked.stop()
      }
    } finally {
      local.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 120_000)
})
