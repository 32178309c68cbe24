import { and, eq, getTableColumns, gt, lte, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { aliased, prepareSelect } from '../prepared'
import { blobs, buckets, multipartParts, multipartUploads, objectVersions, versionParts } from '../schema'

export type BlobRow = typeof blobs.$inferSelect

const ph = sql.placeholder
// Written as literals, as the partial indexes' WHERE clauses are (see objects.ts).
const LIVE = sql`'live'`
const DEAD = sql`'dead'`

/**
 * Blob bookkeeping. Refcounts change only inside the transaction that adds or removes a
 * reference; the returned stored-bytes deltas feed the account's stored-bytes counter.
 */
export function blobsRepo(db: Db) {
  const { orm } = db
  const insert = orm.insert(blobs).values({
    id: ph('id'), accountId: ph('accountId'), size: ph('size'), sha256: ph('sha256'), md5: ph('md5'), state: 'live', refcount: 1, createdAt: ph('now'),
  }).prepare()
  const get = prepareSelect(db, orm.select(aliased(getTableColumns(blobs))).from(blobs).where(eq(blobs.id, ph('id'))))
  const isLive = and(eq(blobs.id, ph('id')), eq(blobs.state, LIVE))
  const incRef = orm.update(blobs).set({ refcount: sql`${blobs.refcount} + 1` }).where(isLive).returning({ id: blobs.id }).prepare()
  const decRef = orm.update(blobs).set({ refcount: sql`${blobs.refcount} - 1` }).where(isLive).returning({ refcount: blobs.refcount, size: blobs.size }).prepare()
  const kill = orm.update(blobs).set({ state: 'dead', deadAt: sql`${ph('now')}` }).where(eq(blobs.id, ph('id'))).prepare()
  const dedup = prepareSelect(db, orm.select(aliased(getTableColumns(blobs))).from(blobs)
    .where(and(eq(blobs.accountId, ph('accountId')), eq(blobs.sha256, ph('sha256')), eq(blobs.size, ph('size')), eq(blobs.state, LIVE))).limit(1))
  const deadBefore = prepareSelect(db, orm.select(aliased({ id: blobs.id })).from(blobs).where(and(eq(blobs.state, DEAD), lte(blobs.deadAt, ph('t')))).limit(ph('limit')))
  const remove = orm.delete(blobs).where(eq(blobs.id, ph('id'))).prepare()
  const exists = prepareSelect(db, orm.select(aliased({ x: sql`1` })).from(blobs).where(eq(blobs.id, ph('id'))))
  const livePage = prepareSelect(db, orm.select(aliased({ id: blobs.id, size: blobs.size, sha256: blobs.sha256 })).from(blobs)
    .where(and(eq(blobs.state, LIVE), gt(blobs.id, ph('after')))).orderBy(blobs.id).limit(ph('limit')))
  // Who references a blob: a version's content, a multipart version's part, or an upload's part.
  const owner = { bucket: buckets.name, key: objectVersions.key }
  const ownerOf = prepareSelect(db, orm.select(aliased(owner)).from(objectVersions).innerJoin(buckets, eq(buckets.id, objectVersions.bucketId))
    .where(eq(objectVersions.blobId, ph('blobId')))
    .unionAll(orm.select(aliased(owner)).from(versionParts).innerJoin(objectVersions, eq(objectVersions.id, versionParts.versionId))
      .innerJoin(buckets, eq(buckets.id, objectVersions.bucketId)).where(eq(versionParts.blobId, ph('blobId'))))
    .unionAll(orm.select(aliased({ bucket: buckets.name, key: multipartUploads.key })).from(multipartParts)
      .innerJoin(multipartUploads, eq(multipartUploads.id, multipartParts.uploadId)).innerJoin(buckets, eq(buckets.id, multipartUploads.bucketId))
      .where(eq(multipartParts.blobId, ph('blobId'))))
    .limit(1))

  return {
    /** First reference to freshly written bytes. Returns the stored-bytes delta. */
    insertLive(id: string, accountId: string, size: number, sha256: string | null, md5: string | null, now: number): number {
      insert.run({ id, accountId, size, sha256, md5, now })
      return size
    },
    get: (id: string): BlobRow | null => get.get({ id }) ?? null,
    /** Adds a reference to a live blob (copies, dedup hits). */
    addRef(id: string): void {
      if (incRef.get({ id }) === undefined) throw new Error(`blob ${id} is not live`)
    },
    /** Drops a reference; at zero the blob is dead (GC unlinks it later). Returns the stored-bytes delta. */
    release(id: string, now: number): number {
      const r = decRef.get({ id })
      if (!r || r.refcount > 0) return 0
      kill.run({ id, now })
      return -r.size
    },
    findDuplicate: (accountId: string, sha256: string, size: number): BlobRow | null => dedup.get({ accountId, sha256, size }) ?? null,
    deadBefore: (t: number, limit: number) => deadBefore.all({ t, limit }).map((r) => r.id),
    remove: (id: string) => remove.run({ id }),
    exists: (id: string) => exists.get({ id }) !== undefined,
    /** Live blobs in id order, for scrub. */
    livePage: (afterId: string, limit: number) => livePage.all({ after: afterId, limit }),
    /** A bucket and key that reference the blob (for reports), if any does. */
    ownerOf: (blobId: string): { bucket: string; key: string } | undefined => ownerOf.get({ blobId }),
  }
}
export type BlobsRepo = ReturnType<typeof blobsRepo>
