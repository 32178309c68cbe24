/**
 * Webhooks people can debug: every delivery carries the spec's X-CloudStorage-Signature and the
 * Standard Webhooks headers (a receiver verifies both: the spec's snippet as published, and the
 * `standardwebhooks` reference verifier from npm), webhook-id stays the same across retries and
 * redeliveries, a signed timestamp lets receivers reject replays, secret rotation signs with
 * both secrets for 24 h, bucket and prefix filters, test pings, redelivery, and a delivery log
 * with request headers, response status, the first 4 KiB of the answer and latency.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import crypto from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { startInProcess, type InProcessTestServer } from '../helpers/server'
import { verifyWebhook, webhookReceiver, type Delivery } from '../helpers/webhook-receiver'
import { createAccount, type Account } from '../rest/rest-helpers'
import { api, share, until, upload } from '../shares/helpers'

/** The spec's snippet on a received request: the body re-serialized, as its handler does. */
const specVerifies = (g: Delivery, secret: string, header = 'x-cloudstorage-signature') => verifyWebhook(JSON.stringify(JSON.parse(g.body)), g.headers[header], secret)

/** The npm Standard Webhooks verifier (timestamp tolerance 5 min against the real clock). */
function standardVerifies(g: Delivery, secret: string): true | string {
  try {
    new Webhook(secret).verify(g.body, g.headers)
    return true
  } catch (e) {
    return (e as Error).message
  }
}

let srv: InProcessTestServer
/** The appliance's clock: real time plus this offset. */
let offset = 0
const rx = webhookReceiver()

beforeAll(async () => {
  srv = await startInProcess({ now: () => Date.now() + offset, env: { CLOUDSTORAGE_WEBHOOK_ALLOWLIST: '127.0.0.1', CLOUDSTORAGE_WEBHOOK_RETRY_BASE_MS: '20', CLOUDSTORAGE_WEBHOOK_DELIVERY_LOG: '5' } })
}, 120_000)
afterAll(async () => {
  await srv.stop()
  rx.stop()
})

/** What the receiver got for `key` from webhook `id`, once there is something. */
const forKey = (id: string, key: string) => rx.got.filter((g) => g.headers['x-cloudstorage-webhook'] === id && JSON.parse(g.body).data?.key === key)
const deliveredFor = (id: string, key: string) => until(() => forKey(id, key).length > 0, `a delivery for ${key}`).then(() => forKey(id, key))

async function hook(input: Record<string, unknown>, key?: string): Promise<{ id: string; secret: string }> {
  const r = await api(srv, 'POST', '/api/webhooks', { url: rx.url, ...input }, key)
  if (r.status !== 201) throw new Error(`create webhook: ${r.status} ${r.text}`)
  return r.body
}

