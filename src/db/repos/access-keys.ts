import { and, count, eq, getTableColumns, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { aliased, prepareSelect } from '../prepared'
import { accessKeys, accounts } from '../schema'

export type AccessKeyRow = typeof accessKeys.$inferSelect
/** A key with its account's standing. */
export type AccessKeyWithAccountRow = AccessKeyRow & Pick<typeof accounts.$inferSelect, 'isAdmin' | 'status'>

const ph = sql.placeholder

export function accessKeysRepo(db: Db) {
  const { orm } = db
  // Looked up on every signed request: prepared once.
  const byId = prepareSelect(db, orm.select(aliased(getTableColumns(accessKeys))).from(accessKeys).where(eq(accessKeys.id, ph('id'))))
  const withAccount = prepareSelect(db, orm.select(aliased({ ...getTableColumns(accessKeys), isAdmin: accounts.isAdmin, status: accounts.status }))
    .from(accessKeys).innerJoin(accounts, eq(accounts.id, accessKeys.accountId)).where(eq(accessKeys.id, ph('id'))))
  const touch = orm.update(accessKeys).set({ lastUsedAt: sql`${ph('now')}` }).where(eq(accessKeys.id, ph('id'))).prepare()
  return {
    insert: (row: AccessKeyRow) => orm.insert(accessKeys).values(row).run(),
    byId: (id: string): AccessKeyRow | undefined => byId.get({ id }),
    /** The key with its account's standing: the one lookup a signed request needs. */
    withAccount: (id: string): AccessKeyWithAccountRow | undefined => withAccount.get({ id }),
    /** Any one key (startup checks the master key against a stored secret). */
    any: (): AccessKeyRow | undefined => orm.select().from(accessKeys).limit(1).get(),
    listForAccount: (accountId: string): AccessKeyRow[] => orm.select().from(accessKeys).where(eq(accessKeys.accountId, accountId)).orderBy(accessKeys.createdAt).all(),
    countForAccount: (accountId: string): number => orm.select({ n: count() }).from(accessKeys).where(eq(accessKeys.accountId, accountId)).get()!.n,
    delete: (id: string, accountId?: string): boolean =>
      orm.delete(accessKeys).where(accountId ? and(eq(accessKeys.id, id), eq(accessKeys.accountId, accountId)) : eq(accessKeys.id, id)).returning({ id: accessKeys.id }).all().length > 0,
    touch: (id: string, now: number) => touch.run({ id, now }),
  }
}
export type AccessKeysRepo = ReturnType<typeof accessKeysRepo>
