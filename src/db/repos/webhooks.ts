import type { Db } from '../client'

export interface WebhookRow {
  id: string
  accountId: string
  url: string
  eventsJson: string
  /** The signing secret sealed under the master key (sealSecret, the webhook id as AAD). */
  secretEnc: string
  active: number
  consecutiveFailures: number
  disabledReason: string | null
  createdAt: number
  updatedAt: number
}

export interface DeliveryRow {
  id: number
  webhookId: string
  eventId: number
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  nextAttemptAt: number
  lastStatus: number | null
  lastError: string | null
  createdAt: number
  finishedAt: number | null
}

const WH = 'id, account_id AS accountId, url, events_json AS eventsJson, secret_enc AS secretEnc, active, consecutive_failures AS consecutiveFailures, disabled_reason AS disabledReason, created_at AS createdAt, updated_at AS updatedAt'
const DL = 'id, webhook_id AS webhookId, event_id AS eventId, status, attempts, next_attempt_at AS nextAttemptAt, last_status AS lastStatus, last_error AS lastError, created_at AS createdAt, finished_at AS finishedAt'

export function webhooksRepo(db: Db) {
  const s = db.sqlite
  const insert = s.prepare('INSERT INTO webhooks (id, account_id, url, events_json, secret_enc, active, consecutive_failures, disabled_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, NULL, ?, ?)')
  const get = s.prepare(`SELECT ${WH} FROM webhooks WHERE id = ?`)
  const forAccount = s.prepare(`SELECT ${WH} FROM webhooks WHERE account_id = ? ORDER BY created_at`)
  const activeFor = s.prepare(`SELECT ${WH} FROM webhooks WHERE account_id = ? AND active = 1`)
  const del = s.prepare('DELETE FROM webhooks WHERE id = ?')
  const anyActive = s.prepare('SELECT 1 AS x FROM webhooks WHERE active = 1 LIMIT 1')
  const anySealed = s.prepare("SELECT 1 AS x FROM webhooks WHERE secret_enc LIKE 'v1:%' LIMIT 1")
  const insertDelivery = s.prepare('INSERT OR IGNORE INTO webhook_deliveries (webhook_id, event_id, status, attempts, next_attempt_at, created_at) VALUES (?, ?, \'pending\', 0, ?, ?)')
  const due = s.prepare(`SELECT ${DL} FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`)
  const updDelivery = s.prepare('UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?, finished_at = ? WHERE id = ?')
  const deliveriesOf = s.prepare(`SELECT ${DL} FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`)
  const pending = s.prepare('SELECT count(*) AS n FROM webhook_deliveries WHERE status = \'pending\'')
  const getSetting = s.prepare('SELECT value FROM settings WHERE name = ?')
  const setSetting = s.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value')

  return {
    insert: (w: Omit<WebhookRow, 'consecutiveFailures' | 'disabledReason'>) => insert.run(w.id, w.accountId, w.url, w.eventsJson, w.secretEnc, w.active, w.createdAt, w.updatedAt),
    get: (id: string) => get.get(id) as WebhookRow | null,
    forAccount: (accountId: string) => forAccount.all(accountId) as WebhookRow[],
    activeFor: (accountId: string) => activeFor.all(accountId) as WebhookRow[],
    update(id: string, patch: Partial<Pick<WebhookRow, 'url' | 'eventsJson' | 'active' | 'consecutiveFailures' | 'disabledReason'>>, now: number) {
      const cols: Record<string, string> = { url: 'url', eventsJson: 'events_json', active: 'active', consecutiveFailures: 'consecutive_failures', disabledReason: 'disabled_reason' }
      const sets = Object.keys(patch).map((k) => `${cols[k]} = ?`)
      if (!sets.length) return
      s.run(`UPDATE webhooks SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`, [...Object.values(patch) as Array<string | number | null>, now, id])
    },
    delete: (id: string) => del.run(id),
    anyActive: () => anyActive.get() !== null,
    /** Any secret sealed under a master key (startup must not mint a new key then). */
    anySealed: () => anySealed.get() !== null,
    insertDelivery: (webhookId: string, eventId: number, now: number) => insertDelivery.run(webhookId, eventId, now, now),
    due: (now: number, limit: number) => due.all(now, limit) as DeliveryRow[],
    updateDelivery: (d: Pick<DeliveryRow, 'id' | 'status' | 'attempts' | 'nextAttemptAt' | 'lastStatus' | 'lastError' | 'finishedAt'>) =>
      updDelivery.run(d.status, d.attempts, d.nextAttemptAt, d.lastStatus, d.lastError, d.finishedAt, d.id),
    deliveriesOf: (webhookId: string, limit: number) => deliveriesOf.all(webhookId, limit) as DeliveryRow[],
    pendingCount: () => (pending.get() as { n: number }).n,
    setting: (name: string) => (getSetting.get(name) as { value: string } | null)?.value ?? null,
    setSetting: (name: string, value: string) => setSetting.run(name, value),
  }
}
export type WebhooksRepo = ReturnType<typeof webhooksRepo>
