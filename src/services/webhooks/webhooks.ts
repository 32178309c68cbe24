import { randomBytes } from 'node:crypto'
import { AppError } from '../../errors/app-error'
import { EVENT_TYPES, type EventType } from '../../events/catalog'
import { BlockedTargetError, checkWebhookUrl, parseAllowlist, resolveTarget, type Allowlist } from '../../events/ssrf'
import type { WebhookRow } from '../../db/repos/webhooks'
import type { Db } from '../../db/client'
import { withSecureDelete } from '../../db/pragmas'
import type { Repos } from '../../db/repos'
import { sealSecret } from '../../auth/master-key'
import type { Deps } from '../deps'
import { WEBHOOK_CURSOR } from '../../events/webhook-worker'

export const MAX_WEBHOOKS_PER_ACCOUNT = 10

export interface WebhookInfo {
  id: string
  url: string
  events: EventType[]
  active: boolean
  consecutiveFailures: number
  disabledReason: string | null
  createdAt: string
}

const info = (w: WebhookRow): WebhookInfo => ({
  id: w.id, url: w.url, events: JSON.parse(w.eventsJson), active: w.active, consecutiveFailures: w.consecutiveFailures,
  disabledReason: w.disabledReason, createdAt: new Date(w.createdAt).toISOString(),
})

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
export function webhooksService(d: Deps) {
  const { repos } = d
  const allow = parseAllowlist(d.config.webhookAllowlist)
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
    async create(accountId: string, input: { url: string; events: unknown }) {
      const parsed = checkUrl(input.url)
      const events = checkEvents(input.events)
      await checkReachable(parsed, allow)
      const url = parsed.toString()
      const now = d.now()
      const secret = 'whsec_' + randomBytes(24).toString('base64url')
      const id = 'wh_' + randomBytes(9).toString('hex')
      d.db.tx(() => {
        if (repos.webhooks.forAccount(accountId).length >= MAX_WEBHOOKS_PER_ACCOUNT) {
          throw new AppError('ValidationError', { message: `An account can have at most ${MAX_WEBHOOKS_PER_ACCOUNT} webhooks.` })
        }
        startCursorIfIdle()
        repos.webhooks.insert({ id, accountId, url, eventsJson: JSON.stringify(events), secretEnc: sealSecret(d.masterKey, secret, id), active: true, createdAt: now, updatedAt: now })
      })
      return { ...info(repos.webhooks.get(id)!), secret }
    },
    list: (accountId: string) => repos.webhooks.forAccount(accountId).map(info),
    async update(accountId: string, id: string, patch: { url?: string; events?: unknown; active?: boolean }) {
      owned(accountId, id)
      const row: Parameters<typeof repos.webhooks.update>[1] = {}
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
    deliveries(accountId: string, id: string) {
      owned(accountId, id)
      return repos.webhooks.deliveriesOf(id, 50).map((x) => ({
        id: x.id, eventId: x.eventId, status: x.status, attempts: x.attempts, lastStatus: x.lastStatus, lastError: x.lastError,
        createdAt: new Date(x.createdAt).toISOString(), finishedAt: x.finishedAt ? new Date(x.finishedAt).toISOString() : null,
      }))
    },
  }
}
export type WebhooksService = ReturnType<typeof webhooksService>
