import { randomBytes } from 'node:crypto'
import { AppError } from '../../errors/app-error'
import { EVENT_TYPES, type EventType } from '../../events/catalog'
import { BlockedTargetError, checkWebhookUrl, parseAllowlist, resolveTarget, type Allowlist } from '../../events/ssrf'
import type { DeliveryRow, WebhookRow } from '../../db/repos/webhooks'
import type { Db } from '../../db/client'
import { withSecureDelete } from '../../db/pragmas'
import type { Repos } from '../../db/repos'
import { sealSecret } from '../../auth/master-key'
import { checkApiKey } from '../../domain/object-key'
import type { Deps } from '../deps'
import type { AccessService } from '../access/access'
import { WEBHOOK_CURSOR } from '../../events/webhook-worker'
import { attemptDelivery, attemptFields, deliveryBody, deliveryHeaders, messageIdOf, ROTATION_OVERLAP_MS, signingSecrets } from '../../events/webhook-delivery'

export const MAX_WEBHOOKS_PER_ACCOUNT = 10

export interface WebhookInfo {
  id: string
  url: string
  events: EventType[]
  active: boolean
  consecutiveFailures: number
  disabledReason: string | null
  createdAt: string
  /** Only events of this bucket; null: all. */
  bucket: string | null
  /** Only events whose key starts with this; null: all. */
  prefix: string | null
  /** While a rotated-out secret still signs (both signatures are sent until then); else null. */
  previousSecretExpiresAt: string | null
}

const isoOf = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export interface DeliveryInfo {
  id: number
  eventId: number
  /** The event type ('ping' for tests). */
  event: string
  kind: 'event' | 'test' | 'redelivery'
  /** The webhook-id header: the same for every attempt and redelivery of the event. */
  messageId: string
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  lastStatus: number | null
  lastError: string | null
  responseStatus: number | null
  error: string | null
  requestHeaders: Record<string, string> | null
  responseBody: string | null
  latencyMs: number | null
  createdAt: string
  finishedAt: string | null
  nextAttemptAt: string | null
}

/** A new signing secret: 24 random bytes, base64, `whsec_` (the Standard Webhooks serialization). */
const newSecret = () => 'whsec_' + randomBytes(24).toString('base64')

/** The event of a test delivery: never subscribed to, sent only to the webhook tested. */
export const PING_EVENT = 'ping'

function checkEvents(events: unknown): EventType[] {
  if (!Array.isArray(events) || events.length === 0) throw new AppError('ValidationError', { message: 'events must be a non-empty list of event names.' })
  for (const e of events) {
    if (!(EVENT_TYPES as readonly string[]).includes(e as string)) throw new AppError('ValidationError', { message: `Unknown event '${e}'. Events: ${EVENT_TYPES.join(', ')}.` })
  }
  return [...new Set(events as EventType[])]
}

function checkUrl(url: string): URL {
  try {
    return checkWebhookUrl(url)
  } catch (e) {
    throw new AppError('ValidationError', { message: `Invalid webhook url: ${(e as BlockedTargetError).message}.` })
  }
}

const RESOLVE_TIMEOUT_MS = 10_000

/**
 * The delivery's SSRF check, run up front: a URL whose host is (or resolves to) a private or
 * reserved address would only ever fail at delivery, silently, so it is refused here with a
 * message naming the allowlist. Delivery checks again (DNS may change).
 */
