import { count, eq, sql, type SQLWrapper } from 'drizzle-orm'
import type { Db } from '../client'
import { accounts, accountUsage, blobs, buckets, multipartParts, multipartUploads, objects, objectVersions, versionParts } from '../schema'

/** Usage as the rows themselves say it is, per account: what the kept counters must equal. */
export interface ActualAccountUsage { logical: number; stored: number; objects: number }
export interface ActualBucketUsage { bytes: number; objects: number }

const total = (column: SQLWrapper) => sql<number>`coalesce(sum(${column}), 0)`

/**
 * Aggregates over many tables: the admin overview and the usage report's recount. Neither is on
 * a request's hot path, so the queries are built per call.
 */
export function statsRepo(db: Db) {
  const { orm } = db
  return {
    /** Appliance-wide numbers for the admin overview. */
    overview() {
      const usage = orm.select({
        logical: sql<number>`coalesce(sum(${accountUsage.logicalBytes}), 0)`,
        stored: sql<number>`coalesce(sum(${accountUsage.storedBytes}), 0)`,
        objects: sql<number>`coalesce(sum(${accountUsage.objects}), 0)`,
      }).from(accountUsage).get()!
      const n = (table: typeof accounts | typeof buckets | typeof multipartUploads) => orm.select({ n: count() }).from(table).get()!.n
      return { accounts: n(accounts), buckets: n(buckets), uploads: n(multipartUploads), ...usage }
    },

    /** Recounts every account's usage from versions, upload parts, live blobs and live keys. */
    actualUsageByAccount(): Map<string, ActualAccountUsage> {
      const m = new Map<string, ActualAccountUsage>()
      const get = (id: string) => m.get(id) ?? m.set(id, { logical: 0, stored: 0, objects: 0 }).get(id)!
      for (const r of orm.select({ id: buckets.accountId, n: total(objectVersions.size) }).from(objectVersions).innerJoin(buckets, eq(buckets.id, objectVersions.bucketId))
        .where(eq(objectVersions.isDeleteMarker, sql`0`)).groupBy(buckets.accountId).all()) get(r.id).logical += r.n
      for (const r of orm.select({ id: multipartUploads.accountId, n: total(multipartParts.size) }).from(multipartParts)
        .innerJoin(multipartUploads, eq(multipartUploads.id, multipartParts.uploadId)).groupBy(multipartUploads.accountId).all()) get(r.id).logical += r.n
      for (const r of orm.select({ id: blobs.accountId, n: total(blobs.size) }).from(blobs).where(eq(blobs.state, sql`'live'`)).groupBy(blobs.accountId).all()) get(r.id).stored += r.n
      for (const r of orm.select({ id: buckets.accountId, n: count() }).from(objects).innerJoin(buckets, eq(buckets.id, objects.bucketId))
        .where(eq(objects.isLive, sql`1`)).groupBy(buckets.accountId).all()) get(r.id).objects += r.n
      return m
    },

    /**
     * Bytes on disk each bucket of an account holds: the distinct blobs its versions, their parts
     * and its uploads' parts reference. Blobs are deduplicated per account, so one shared by two
     * buckets counts in each (the account's stored bytes count it once).
     */
    storedBytesByBucket(accountId: string): Map<string, number> {
      const rows = orm.all<{ bucketId: string; n: number }>(sql`
        SELECT r.bucket_id AS bucketId, coalesce(sum(b.size), 0) AS n FROM (
          SELECT v.bucket_id, v.blob_id FROM ${objectVersions} v JOIN ${buckets} k ON k.id = v.bucket_id
            WHERE k.account_id = ${accountId} AND v.blob_id IS NOT NULL
          UNION
          SELECT v.bucket_id, p.blob_id FROM ${versionParts} p JOIN ${objectVersions} v ON v.id = p.version_id JOIN ${buckets} k ON k.id = v.bucket_id
            WHERE k.account_id = ${accountId}
          UNION
          SELECT u.bucket_id, mp.blob_id FROM ${multipartParts} mp JOIN ${multipartUploads} u ON u.id = mp.upload_id
            WHERE u.account_id = ${accountId}
        ) r JOIN ${blobs} b ON b.id = r.blob_id GROUP BY r.bucket_id`)
      return new Map(rows.map((r) => [r.bucketId, r.n]))
    },

    /** Recounts every bucket's usage from versions, upload parts and live keys. */
    actualUsageByBucket(): Map<string, ActualBucketUsage> {
      const m = new Map<string, ActualBucketUsage>()
      const get = (id: string) => m.get(id) ?? m.set(id, { bytes: 0, objects: 0 }).get(id)!
      for (const r of orm.select({ id: objectVersions.bucketId, n: total(objectVersions.size) }).from(objectVersions)
        .where(eq(objectVersions.isDeleteMarker, sql`0`)).groupBy(objectVersions.bucketId).all()) get(r.id).bytes += r.n
      for (const r of orm.select({ id: multipartUploads.bucketId, n: total(multipartParts.size) }).from(multipartParts)
        .innerJoin(multipartUploads, eq(multipartUploads.id, multipartParts.uploadId)).groupBy(multipartUploads.bucketId).all()) get(r.id).bytes += r.n
      for (const r of orm.select({ id: objects.bucketId, n: count() }).from(objects).where(eq(objects.isLive, sql`1`)).groupBy(objects.bucketId).all()) get(r.id).objects += r.n
      return m
    },
  }
}
export type StatsRepo = ReturnType<typeof statsRepo>
