import { eq, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { accounts, accountUsage, plans } from '../schema'

export type AccountRow = typeof accounts.$inferSelect
export type UsageRow = typeof accountUsage.$inferSelect

export function accountsRepo(db: Db) {
  const { orm } = db
  const byId = orm.select().from(accounts).where(eq(accounts.id, sql.placeholder('id'))).prepare()
  return {
    insert(row: typeof accounts.$inferInsert) {
      orm.insert(accounts).values(row).run()
      orm.insert(accountUsage).values({ accountId: row.id, logicalBytes: 0, storedBytes: 0, objects: 0, warnedPercent: 0 }).run()
    },
    byId: (id: string): AccountRow | undefined => byId.get({ id }),
    byEmail: (email: string): AccountRow | undefined => orm.select().from(accounts).where(sql`${accounts.email} = ${email} COLLATE NOCASE`).get(),
    list: (): AccountRow[] => orm.select().from(accounts).orderBy(accounts.createdAt).all(),
    count: (): number => orm.select({ n: sql<number>`count(*)` }).from(accounts).get()!.n,
    update(id: string, patch: Partial<typeof accounts.$inferInsert>) {
      orm.update(accounts).set(patch).where(eq(accounts.id, id)).run()
    },
    delete(id: string) {
      orm.delete(accounts).where(eq(accounts.id, id)).run()
    },
    usage: (id: string): UsageRow | undefined => orm.select().from(accountUsage).where(eq(accountUsage.accountId, id)).get(),
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
      orm.update(accountUsage).set({
        logicalBytes: sql`${accountUsage.logicalBytes} + ${d.logical ?? 0}`,
        storedBytes: sql`${accountUsage.storedBytes} + ${d.stored ?? 0}`,
        objects: sql`${accountUsage.objects} + ${d.objects ?? 0}`,
      }).where(eq(accountUsage.accountId, id)).run()
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
