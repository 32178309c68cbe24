import { createHmac } from 'node:crypto'
import type { AppContext } from '../app'
import type { Logger } from '../log/logger'
import type { DeliveryRow, WebhookRow } from '../db/repos/webhooks'
import { BlockedTargetError, parseAllowlist, resolveTarget } from './ssrf'
import { openSecret } from '../auth/master-key'

/** Failed deliveries are retried this many times (so 1 + 3 attempts), with exponential backoff. */
export const MAX_RETRIES = 3
/** A webhook is disabled after this many consecutive failed deliveries. */
export const DISABLE_AFTER = 10
const TIMEOUT_MS = 10_000
const CONCURRENCY = 4
export const WEBHOOK_CURSOR = 'webhook_cursor'

export const signPayload = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex')

/**
 * Delivers webhooks from the durable outbox. A dispatcher turns new `events` rows into
 * `webhook_deliveries` rows for matching active webhooks, advancing its cursor in the same
 * transaction (a restart neither loses nor repeats a delivery); a sender POSTs due deliveries
 * with an HMAC-SHA256 signature, retrying with exponential backoff.
 */
export function startWebhookWorker(ctx: AppContext, log: Logger) {
  const retryBaseMs = ctx.config.webhookRetryBaseMs
  const allow = parseAllowlist(ctx.config.webhookAllowlist)
  const repo = ctx.repos.webhooks
  let stopped = false
  let running: Promise<void> | null = null
  let again = false

  ctx.metrics.addGauge({
    name: 'cloudstorage_webhook_queue_depth', help: 'Webhook deliveries waiting to be sent (including retries).',
    read: () => [{ labels: {}, value: repo.pendingCount() }],
  })

  function dispatch(): number {
    // With no active webhook there is nothing to deliver and no reason for a write per event;
    // enabling the first webhook moves the cursor to the newest event (webhooks service).
    if (!repo.anyActive()) return 0
    return ctx.db.tx(() => {
      const after = Number(repo.setting(WEBHOOK_CURSOR) ?? 0)
      const events = ctx.repos.events.after(after, 500)
      const now = ctx.now()
      const hooks = new Map<string, WebhookRow[]>()
      for (const e of events) {
        if (!e.accountId) continue
        if (!hooks.has(e.accountId)) hooks.set(e.accountId, repo.activeFor(e.accountId))
        for (const w of hooks.get(e.accountId)!) {
          // Only events that happened after the subscription, for the types it asked for.
          if (e.createdAt < w.createdAt || !(JSON.parse(w.eventsJson) as string[]).includes(e.type)) continue
          repo.insertDelivery(w.id, e.id, now)
        }
      }
      if (events.length) repo.setSetting(WEBHOOK_CURSOR, String(events[events.length - 1].id))
      return events.length
    })
  }

  async function send(d: DeliveryRow) {
    const w = repo.get(d.webhookId)
    const event = ctx.repos.events.byId(d.eventId)
    const now = () => ctx.now()
    if (!w || !w.active || !event) {
      ctx.db.tx(() => repo.updateDelivery({ ...d, status: 'failed', lastError: !w ? 'webhook deleted' : !event ? 'event missing' : 'webhook disabled', finishedAt: now() }))
      return
    }
    const body = JSON.stringify({ event: event.type, timestamp: new Date(event.createdAt).toISOString(), data: JSON.parse(event.payloadJson) })
    let status: number | null = null
    let error: string | null = null
    try {
      const secret = openSecret(ctx.masterKey, w.secretEnc, w.id)
      const url = new URL(w.url)
      const address = await resolveTarget(url, allow)
      // Plain http connects to the address just checked (no DNS rebinding window); https must
      // use the name for certificate validation, so it goes by name after the same check.
      const target = url.protocol === 'http:' ? `http://${address.includes(':') ? `[${address}]` : address}${url.port ? `:${url.port}` : ''}${url.pathname}${url.search}` : url.toString()
      const res = await fetch(target, {
        method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: {
          host: url.host, 'content-type': 'application/json', 'user-agent': 'CloudStorage-Webhooks/1',
          'x-cloudstorage-signature': signPayload(secret, body), 'x-cloudstorage-event': event.type,
          'x-cloudstorage-delivery': String(d.id), 'x-cloudstorage-webhook': w.id,
        },
        body,
      })
      status = res.status
      await res.body?.cancel()
      if (status < 200 || status >= 300) error = `HTTP ${status}`
    } catch (e) {
      error = e instanceof BlockedTargetError ? `blocked: ${e.message}` : (e as Error).name === 'TimeoutError' ? `timed out after ${TIMEOUT_MS} ms` : (e as Error).message
    }
    ctx.db.tx(() => {
      const attempts = d.attempts + 1
      if (!error) {
        repo.updateDelivery({ ...d, status: 'delivered', attempts, lastStatus: status, lastError: null, finishedAt: now() })
        if (w.consecutiveFailures) repo.update(w.id, { consecutiveFailures: 0 }, now())
        return
      }
      if (attempts <= MAX_RETRIES) {
        repo.updateDelivery({ ...d, attempts, nextAttemptAt: now() + retryBaseMs * 4 ** (attempts - 1), lastStatus: status, lastError: error })
        return
      }
      repo.updateDelivery({ ...d, status: 'failed', attempts, lastStatus: status, lastError: error, finishedAt: now() })
      const failures = (repo.get(w.id)?.consecutiveFailures ?? 0) + 1
      const disable = failures >= DISABLE_AFTER
      repo.update(w.id, { consecutiveFailures: failures, ...(disable ? { active: false, disabledReason: `disabled after ${failures} consecutive failed deliveries (last: ${error})` } : {}) }, now())
      if (disable) log.info('webhook disabled', { webhook: w.id, url: w.url, error })
    })
  }

  async function pass() {
    try {
      while (!stopped && dispatch() > 0) { /* drain the outbox */ }
      for (;;) {
        const due = repo.due(ctx.now(), CONCURRENCY)
        if (stopped || due.length === 0) break
        await Promise.all(due.map(send))
      }
    } catch (e) {
      log.error('webhook worker pass failed', e)
    }
  }

  /** Runs a pass now, or once more after the current one. */
  function kick() {
    if (stopped) return
    if (running) { again = true; return }
    running = pass().finally(() => {
      running = null
      if (again) { again = false; kick() }
    })
  }

  const unsubscribe = ctx.bus.subscribe(() => kick())
  const timer = setInterval(kick, Math.min(1000, retryBaseMs))
  kick()
  return {
    kick,
    async stop() {
      stopped = true
      unsubscribe()
      clearInterval(timer)
      await running
    },
  }
}
