import type { Db } from '../client'
import { events } from '../schema'

/** The durable outbox. Callers insert inside the transaction that made the change. */
export function eventsRepo(db: Db) {
  const insert = db.sqlite.prepare('INSERT INTO events (type, account_id, payload_json, created_at) VALUES (?, ?, ?, ?) RETURNING id')
  return {
    insert(type: string, accountId: string | null, payload: unknown, now: number): number {
      return (insert.get(type, accountId, JSON.stringify(payload), now) as { id: number }).id
    },
    after: (afterId: number, limit = 500) =>
      db.sqlite.query('SELECT id, type, account_id AS accountId, payload_json AS payloadJson, created_at AS createdAt FROM events WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Array<typeof events.$inferSelect>,
    latestId: (): number => (db.sqlite.query('SELECT coalesce(max(id), 0) AS id FROM events').get() as { id: number }).id,
  }
}
export type EventsRepo = ReturnType<typeof eventsRepo>
