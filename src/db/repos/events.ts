import { eq, getTableColumns, gt, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { aliased, prepareSelect } from '../prepared'
import { events } from '../schema'

export type EventRow = typeof events.$inferSelect

const ph = sql.placeholder

/** The durable outbox. Callers insert inside the transaction that made the change. */
export function eventsRepo(db: Db) {
  const { orm } = db
  const insert = orm.insert(events).values({ type: ph('type'), accountId: ph('accountId'), payloadJson: ph('payloadJson'), createdAt: ph('now') })
    .returning({ id: events.id }).prepare()
  const after = prepareSelect(db, orm.select(aliased(getTableColumns(events))).from(events).where(gt(events.id, ph('afterId'))).orderBy(events.id).limit(ph('limit')))
  const byId = prepareSelect(db, orm.select(aliased(getTableColumns(events))).from(events).where(eq(events.id, ph('id'))))
  return {
    insert(type: string, accountId: string | null, payload: unknown, now: number): number {
      return insert.get({ type, accountId, payloadJson: JSON.stringify(payload), now })!.id
    },
    after: (afterId: number, limit = 500): EventRow[] => after.all({ afterId, limit }),
    byId: (id: number): EventRow | undefined => byId.get({ id }),
    latestId: (): number => orm.select({ id: sql<number>`coalesce(max(${events.id}), 0)` }).from(events).get()!.id,
  }
}
export type EventsRepo = ReturnType<typeof eventsRepo>
