import type { AppContext } from '../app'
import type { Logger } from '../log/logger'
import type { DeliveryRow, WebhookRow } from '../db/repos/webhooks'
import { parseAllowlist } from './ssrf'
import { attemptDelivery, attemptFields, deliveryBody, deliveryHeaders, signingSecrets, type AttemptResult } from './webhook-delivery'

/** Failed deliveries are retried this many times (so 1 + 3 attempts), with exponential backoff. */
export const MAX_RETRIES = 3
/** A webhook is disabled after this many consecutive failed deliveries. */
export const DISABLE_AFTER = 10
const CONCURRENCY = 4
export const WEBHOOK_CURSOR = 'webhook_cursor'

/**
 * Does an event pass a webhook's filters: its type, its bucket (when the webhook names one) and
 * its key's prefix (when it names one)? Events without a bucket or key (quota, keys, accounts)
 * pass only webhooks without that filter.
 */
export function webhookWants(w: Pick<WebhookRow, 'eventsJson' | 'bucket' | 'prefix'>, type: string, data: Record<string, unknown>): boolean {
  if (!(JSON.parse(w.eventsJson) as string[]).includes(type)) return false
  if (w.bucket !== null && data.bucket !== w.bucket) return false
  if (w.prefix !== null && (typeof data.key !== 'string' || !data.key.startsWith(w.prefix))) return false
  return true
}

/**
 * Delivers webhooks from the durable outbox. A dispatcher turns new `events` rows into
 * `webhook_deliveries` rows for matching active webhooks, advancing its cursor in the same
 * transaction (a restart neither loses nor repeats a delivery); a sender POSTs due deliveries
 * signed both ways (see webhook-delivery.ts), retrying with exponential backoff. Finished
 * deliveries beyond the log's size are pruned, oldest first.
 */
export function startWebhookWorker(ctx: AppContext, log: Logger) {
  const retryBaseMs = ctx.config.webhookRetryBaseMs
  const logSize = ctx.config.webhookDeliveryLog
  const allow = parseAllowlist(ctx.config.webhookAllowlist)
  const repo = ctx.repos.webhooks
  let stopped = false
  let running: Promise<void> | null = null
  let again = false

  // The worker starts with the appliance: a test or redelivery still pending was cut off by the stop.
  ctx.db.tx(() => repo.failInterruptedManual(ctx.now()))

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
        const candidates = hooks.get(e.accountId)!
        if (candidates.length === 0) continue
        const data = JSON.parse(e.payloadJson) as Record<string, unknown>
        for (const w of candidates) {
          // Only events that happened after the subscription, of the types and scope it asked for.
          if (e.createdAt < w.createdAt || !webhookWants(w, e.type, data)) continue
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
    const body = deliveryBody(event)
    const attempts = d.attempts + 1
    let r: AttemptResult
    try {
      const headers = deliveryHeaders({
        webhookId: w.id, deliveryId: d.id, eventId: event.id, eventType: event.type, attempt: attempts, secrets: signingSecrets(ctx.masterKey, w, now()), body, nowMs: now(),
      })
      r = await attemptDelivery(w.url, allow, headers, body)
    } catch (e) {
      r = { status: null, error: (e as Error).message, latencyMs: 0, responseBody: null, requestHeaders: {} }
    }
    const error = r.error
    const fields = attemptFields(r)
    ctx.db.tx(() => {
      if (!error) {
        repo.updateDelivery({ ...d, ...fields, status: 'delivered', attempts, finishedAt: now() })
        if (w.consecutiveFailures) repo.update(w.id, { consecutiveFailures: 0 }, now())
        repo.pruneLog(w.id, logSize)
        return
      }
      if (attempts <= MAX_RETRIES) {
        repo.updateDelivery({ ...d, ...fields, attempts, nextAttemptAt: now() + retryBaseMs * 4 ** (attempts - 1) })
        return
      }
      repo.updateDelivery({ ...d, ...fields, status: 'failed', attempts, finishedAt: now() })
      repo.pruneLog(w.id, logSize)
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
