import { count, eq, getTableColumns, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { aliased, prepareSelect } from '../prepared'
import { accounts, accountUsage, plans } from '../schema'

export type AccountRow = typeof accounts.$inferSelect
export type UsageRow = typeof accountUsage.$inferSelect
export type PlanRow = typeof plans.$inferSelect

const ph = sql.placeholder

/**
 * Accounts and their usage counters. The per-request lookups (byId, usage, addUsage) are
 * prepared once: building a drizzle query per call cost more than the query itself.
 */
export function accountsRepo(db: Db) {
  const { orm } = db
  const byId = prepareSelect(db, orm.select(aliased(getTableColumns(accounts))).from(accounts).where(eq(accounts.id, ph('id'))))
  const usage = prepareSelect(db, orm.select(aliased(getTableColumns(accountUsage))).from(accountUsage).where(eq(accountUsage.accountId, ph('id'))))
  const addUsage = orm.update(accountUsage).set({
    logicalBytes: sql`${accountUsage.logicalBytes} + ${ph('logical')}`,
    storedBytes: sql`${accountUsage.storedBytes} + ${ph('stored')}`,
    objects: sql`${accountUsage.objects} + ${ph('objects')}`,
  }).where(eq(accountUsage.accountId, ph('id'))).prepare()
  return {
    insert(row: typeof accounts.$inferInsert) {
      orm.insert(accounts).values(row).run()
      orm.insert(accountUsage).values({ accountId: row.id, logicalBytes: 0, storedBytes: 0, objects: 0, warnedPercent: 0 }).run()
    },
    byId: (id: string): AccountRow | undefined => byId.get({ id }),
    byEmail: (email: string): AccountRow | undefined => orm.select().from(accounts).where(sql`${accounts.email} = ${email} COLLATE NOCASE`).get(),
    list: (): AccountRow[] => orm.select().from(accounts).orderBy(accounts.createdAt).all(),
    update(id: string, patch: Partial<typeof accounts.$inferInsert>) {
      orm.update(accounts).set(patch).where(eq(accounts.id, id)).run()
    },
    delete(id: string) {
      orm.delete(accounts).where(eq(accounts.id, id)).run()
    },
    usage: (id: string): UsageRow | undefined => usage.get({ id }),
    /** Appliance-wide sums for the metrics gauges. */
    usageTotals: (): { accounts: number; logicalBytes: number; storedBytes: number; objects: number } =>
      orm.select({
        accounts: count(),
        logicalBytes: sql<number>`coalesce(sum(${accountUsage.logicalBytes}), 0)`,
        storedBytes: sql<number>`coalesce(sum(${accountUsage.storedBytes}), 0)`,
        objects: sql<number>`coalesce(sum(${accountUsage.objects}), 0)`,
      }).from(accountUsage).get()!,
    /** Adds deltas to the account's usage counters (inside the caller's transaction). */
    addUsage(id: string, d: { logical?: number; stored?: number; objects?: number }) {
      addUsage.run({ id, logical: d.logical ?? 0, stored: d.stored ?? 0, objects: d.objects ?? 0 })
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
    plans: (): PlanRow[] => orm.select().from(plans).all(),
  }
}
export type AccountsRepo = ReturnType<typeof accountsRepo>
