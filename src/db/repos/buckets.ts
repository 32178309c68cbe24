import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { buckets } from '../schema'

export type BucketRow = typeof buckets.$inferSelect

const COLS = 'id, name, account_id AS accountId, region, is_default AS isDefault, s3_versioning AS s3Versioning, time_machine AS timeMachine, public_read AS publicRead, cors_json AS corsJson, retention_max_versions AS retentionMaxVersions, retention_days AS retentionDays, usage_bytes AS usageBytes, usage_objects AS usageObjects, created_at AS createdAt'
type RawBucket = Omit<BucketRow, 'isDefault' | 'timeMachine' | 'publicRead'> & { isDefault: number; timeMachine: number; publicRead: number }
const toBucket = (r: RawBucket | null): BucketRow | undefined =>
  r ? { ...r, isDefault: !!r.isDefault, timeMachine: !!r.timeMachine, publicRead: !!r.publicRead } : undefined

/** Buckets. Lookups by name and id run on every request: plain prepared statements. */
export function bucketsRepo(db: Db) {
  const { orm } = db
  const byName = db.sqlite.prepare(`SELECT ${COLS} FROM buckets WHERE name = ?`)
  const byId = db.sqlite.prepare(`SELECT ${COLS} FROM buckets WHERE id = ?`)
  const addUsage = db.sqlite.prepare('UPDATE buckets SET usage_bytes = usage_bytes + ?, usage_objects = usage_objects + ? WHERE id = ?')
  return {
    insert: (row: BucketRow) => orm.insert(buckets).values(row).run(),
    byName: (name: string): BucketRow | undefined => toBucket(byName.get(name) as RawBucket | null),
    byId: (id: string): BucketRow | undefined => toBucket(byId.get(id) as RawBucket | null),
    listForAccount: (accountId: string): BucketRow[] => orm.select().from(buckets).where(eq(buckets.accountId, accountId)).orderBy(buckets.name).all(),
    count: (): number => orm.select({ n: sql<number>`count(*)` }).from(buckets).get()!.n,
    countForAccount: (accountId: string): number => orm.select({ n: sql<number>`count(*)` }).from(buckets).where(eq(buckets.accountId, accountId)).get()!.n,
    defaultFor: (accountId: string): BucketRow | undefined => orm.select().from(buckets).where(and(eq(buckets.accountId, accountId), eq(buckets.isDefault, true))).get(),
    update: (id: string, patch: Partial<BucketRow>) => orm.update(buckets).set(patch).where(eq(buckets.id, id)).run(),
    delete: (id: string) => orm.delete(buckets).where(eq(buckets.id, id)).run(),
    addUsage: (id: string, bytes: number, objects: number) => addUsage.run(bytes, objects, id),
  }
}
export type BucketsRepo = ReturnType<typeof bucketsRepo>
