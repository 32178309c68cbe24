import { eq, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { accessKeys } from '../schema'

export type AccessKeyRow = typeof accessKeys.$inferSelect

export function accessKeysRepo(db: Db) {
  const { orm } = db
  // Looked up on every signed request: a plain prepared statement.
  const byId = db.sqlite.prepare('SELECT id, account_id AS accountId, name, secret_enc AS secretEnc, created_at AS createdAt, last_used_at AS lastUsedAt FROM access_keys WHERE id = ?')
  const withAccount = db.sqlite.prepare('SELECT k.id, k.account_id AS accountId, k.name, k.secret_enc AS secretEnc, k.created_at AS createdAt, k.last_used_at AS lastUsedAt, a.is_admin AS isAdmin, a.status FROM access_keys k JOIN accounts a ON a.id = k.account_id WHERE k.id = ?')
  const touch = orm.update(accessKeys).set({ lastUsedAt: sql`${sql.placeholder('now')}` }).where(eq(accessKeys.id, sql.placeholder('id'))).prepare()
  return {
    insert: (row: AccessKeyRow) => orm.insert(accessKeys).values(row).run(),
    byId: (id: string): AccessKeyRow | undefined => (byId.get(id) as AccessKeyRow | null) ?? undefined,
    /** The key with its account's standing: the one lookup a signed request needs. */
    withAccount: (id: string) => (withAccount.get(id) as (AccessKeyRow & { isAdmin: number; status: 'active' | 'suspended' }) | null) ?? undefined,
    /** Any one key (startup checks the master key against a stored secret). */
    any: (): AccessKeyRow | undefined => orm.select().from(accessKeys).limit(1).get(),
    listForAccount: (accountId: string): AccessKeyRow[] => orm.select().from(accessKeys).where(eq(accessKeys.accountId, accountId)).orderBy(accessKeys.createdAt).all(),
    countForAccount: (accountId: string): number => orm.select({ n: sql<number>`count(*)` }).from(accessKeys).where(eq(accessKeys.accountId, accountId)).get()!.n,
    delete: (id: string, accountId?: string): boolean =>
      (accountId
        ? db.sqlite.run('DELETE FROM access_keys WHERE id = ? AND account_id = ?', [id, accountId])
        : db.sqlite.run('DELETE FROM access_keys WHERE id = ?', [id])).changes > 0,
    touch: (id: string, now: number) => touch.run({ id, now }),
  }
}
export type AccessKeysRepo = ReturnType<typeof accessKeysRepo>