describe('signatures', () => {
  let h: { id: string; secret: string }
  beforeAll(async () => {
    h = await hook({ events: ['object.created', 'share.created', 'share.downloaded'] })
  })

  test('a new secret is whsec_ + base64 of 24 random bytes (the Standard Webhooks serialization)', () => {
    expect(h.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    expect(Buffer.from(h.secret.slice(6), 'base64')).toHaveLength(24)
  })

  test('a receiver verifies a delivery with the spec snippet and with the npm Standard Webhooks verifier', async () => {
    await upload(srv, 'root', 'sig/a.txt', 'signed')
    const [g] = await deliveredFor(h.id, 'sig/a.txt')
    expect(specVerifies(g, h.secret)).toBe(true)
    expect(standardVerifies(g, h.secret)).toBe(true)
    expect(g.headers['webhook-id']).toMatch(/^msg_\d+$/)
    expect(Math.abs(Number(g.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60)
    expect(g.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/)
    expect(g.headers['x-cloudstorage-signature']).toMatch(/^[0-9a-f]{64}$/)
    expect(g.headers['x-cloudstorage-signature-previous']).toBeUndefined()
    // Another secret verifies neither.
    const other = 'whsec_' + crypto.randomBytes(24).toString('base64')
    expect(specVerifies(g, other)).toBe(false)
    expect(standardVerifies(g, other)).toBe('No matching signature found')
  })

  test('replays: the timestamp is signed (changing it breaks the signature), and an old one is refused', async () => {
    const [g] = forKey(h.id, 'sig/a.txt')
    const moved = { ...g, headers: { ...g.headers, 'webhook-timestamp': String(Number(g.headers['webhook-timestamp']) + 1) } }
    expect(standardVerifies(moved, h.secret)).toBe('No matching signature found')
    // A delivery whose signed timestamp is 10 minutes old (the appliance's clock set back) is
    // what a replay looks like: valid signature, refused by the verifier's 5-minute tolerance.
    offset = -600_000
    try {
      const past = await hook({ events: ['object.created'], prefix: 'old/' })
      await upload(srv, 'root', 'old/replayed.txt', 'replayed')
      const [old] = await deliveredFor(past.id, 'old/replayed.txt')
      expect(standardVerifies(old, past.secret)).toBe('Message timestamp too old')
      const ts = new Date(Number(old.headers['webhook-timestamp']) * 1000)
      expect(new Webhook(past.secret).sign(old.headers['webhook-id'], ts, old.body)).toBe(old.headers['webhook-signature'])
    } finally {
      offset = 0
    }
  })

  test('webhook-id stays the same across retries; each attempt is signed with its own timestamp', async () => {
    rx.answer(500, 'try later')
    await upload(srv, 'root', 'sig/retry.txt', 'retried')
    await until(() => forKey(h.id, 'sig/retry.txt').length >= 2, 'a retry')
    rx.answer(200)
    await until(() => forKey(h.id, 'sig/retry.txt').length >= 3, 'the third attempt')
    const attempts = forKey(h.id, 'sig/retry.txt')
    expect(new Set(attempts.map((a) => a.headers['webhook-id'])).size).toBe(1)
    expect(attempts.map((a) => a.headers['x-cloudstorage-attempt']).slice(0, 3)).toEqual(['1', '2', '3'])
    for (const a of attempts) expect(standardVerifies(a, h.secret)).toBe(true)
  })

  test('share.created and share.downloaded are delivered', async () => {
    await upload(srv, 'root', 'sig/shared.txt', 'shared')
    const s = await share(srv, { bucket: 'root', key: 'sig/shared.txt' })
    await (await fetch(s.url)).text()
    await until(() => rx.got.filter((g) => JSON.parse(g.body).data?.shareId === s.id).length >= 2, 'both share events')
    const events = rx.got.filter((g) => JSON.parse(g.body).data?.shareId === s.id).map((g) => JSON.parse(g.body))
    expect(events.map((e) => e.event).sort()).toEqual(['share.created', 'share.downloaded'])
    expect(events.find((e) => e.event === 'share.downloaded').data).toMatchObject({ bucket: 'root', key: 'sig/shared.txt', downloads: 1, size: 6 })
  })
})

describe('secret rotation', () => {
  test('for 24 h both secrets sign (two webhook-signature entries, X-CloudStorage-Signature-Previous); then only the new one', async () => {
    const h = await hook({ events: ['object.created'], prefix: 'rot/' })
    const r = await api(srv, 'POST', `/api/webhooks/${h.id}/rotate-secret`)
    expect(r.status).toBe(200)
    expect(Object.keys(r.body).sort()).toEqual(['previousSecretExpiresAt', 'secret'])
    const fresh = r.body.secret as string
    expect(fresh).not.toBe(h.secret)
    expect(Date.parse(r.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(24 * 3_600_000 - 60_000)
    expect((await api(srv, 'GET', '/api/webhooks')).body.webhooks.find((w: { id: string }) => w.id === h.id).previousSecretExpiresAt).toBe(r.body.previousSecretExpiresAt)

    await upload(srv, 'root', 'rot/during.txt', 'x')
    const [d] = await deliveredFor(h.id, 'rot/during.txt')
    expect(d.headers['webhook-signature'].split(' ')).toHaveLength(2)
    expect(standardVerifies(d, fresh)).toBe(true)
    expect(standardVerifies(d, h.secret)).toBe(true)
    expect(specVerifies(d, fresh)).toBe(true)
    expect(specVerifies(d, h.secret, 'x-cloudstorage-signature-previous')).toBe(true)

    offset = 24 * 3_600_000 + 1000
    try {
      await upload(srv, 'root', 'rot/after.txt', 'y')
      const [a] = await deliveredFor(h.id, 'rot/after.txt')
      expect(a.headers['webhook-signature'].split(' ')).toHaveLength(1)
      expect(a.headers['x-cloudstorage-signature-previous']).toBeUndefined()
      expect(specVerifies(a, fresh)).toBe(true)
      // The appliance's clock is a day ahead here, so the signature is checked without the tolerance.
      const ts = new Date(Number(a.headers['webhook-timestamp']) * 1000)
      expect(new Webhook(fresh).sign(a.headers['webhook-id'], ts, a.body)).toBe(a.headers['webhook-signature'])
      expect(new Webhook(h.secret).sign(a.headers['webhook-id'], ts, a.body)).not.toBe(a.headers['webhook-signature'])
      expect((await api(srv, 'GET', '/api/webhooks')).body.webhooks.find((w: { id: string }) => w.id === h.id).previousSecretExpiresAt).toBeNull()
    } finally {
      offset = 0
    }
  })
})

describe('filters', () => {
  test('bucket and prefix: only matching object events are delivered; PATCH changes and clears them', async () => {
    expect((await api(srv, 'POST', '/api/buckets', { name: 'wh-filter-a' })).status).toBe(201)
    expect((await api(srv, 'POST', '/api/buckets', { name: 'wh-filter-b' })).status).toBe(201)
    const h = await hook({ events: ['object.created'], bucket: 'wh-filter-a', prefix: 'logs/' })
    expect(h).toMatchObject({ bucket: 'wh-filter-a', prefix: 'logs/' })
    for (const [b, k] of [['wh-filter-a', 'logs/1.txt'], ['wh-filter-a', 'other/2.txt'], ['wh-filter-b', 'logs/3.txt'], ['wh-filter-a', 'logs/4.txt']]) await upload(srv, b, k, 'x')
    await until(async () => (await api(srv, 'GET', `/api/webhooks/${h.id}/deliveries`)).body.deliveries.filter((d: { status: string }) => d.status === 'delivered').length === 2, 'two deliveries')
    const mine = rx.got.filter((g) => g.headers['x-cloudstorage-webhook'] === h.id).map((g) => JSON.parse(g.body).data)
    expect(mine.map((d) => `${d.bucket}/${d.key}`).sort()).toEqual(['wh-filter-a/logs/1.txt', 'wh-filter-a/logs/4.txt'])
    const p = await api(srv, 'PATCH', '/api/webhooks', { id: h.id, bucket: null, prefix: 'other/' })
    expect(p.body).toMatchObject({ bucket: null, prefix: 'other/' })
    await upload(srv, 'wh-filter-b', 'other/5.txt', 'x')
    await until(() => rx.got.some((g) => g.headers['x-cloudstorage-webhook'] === h.id && JSON.parse(g.body).data.key === 'other/5.txt'), 'the delivery after PATCH')
  })

  test("a bucket filter must name one of the caller's buckets (403 another account's, 404 a missing one)", async () => {
    const other = await createAccount(srv)
    expect((await api(srv, 'POST', '/api/webhooks', { url: rx.url, events: ['object.created'], bucket: other.bucket })).body.error.code).toBe('AccessDenied')
    expect((await api(srv, 'POST', '/api/webhooks', { url: rx.url, events: ['object.created'], bucket: 'no-such-bucket-zz' })).body.error.code).toBe('NoSuchBucket')
  })
})

describe('test pings, redelivery, the delivery log', () => {
  test('POST /test sends a ping now and answers with what happened (status, body excerpt, latency, headers)', async () => {
    const h = await hook({ events: ['object.deleted'] })
    const r = await api(srv, 'POST', `/api/webhooks/${h.id}/test`)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ kind: 'test', event: 'ping', status: 'delivered', attempts: 1, responseStatus: 200, lastStatus: 200, error: null, responseBody: 'ok' })
    expect(r.body.latencyMs).toBeGreaterThanOrEqual(0)
    expect(r.body.requestHeaders['webhook-id']).toBe(r.body.messageId)
    expect(r.body.requestHeaders['webhook-signature']).toMatch(/^v1,/)
    const g = rx.got.find((x) => x.headers['webhook-id'] === r.body.messageId)!
    expect(JSON.parse(g.body)).toMatchObject({ event: 'ping', data: { webhookId: h.id } })
    expect(specVerifies(g, h.secret)).toBe(true)
    expect(standardVerifies(g, h.secret)).toBe(true)

    rx.answer(500, 'x'.repeat(10_000))
    const failed = await api(srv, 'POST', `/api/webhooks/${h.id}/test`)
    rx.answer(200)
    expect(failed.body).toMatchObject({ status: 'failed', responseStatus: 500, error: 'HTTP 500', attempts: 1 })
    expect(failed.body.responseBody).toBe('x'.repeat(4096))
  })

  test('redeliver sends the same event again: the same webhook-id and body, a new log entry', async () => {
    const h = await hook({ events: ['object.created'], prefix: 'redo/' })
    await upload(srv, 'root', 'redo/a.txt', 'again')
    const [first] = await deliveredFor(h.id, 'redo/a.txt')
    let log: Array<{ id: number; kind: string }> = []
    await until(async () => (log = (await api(srv, 'GET', `/api/webhooks/${h.id}/deliveries`)).body.deliveries).some((d: { status: string }) => d.status === 'delivered'), 'the delivery in the log')
    const r = await api(srv, 'POST', `/api/webhooks/${h.id}/deliveries/${log[0].id}/redeliver`)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ kind: 'redelivery', status: 'delivered', event: 'object.created', messageId: first.headers['webhook-id'] })
    expect(r.body.id).not.toBe(log[0].id)
    const again = forKey(h.id, 'redo/a.txt')
    expect(again).toHaveLength(2)
    expect(again[1].body).toBe(first.body)
    expect(again[1].headers['webhook-id']).toBe(first.headers['webhook-id'])
    expect(standardVerifies(again[1], h.secret)).toBe(true)
    const after = (await api(srv, 'GET', `/api/webhooks/${h.id}/deliveries`)).body.deliveries
    expect(after.map((d: { kind: string }) => d.kind)).toEqual(['redelivery', 'event'])
    expect((await api(srv, 'POST', `/api/webhooks/${h.id}/deliveries/999999/redeliver`)).status).toBe(404)
    expect((await api(srv, 'POST', `/api/webhooks/${h.id}/deliveries/abc/redeliver`)).status).toBe(404)
  })

  test('the log keeps the last N deliveries (here 5), newest first, older ones pruned', async () => {
    const h = await hook({ events: ['object.deleted'] })
    const ids: number[] = []
    for (let i = 0; i < 8; i++) ids.push((await api(srv, 'POST', `/api/webhooks/${h.id}/test`)).body.id)
    const log = (await api(srv, 'GET', `/api/webhooks/${h.id}/deliveries`)).body.deliveries as Array<{ id: number }>
    expect(log.map((d) => d.id)).toEqual(ids.slice(3).reverse())
    expect(srv.app.ctx.repos.webhooks.deliveriesOf(h.id, 100)).toHaveLength(5)
  })

  test('a disabled webhook can still be tested', async () => {
    const h = await hook({ events: ['object.created'] })
    expect((await api(srv, 'PATCH', '/api/webhooks', { id: h.id, active: false })).body.active).toBe(false)
    expect((await api(srv, 'POST', `/api/webhooks/${h.id}/test`)).body.status).toBe('delivered')
  })
})

describe("another account's webhooks", () => {
  let other: Account
  let mine: { id: string }
  beforeAll(async () => {
    other = await createAccount(srv)
    mine = await hook({ events: ['object.created'] })
    await api(srv, 'POST', `/api/webhooks/${mine.id}/test`)
  })

  test('test, redeliver, rotate-secret and deliveries answer 404 to another account, and change nothing', async () => {
    const log = (await api(srv, 'GET', `/api/webhooks/${mine.id}/deliveries`)).body.deliveries as Array<{ id: number }>
    const before = rx.got.length
    for (const [method, path] of [
      ['POST', `/api/webhooks/${mine.id}/test`], ['GET', `/api/webhooks/${mine.id}/deliveries`],
      ['POST', `/api/webhooks/${mine.id}/deliveries/${log[0].id}/redeliver`], ['POST', `/api/webhooks/${mine.id}/rotate-secret`],
    ]) {
      const r = await api(srv, method, path, undefined, other.apiKey)
      expect([path, r.status, r.body.error.code]).toEqual([path, 404, 'NotFound'])
    }
    expect(rx.got.length).toBe(before)
    expect((await api(srv, 'GET', '/api/webhooks')).body.webhooks.find((w: { id: string }) => w.id === mine.id).previousSecretExpiresAt).toBeNull()
    // Their own webhook cannot redeliver one of mine by its delivery id either.
    const theirs = await hook({ events: ['object.created'] }, other.apiKey)
    expect((await api(srv, 'POST', `/api/webhooks/${theirs.id}/deliveries/${log[0].id}/redeliver`, undefined, other.apiKey)).status).toBe(404)
  })
})
