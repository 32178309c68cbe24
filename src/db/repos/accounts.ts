import { eq, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { accounts, accountUsage, plans } from '../schema'

export type AccountRow = typeof accounts.$inferSelect
export type UsageRow = typeof accountUsage.$inferSelect

const ACCOUNT_COLS = 'id, email, password_hash AS passwordHash, is_admin AS isAdmin, plan, quota_override AS quotaOverride, status, password_changed_at AS passwordChangedAt, created_at AS createdAt'
const USAGE_COLS = 'account_id AS accountId, logical_bytes AS logicalBytes, stored_bytes AS storedBytes, objects, warned_percent AS warnedPercent'
const toAccount = (r: (Omit<AccountRow, 'isAdmin'> & { isAdmin: number }) | null): AccountRow | undefined => (r ? { ...r, isAdmin: !!r.isAdmin } : undefined)

/**
 * Accounts and their usage counters. The per-request lookups (byId, usage, addUsage) are plain
 * prepared statements: drizzle's query building cost more than the queries themselves.
 */
export function accountsRepo(db: Db) {
  const { orm } = db
  const byId = db.sqlite.prepare(`SELECT ${ACCOUNT_COLS} FROM accounts WHERE id = ?`)
  const usage = db.sqlite.prepare(`SELECT ${USAGE_COLS} FROM account_usage WHERE account_id = ?`)
  const addUsage = db.sqlite.prepare('UPDATE account_usage SET logical_bytes = logical_bytes + ?, stored_bytes = stored_bytes + ?, objects = objects + ? WHERE account_id = ?')
  return {
    insert(row: typeof accounts.$inferInsert) {
      orm.insert(accounts).values(row).run()
      orm.insert(accountUsage).values({ accountId: row.id, logicalBytes: 0, storedBytes: 0, objects: 0, warnedPercent: 0 }).run()
    },
    byId: (id: string): AccountRow | undefined => toAccount(byId.get(id) as never),
    byEmail: (email: string): AccountRow | undefined => orm.select().from(accounts).where(sql`${accounts.email} = ${email} COLLATE NOCASE`).get(),
    list: (): AccountRow[] => orm.select().from(accounts).orderBy(accounts.createdAt).all(),
    update(id: string, patch: Partial<typeof accounts.$inferInsert>) {
      orm.update(accounts).set(patch).where(eq(accounts.id, id)).run()
    },
    delete(id: string) {
      orm.delete(accounts).where(eq(accounts.id, id)).run()
    },
    usage: (id: string): UsageRow | undefined => (usage.get(id) as UsageRow | null) ?? undefined,
    /** Appliance-wide sums for the metrics gauges. */
    usageTotals: (): { accounts: number; logicalBytes: number; storedBytes: number; objects: number } =>
      orm.select({
        accounts: sql<number>`count(*)`,
        logicalBytes: sql<number>`coalesce(sum(${accountUsage.logicalBytes}), 0)`,
        storedBytes: sql<number>`coalesce(sum(${accountUsage.storedBytes}), 0)`,
        objects: sql<number>`coalesce(sum(${accountUsage.objects}), 0)`,
      }).from(accountUsage).get()!,
    /** Adds deltas to the account's usage counters (inside the caller's transaction). */
    addUsage(id: string, d: { logical?: number; stored?: number; objects?: number }) {
      addUsage.run(d.logical ?? 0, d.stored ?? 0, d.objects ?? 0, id)
    },
    setUsage(id: string, u: { logicalBytes: number; storedBytes: number; objects: number }) {
      orm.update(accountUsage).set(u).where(eq(accountUsage.accountId, id)).run()
    },
    setWarnedPercent(id: string, p: number) {
      orm.update(accountUsage).set({ warnedPercent: p }).where(eq(accountUsage.accountId, id)).run()
    },
    upsertPlan(p: typeof plans.$inferInsert) {
      orm.insert(plans).values(p).onConflictDoUpdate({ target: plans.name, set: { quotaBytes: p.quotaBytes, maxBuckets: p.maxBuckets, maxKeys: p.maxKeys, ratesJson: p.ratesJson } }).run()
    },
    plans: () => orm.select().from(plans).all(),
  }
}
export type AccountsRepo = ReturnType<typeof accountsRepo>