async function checkReachable(url: URL, allow: Allowlist): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BlockedTargetError(`${url.hostname} did not resolve within ${RESOLVE_TIMEOUT_MS / 1000} s`)), RESOLVE_TIMEOUT_MS)
  })
  try {
    await Promise.race([resolveTarget(url, allow), timeout])
  } catch (e) {
    if (e instanceof BlockedTargetError) throw new AppError('ValidationError', { message: `Webhook url refused: ${e.message}.` })
    throw e
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Seals webhook secrets an older version stored in clear (migration 0003 renamed the column;
 * SQL cannot encrypt). Runs at startup after the migrations; idempotent (sealed values start
 * with "v1:", clear ones with "whsec_"). secure_delete zeroes the replaced bytes and the
 * checkpoint moves the pages out of the WAL, so the clear text does not linger in the files.
 */
export function sealClearWebhookSecrets(db: Db, repos: Pick<Repos, 'webhooks'>, masterKey: Buffer): number {
  if (repos.webhooks.unsealedSecrets().length === 0) return 0
  return withSecureDelete(db, () => db.tx(() => {
    const rows = repos.webhooks.unsealedSecrets()
    for (const r of rows) repos.webhooks.setSealedSecret(r.id, sealSecret(masterKey, r.secret, r.id))
    return rows.length
  }))
}

/** Webhook subscriptions per account (the delivery worker lives in events/webhook-worker.ts). */
export function webhooksService(d: Deps, access: AccessService) {
  const { repos } = d
  const allow = parseAllowlist(d.config.webhookAllowlist)
  const info = (w: WebhookRow): WebhookInfo => ({
    id: w.id, url: w.url, events: JSON.parse(w.eventsJson), active: w.active, consecutiveFailures: w.consecutiveFailures,
    disabledReason: w.disabledReason, createdAt: new Date(w.createdAt).toISOString(), bucket: w.bucket, prefix: w.prefix,
    previousSecretExpiresAt: w.previousSecretEnc && w.previousUntil !== null && w.previousUntil > d.now() ? isoOf(w.previousUntil) : null,
  })
  const deliveryInfo = (x: DeliveryRow): DeliveryInfo => ({
    id: x.id, eventId: x.eventId, event: repos.events.byId(x.eventId)?.type ?? '', kind: x.kind, messageId: messageIdOf(x.eventId), status: x.status, attempts: x.attempts,
    lastStatus: x.lastStatus, lastError: x.lastError, responseStatus: x.lastStatus, error: x.lastError,
    requestHeaders: x.requestHeadersJson ? JSON.parse(x.requestHeadersJson) : null, responseBody: x.responseBody, latencyMs: x.latencyMs,
    createdAt: new Date(x.createdAt).toISOString(), finishedAt: isoOf(x.finishedAt),
    nextAttemptAt: x.status === 'pending' && x.kind === 'event' ? isoOf(x.nextAttemptAt) : null,
  })
  /** The bucket filter names one of the caller's buckets (services.access); '' or null: none. */
  const bucketFilter = (accountId: string, bucket: string | null | undefined) => (bucket ? access.ownBucket(accountId, bucket).name : null)
  const prefixFilter = (prefix: string | null | undefined) => (prefix ? checkApiKey(prefix, 'prefix') : null)
  /**
   * Sends one delivery now (a test ping or a redelivery): one attempt, recorded in the log, no
   * retries and no effect on the failure count; the webhook may be disabled (that is when it
   * needs debugging).
   */
  async function sendNow(w: WebhookRow, eventId: number, kind: 'test' | 'redelivery'): Promise<DeliveryInfo> {
    const event = repos.events.byId(eventId)!
    const id = d.db.tx(() => repos.webhooks.insertManualDelivery(w.id, eventId, kind, d.now()))
    const body = deliveryBody(event)
    const headers = deliveryHeaders({ webhookId: w.id, deliveryId: id, eventId, eventType: event.type, attempt: 1, secrets: signingSecrets(d.masterKey, w, d.now()), body, nowMs: d.now() })
    const r = await attemptDelivery(w.url, allow, headers, body)
    d.db.tx(() => {
      const now = d.now()
      repos.webhooks.updateDelivery({ id, status: r.error ? 'failed' : 'delivered', attempts: 1, nextAttemptAt: now, finishedAt: now, ...attemptFields(r) })
      repos.webhooks.pruneLog(w.id, d.config.webhookDeliveryLog)
    })
    return deliveryInfo(repos.webhooks.delivery(id)!)
  }
  /**
   * The dispatcher skips the outbox while no webhook is active; the first one to become active
   * starts from the newest event instead of scanning history it would filter out anyway.
   */
  const startCursorIfIdle = () => {
    if (!repos.webhooks.anyActive()) repos.webhooks.setSetting(WEBHOOK_CURSOR, String(repos.events.latestId()))
  }
  const owned = (accountId: string, id: string) => {
    const w = repos.webhooks.get(id)
    if (!w || w.accountId !== accountId) throw new AppError('NotFound', { message: `No webhook has the id '${id}'.` })
    return w
  }
  return {
    async create(accountId: string, input: { url: string; events: unknown; bucket?: string | null; prefix?: string | null }) {
      const parsed = checkUrl(input.url)
      const events = checkEvents(input.events)
      const bucket = bucketFilter(accountId, input.bucket)
      const prefix = prefixFilter(input.prefix)
      await checkReachable(parsed, allow)
      const url = parsed.toString()
      const now = d.now()
      const secret = newSecret()
      const id = 'wh_' + randomBytes(9).toString('hex')
      d.db.tx(() => {
        if (repos.webhooks.forAccount(accountId).length >= MAX_WEBHOOKS_PER_ACCOUNT) {
          throw new AppError('ValidationError', { message: `An account can have at most ${MAX_WEBHOOKS_PER_ACCOUNT} webhooks.` })
        }
        startCursorIfIdle()
        repos.webhooks.insert({ id, accountId, url, eventsJson: JSON.stringify(events), secretEnc: sealSecret(d.masterKey, secret, id), active: true, createdAt: now, updatedAt: now, bucket, prefix })
      })
      return { ...info(repos.webhooks.get(id)!), secret }
    },
    list: (accountId: string) => repos.webhooks.forAccount(accountId).map(info),
    async update(accountId: string, id: string, patch: { url?: string; events?: unknown; active?: boolean; bucket?: string | null; prefix?: string | null }) {
      owned(accountId, id)
      const row: Parameters<typeof repos.webhooks.update>[1] = {}
      if (patch.bucket !== undefined) row.bucket = bucketFilter(accountId, patch.bucket)
      if (patch.prefix !== undefined) row.prefix = prefixFilter(patch.prefix)
      const parsed = patch.url !== undefined ? checkUrl(patch.url) : null
      if (patch.events !== undefined) row.eventsJson = JSON.stringify(checkEvents(patch.events))
      if (parsed) {
        await checkReachable(parsed, allow)
        row.url = parsed.toString()
      }
      owned(accountId, id) // still there after the lookup
      if (patch.active !== undefined) {
        row.active = patch.active
        // Re-enabling starts a fresh failure count.
        if (patch.active) { row.consecutiveFailures = 0; row.disabledReason = null }
      }
      d.db.tx(() => {
        if (patch.active) startCursorIfIdle()
        repos.webhooks.update(id, row, d.now())
      })
      return info(repos.webhooks.get(id)!)
    },
    delete(accountId: string, id: string) {
      owned(accountId, id)
      d.db.tx(() => repos.webhooks.delete(id))
    },
    /** The delivery log, newest first: the last `webhook-delivery-log` deliveries. */
    deliveries(accountId: string, id: string): DeliveryInfo[] {
      owned(accountId, id)
      return repos.webhooks.deliveriesOf(id, d.config.webhookDeliveryLog).map(deliveryInfo)
    },

    /** Sends a `ping` event to this webhook now and answers with the delivery's result. */
    async test(accountId: string, id: string): Promise<DeliveryInfo> {
      const w = owned(accountId, id)
      const eventId = d.db.tx(() => repos.events.insert(PING_EVENT, accountId, { webhookId: w.id, message: 'A test delivery from CloudStorage. Ignore event types you do not know and answer 2xx.' }, d.now()))
      return sendNow(w, eventId, 'test')
    },

    /** Sends a logged delivery's event again (same webhook-id, fresh timestamp and signatures). */
    async redeliver(accountId: string, id: string, deliveryId: number): Promise<DeliveryInfo> {
      const w = owned(accountId, id)
      const x = repos.webhooks.delivery(deliveryId)
      if (!x || x.webhookId !== w.id) throw new AppError('NotFound', { message: `Webhook '${id}' has no delivery ${deliveryId}.` })
      if (!repos.events.byId(x.eventId)) throw new AppError('NotFound', { message: `The event of delivery ${deliveryId} is no longer kept.` })
      return sendNow(w, x.eventId, 'redelivery')
    },

    /**
     * A new signing secret, shown once. The previous one keeps signing for 24 h (both
     * signatures are sent meanwhile), so receivers can switch without dropping a delivery.
     */
    rotateSecret(accountId: string, id: string): { secret: string; previousSecretExpiresAt: string } {
      owned(accountId, id)
      const secret = newSecret()
      const until = d.now() + ROTATION_OVERLAP_MS
      d.db.tx(() => {
        const w = owned(accountId, id)
        repos.webhooks.update(id, { secretEnc: sealSecret(d.masterKey, secret, id), previousSecretEnc: w.secretEnc, previousUntil: until }, d.now())
      })
      return { secret, previousSecretExpiresAt: new Date(until).toISOString() }
    },
  }
}
export type WebhooksService = ReturnType<typeof webhooksService>
