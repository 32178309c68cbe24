import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { buckets } from '../schema'

export type BucketRow = typeof buckets.$inferSelect

export function bucketsRepo(db: Db) {
  const { orm } = db
  const byName = orm.select().from(buckets).where(eq(buckets.name, sql.placeholder('name'))).prepare()
  const addUsage = db.sqlite.prepare('UPDATE buckets SET usage_bytes = usage_bytes + ?, usage_objects = usage_objects + ? WHERE id = ?')
  return {
    insert: (row: BucketRow) => orm.insert(buckets).values(row).run(),
    byName: (name: string): BucketRow | undefined => byName.get({ name }),
    byId: (id: string): BucketRow | undefined => orm.select().from(buckets).where(eq(buckets.id, id)).get(),
    listForAccount: (accountId: string): BucketRow[] => orm.select().from(buckets).where(eq(buckets.accountId, accountId)).orderBy(buckets.name).all(),
    countForAccount: (accountId: string): number => orm.select({ n: sql<number>`count(*)` }).from(buckets).where(eq(buckets.accountId, accountId)).get()!.n,
    defaultFor: (accountId: string): BucketRow | undefined => orm.select().from(buckets).where(and(eq(buckets.accountId, accountId), eq(buckets.isDefault, true))).get(),
    update: (id: string, patch: Partial<BucketRow>) => orm.update(buckets).set(patch).where(eq(buckets.id, id)).run(),
    delete: (id: string) => orm.delete(buckets).where(eq(buckets.id, id)).run(),
    addUsage: (id: string, bytes: number, objects: number) => addUsage.run(bytes, objects, id),
  }
}
export type BucketsRepo = ReturnType<typeof bucketsRepo>
