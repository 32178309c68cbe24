import { and, count, desc, eq, getTableColumns, like, lt, lte, ne, notLike, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { aliased, placeholderFor, prepareSelect } from '../prepared'
import { settings, webhookDeliveries, webhooks } from '../schema'

export type WebhookRow = typeof webhooks.$inferSelect
export type DeliveryRow = typeof webhookDeliveries.$inferSelect

const ph = sql.placeholder
// Written as a literal, as the partial index's WHERE clause is (see objects.ts).
const PENDING = sql`'pending'`
/** Sealed secrets start with the envelope's version tag. */
const SEALED = 'v1:%'

export function webhooksRepo(db: Db) {
  const { orm } = db
  const insert = orm.insert(webhooks).values({
    id: ph('id'), accountId: ph('accountId'), url: ph('url'), eventsJson: ph('eventsJson'), secretEnc: ph('secretEnc'), active: ph('active'),
    consecutiveFailures: 0, disabledReason: null, createdAt: ph('createdAt'), updatedAt: ph('updatedAt'), bucket: ph('bucket'), prefix: ph('prefix'),
    previousSecretEnc: null, previousUntil: null,
  }).prepare()
  const get = prepareSelect(db, orm.select(aliased(getTableColumns(webhooks))).from(webhooks).where(eq(webhooks.id, ph('id'))))
  const forAccount = prepareSelect(db, orm.select(aliased(getTableColumns(webhooks))).from(webhooks).where(eq(webhooks.accountId, ph('accountId'))).orderBy(webhooks.createdAt))
  const activeFor = prepareSelect(db, orm.select(aliased(getTableColumns(webhooks))).from(webhooks).where(and(eq(webhooks.accountId, ph('accountId')), eq(webhooks.active, sql`1`))))
  const del = orm.delete(webhooks).where(eq(webhooks.id, ph('id'))).prepare()
  const anyActive = prepareSelect(db, orm.select(aliased({ x: sql`1` })).from(webhooks).where(eq(webhooks.active, sql`1`)).limit(1))
  const anySealed = prepareSelect(db, orm.select(aliased({ x: sql`1` })).from(webhooks).where(like(webhooks.secretEnc, SEALED)).limit(1))
  const unsealed = prepareSelect(db, orm.select(aliased({ id: webhooks.id, secret: webhooks.secretEnc })).from(webhooks).where(notLike(webhooks.secretEnc, SEALED)))
  const setSecret = orm.update(webhooks).set({ secretEnc: sql`${ph('secretEnc')}` }).where(eq(webhooks.id, ph('id'))).prepare()
  // Dispatched deliveries are unique per (webhook, event) (a partial unique index); manual ones are not.
  const insertDelivery = orm.insert(webhookDeliveries).values({
    webhookId: ph('webhookId'), eventId: ph('eventId'), kind: 'event', status: 'pending', attempts: 0, nextAttemptAt: ph('now'), createdAt: ph('now'),
  }).onConflictDoNothing().prepare()
  const insertManual = orm.insert(webhookDeliveries).values({
    webhookId: ph('webhookId'), eventId: ph('eventId'), kind: placeholderFor(webhookDeliveries.kind, 'kind'), status: 'pending', attempts: 0,
    nextAttemptAt: ph('nextAttemptAt'), createdAt: ph('now'),
  }).returning({ id: webhookDeliveries.id }).prepare()
  const delivery = prepareSelect(db, orm.select(aliased(getTableColumns(webhookDeliveries))).from(webhookDeliveries).where(eq(webhookDeliveries.id, ph('id'))))
  // The log keeps the newest `keep` finished deliveries of a webhook (pending ones always stay).
  const pruneLog = orm.delete(webhookDeliveries).where(and(
    eq(webhookDeliveries.webhookId, ph('webhookId')), ne(webhookDeliveries.status, PENDING),
    lt(webhookDeliveries.id, sql`coalesce((SELECT ${webhookDeliveries.id} FROM ${webhookDeliveries} WHERE ${webhookDeliveries.webhookId} = ${ph('webhookId')} AND ${webhookDeliveries.status} <> 'pending' ORDER BY ${webhookDeliveries.id} DESC LIMIT 1 OFFSET ${ph('keep')} - 1), 0)`),
  )).prepare()
  const due = prepareSelect(db, orm.select(aliased(getTableColumns(webhookDeliveries))).from(webhookDeliveries).where(and(eq(webhookDeliveries.status, PENDING), lte(webhookDeliveries.nextAttemptAt, ph('now'))))
    .orderBy(webhookDeliveries.nextAttemptAt).limit(ph('limit')))
  const updDelivery = orm.update(webhookDeliveries).set({
    status: placeholderFor(webhookDeliveries.status, 'status'), attempts: placeholderFor(webhookDeliveries.attempts, 'attempts'),
    nextAttemptAt: placeholderFor(webhookDeliveries.nextAttemptAt, 'nextAttemptAt'), lastStatus: placeholderFor(webhookDeliveries.lastStatus, 'lastStatus'),
    lastError: placeholderFor(webhookDeliveries.lastError, 'lastError'), finishedAt: placeholderFor(webhookDeliveries.finishedAt, 'finishedAt'),
    requestHeadersJson: placeholderFor(webhookDeliveries.requestHeadersJson, 'requestHeadersJson'),
    responseBody: placeholderFor(webhookDeliveries.responseBody, 'responseBody'), latencyMs: placeholderFor(webhookDeliveries.latencyMs, 'latencyMs'),
  }).where(eq(webhookDeliveries.id, ph('id'))).prepare()
  const deliveriesOf = prepareSelect(db, orm.select(aliased(getTableColumns(webhookDeliveries))).from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, ph('webhookId'))).orderBy(desc(webhookDeliveries.id)).limit(ph('limit')))
  const pending = prepareSelect(db, orm.select(aliased({ n: count() })).from(webhookDeliveries).where(eq(webhookDeliveries.status, PENDING)))
  const getSetting = prepareSelect(db, orm.select(aliased({ value: settings.value })).from(settings).where(eq(settings.name, ph('name'))))
  const setSetting = orm.insert(settings).values({ name: ph('name'), value: ph('value') })
    .onConflictDoUpdate({ target: settings.name, set: { value: sql.raw('excluded.value') } }).prepare()

  return {
    insert: (w: Omit<WebhookRow, 'consecutiveFailures' | 'disabledReason' | 'previousSecretEnc' | 'previousUntil'>) => insert.run(w),
    get: (id: string): WebhookRow | null => get.get({ id }) ?? null,
    forAccount: (accountId: string): WebhookRow[] => forAccount.all({ accountId }),
    activeFor: (accountId: string): WebhookRow[] => activeFor.all({ accountId }),
    update(id: string, patch: Partial<Pick<WebhookRow, 'url' | 'eventsJson' | 'active' | 'consecutiveFailures' | 'disabledReason' | 'bucket' | 'prefix' | 'secretEnc' | 'previousSecretEnc' | 'previousUntil'>>, now: number) {
      if (Object.keys(patch).length === 0) return
      orm.update(webhooks).set({ ...patch, updatedAt: now }).where(eq(webhooks.id, id)).run()
    },
    delete: (id: string) => del.run({ id }),
    anyActive: () => anyActive.get() !== undefined,
    /** Any secret sealed under a master key (startup must not mint a new key then). */
    anySealed: () => anySealed.get() !== undefined,
    /** Secrets an older version stored in clear (see sealClearWebhookSecrets). */
    unsealedSecrets: (): Array<{ id: string; secret: string }> => unsealed.all(),
    setSealedSecret: (id: string, secretEnc: string) => setSecret.run({ id, secretEnc }),
    insertDelivery: (webhookId: string, eventId: number, now: number) => insertDelivery.run({ webhookId, eventId, now }),
    /** A test ping or a redelivery: its own row (the sender takes it, not the worker: never due). */
    insertManualDelivery: (webhookId: string, eventId: number, kind: 'test' | 'redelivery', now: number): number =>
      insertManual.get({ webhookId, eventId, kind, now, nextAttemptAt: Number.MAX_SAFE_INTEGER })!.id,
    delivery: (id: number): DeliveryRow | null => delivery.get({ id }) ?? null,
    /** Tests and redeliveries a stop cut off (the request that sent them is gone): failed. */
    failInterruptedManual: (now: number) => orm.update(webhookDeliveries).set({ status: 'failed', lastError: 'interrupted by a restart', finishedAt: now })
      .where(and(eq(webhookDeliveries.status, PENDING), ne(webhookDeliveries.kind, sql`'event'`))).run(),
    /** Drops a webhook's finished deliveries beyond the newest `keep`. */
    pruneLog: (webhookId: string, keep: number) => pruneLog.run({ webhookId, keep }),
    due: (now: number, limit: number): DeliveryRow[] => due.all({ now, limit }),
    updateDelivery: (d: Pick<DeliveryRow, 'id' | 'status' | 'attempts' | 'nextAttemptAt' | 'lastStatus' | 'lastError' | 'finishedAt' | 'requestHeadersJson' | 'responseBody' | 'latencyMs'>) => updDelivery.run(d),
    deliveriesOf: (webhookId: string, limit: number): DeliveryRow[] => deliveriesOf.all({ webhookId, limit }),
    pendingCount: (): number => pending.get()!.n,
    setting: (name: string): string | null => getSetting.get({ name })?.value ?? null,
    setSetting: (name: string, value: string) => setSetting.run({ name, value }),
  }
}
export type WebhooksRepo = ReturnType<typeof webhooksRepo>
