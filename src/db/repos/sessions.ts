import { eq, getTableColumns, lt, or, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { aliased, prepareSelect } from '../prepared'
import { sessions } from '../schema'

export type SessionRow = typeof sessions.$inferSelect

const ph = sql.placeholder

export function sessionsRepo(db: Db) {
  const { orm } = db
  const insert = orm.insert(sessions).values({
    idHash: ph('idHash'), accountId: ph('accountId'), csrfToken: ph('csrfToken'), createdAt: ph('createdAt'), lastSeenAt: ph('lastSeenAt'), expiresAt: ph('expiresAt'),
  }).prepare()
  const get = prepareSelect(db, orm.select(aliased(getTableColumns(sessions))).from(sessions).where(eq(sessions.idHash, ph('idHash'))))
  const touch = orm.update(sessions).set({ lastSeenAt: sql`${ph('now')}` }).where(eq(sessions.idHash, ph('idHash'))).prepare()
  const del = orm.delete(sessions).where(eq(sessions.idHash, ph('idHash'))).prepare()
  const delAccount = orm.delete(sessions).where(eq(sessions.accountId, ph('accountId'))).prepare()
  const delExpired = orm.delete(sessions).where(or(lt(sessions.expiresAt, ph('now')), lt(sessions.lastSeenAt, ph('idleBefore')))).returning({ idHash: sessions.idHash }).prepare()
  return {
    insert: (r: SessionRow) => insert.run(r),
    get: (idHash: string): SessionRow | null => get.get({ idHash }) ?? null,
    touch: (idHash: string, now: number) => touch.run({ idHash, now }),
    delete: (idHash: string) => del.run({ idHash }),
    deleteForAccount: (accountId: string) => delAccount.run({ accountId }),
    deleteExpired: (now: number, idleBefore: number): number => delExpired.all({ now, idleBefore }).length,
  }
}
export type SessionsRepo = ReturnType<typeof sessionsRepo>
