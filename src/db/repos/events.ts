import type { Db } from '../client'
import { events } from '../schema'

/** The durable outbox. Callers insert inside the transaction that made the change. */
export function eventsRepo(db: Db) {
  const { orm } = db
  return {
    insert(type: string, accountId: string | null, payload: unknown, now: number): number {
      const r = orm.insert(events).values({ type, accountId, payloadJson: JSON.stringify(payload), createdAt: now }).returning({ id: events.id }).get()
      return r.id
    },
    after: (afterId: number, limit = 500) =>
      db.sqlite.query('SELECT id, type, account_id AS accountId, payload_json AS payloadJson, created_at AS createdAt FROM events WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Array<typeof events.$inferSelect>,
    latestId: (): number => (db.sqlite.query('SELECT coalesce(max(id), 0) AS id FROM events').get() as { id: number }).id,
  }
}
export type EventsRepo = ReturnType<typeof eventsRepo>
