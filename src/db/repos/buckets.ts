import { and, count, eq, getTableColumns, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { aliased, prepareSelect } from '../prepared'
import { buckets } from '../schema'

export type BucketRow = typeof buckets.$inferSelect

const ph = sql.placeholder

/** Buckets. Lookups by name and id run on every request: prepared once. */
export function bucketsRepo(db: Db) {
  const { orm } = db
  const byName = prepareSelect(db, orm.select(aliased(getTableColumns(buckets))).from(buckets).where(eq(buckets.name, ph('name'))))
  const byId = prepareSelect(db, orm.select(aliased(getTableColumns(buckets))).from(buckets).where(eq(buckets.id, ph('id'))))
  const addUsage = orm.update(buckets).set({
    usageBytes: sql`${buckets.usageBytes} + ${ph('bytes')}`,
    usageObjects: sql`${buckets.usageObjects} + ${ph('objects')}`,
  }).where(eq(buckets.id, ph('id'))).prepare()
  return {
    insert: (row: BucketRow) => orm.insert(buckets).values(row).run(),
    byName: (name: string): BucketRow | undefined => byName.get({ name }),
    byId: (id: string): BucketRow | undefined => byId.get({ id }),
    listForAccount: (accountId: string): BucketRow[] => orm.select().from(buckets).where(eq(buckets.accountId, accountId)).orderBy(buckets.name).all(),
    countForAccount: (accountId: string): number => orm.select({ n: count() }).from(buckets).where(eq(buckets.accountId, accountId)).get()!.n,
    defaultFor: (accountId: string): BucketRow | undefined => orm.select().from(buckets).where(and(eq(buckets.accountId, accountId), eq(buckets.isDefault, true))).get(),
    update: (id: string, patch: Partial<BucketRow>) => orm.update(buckets).set(patch).where(eq(buckets.id, id)).run(),
    delete: (id: string) => orm.delete(buckets).where(eq(buckets.id, id)).run(),
    addUsage: (id: string, bytes: number, objects: number) => addUsage.run({ id, bytes, objects }),
  }
}
export type BucketsRepo = ReturnType<typeof bucketsRepo>
