import { and, count, desc, eq, exists, getTableColumns, gt, gte, isNull, lt, max, min, or, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { aliased, placeholderFor, prepareSelect } from '../prepared'
import { buckets, objects, objectVersions, versionParts } from '../schema'
import { utf8Compare } from '../../domain/utf8'

export type ObjectRow = typeof objects.$inferSelect
export type VersionRow = typeof objectVersions.$inferSelect
export type PartRow = typeof versionParts.$inferSelect
/** A listed key: the listing fields copied from its current version. */
export type LiveObjectRow = Pick<ObjectRow, 'id' | 'key' | 'size' | 'etag' | 'contentType' | 'lastModified'>
/** An S3-visible version in a ListObjectVersions page. */
export type ListedVersionRow = VersionRow & { isLatest: boolean }

const ph = sql.placeholder
const OBJ = getTableColumns(objects)
const VER = getTableColumns(objectVersions)
const LIVE = { id: objects.id, key: objects.key, size: objects.size, etag: objects.etag, contentType: objects.contentType, lastModified: objects.lastModified }
// Flag and state tests are written as literals, as the partial indexes' WHERE clauses are: SQLite
// uses a partial index only when the query's WHERE implies the index's, and with a bound parameter
// in that term it can tell only from the value, so it re-prepares the statement at every binding.
const ONE = sql`1`
const ZERO = sql`0`

/**
 * Objects (one row per key, the listing index) and their versions and parts. Synchronous. Every
 * statement is prepared once here: these run on every request.
 */
export function objectsRepo(db: Db) {
  const { orm } = db
  const byKey = prepareSelect(db, orm.select(aliased(OBJ)).from(objects).where(and(eq(objects.bucketId, ph('bucketId')), eq(objects.key, ph('key')))))
  const byId = prepareSelect(db, orm.select(aliased(OBJ)).from(objects).where(eq(objects.id, ph('id'))))
  const insertObj = orm.insert(objects).values({
    id: ph('id'), bucketId: ph('bucketId'), key: ph('key'), currentVersionId: null, isLive: false, size: 0, etag: '', contentType: '',
    lastModified: 0, nextVersionNumber: 1, createdAt: ph('now'),
  }).prepare()
  const setHead = orm.update(objects).set({
    currentVersionId: placeholderFor(objects.currentVersionId, 'versionId'), isLive: placeholderFor(objects.isLive, 'live'),
    size: placeholderFor(objects.size, 'size'), etag: placeholderFor(objects.etag, 'etag'),
    contentType: placeholderFor(objects.contentType, 'contentType'), lastModified: placeholderFor(objects.lastModified, 'lastModified'),
  }).where(eq(objects.id, ph('id'))).prepare()
  const takeNumber = orm.update(objects).set({ nextVersionNumber: sql`${objects.nextVersionNumber} + 1` })
    .where(eq(objects.id, ph('id'))).returning({ n: sql<number>`${objects.nextVersionNumber} - 1` }).prepare()
  const deleteObj = orm.delete(objects).where(eq(objects.id, ph('id'))).prepare()
  const version = prepareSelect(db, orm.select(aliased(VER)).from(objectVersions).where(eq(objectVersions.id, ph('id'))))
  const versionsOf = prepareSelect(db, orm.select(aliased(VER)).from(objectVersions).where(eq(objectVersions.objectId, ph('objectId'))).orderBy(desc(objectVersions.versionNumber)))
  const hiddenOf = prepareSelect(db, orm.select(aliased(VER)).from(objectVersions)
    .where(and(eq(objectVersions.objectId, ph('objectId')), eq(objectVersions.s3Hidden, ONE))).orderBy(desc(objectVersions.versionNumber)))
  const countVersions = prepareSelect(db, orm.select(aliased({ n: count() })).from(objectVersions).where(eq(objectVersions.objectId, ph('objectId'))))
  const nullVersion = prepareSelect(db, orm.select(aliased(VER)).from(objectVersions)
    .where(and(eq(objectVersions.objectId, ph('objectId')), eq(objectVersions.s3Null, ONE), eq(objectVersions.s3Hidden, ZERO))))
  const insertVer = orm.insert(objectVersions).values({
    id: ph('id'), objectId: ph('objectId'), bucketId: ph('bucketId'), key: ph('key'), versionNumber: ph('versionNumber'), s3Null: ph('s3Null'),
    s3Hidden: ph('s3Hidden'), isDeleteMarker: ph('isDeleteMarker'), blobId: ph('blobId'), size: ph('size'), etag: ph('etag'),
    partsCount: ph('partsCount'), contentType: ph('contentType'), headersJson: ph('headersJson'), userMetaJson: ph('userMetaJson'),
    checksumJson: ph('checksumJson'), sha256: ph('sha256'), createdAt: ph('createdAt'),
  }).prepare()
  const noncurrentSince = sql`coalesce(${objectVersions.noncurrentSince}, ${ph('now')})`
  const hideVer = orm.update(objectVersions).set({ s3Hidden: true, noncurrentSince }).where(eq(objectVersions.id, ph('id'))).prepare()
  const noncurrent = orm.update(objectVersions).set({ noncurrentSince }).where(eq(objectVersions.id, ph('id'))).prepare()
  const current = orm.update(objectVersions).set({ noncurrentSince: null }).where(eq(objectVersions.id, ph('id'))).prepare()
  const deleteVer = orm.delete(objectVersions).where(eq(objectVersions.id, ph('id'))).prepare()
  const parts = prepareSelect(db, orm.select(aliased(getTableColumns(versionParts))).from(versionParts).where(eq(versionParts.versionId, ph('versionId'))).orderBy(versionParts.partNumber))
  const insertPart = orm.insert(versionParts).values({
    versionId: ph('versionId'), partNumber: ph('partNumber'), blobId: ph('blobId'), offset: ph('offset'), size: ph('size'), etag: ph('etag'), checksum: ph('checksum'),
  }).prepare()
  // Listing statements take one lower bound each (key > cursor, or key >= prefix start): SQLite
  // ranges an index scan by one of them only, and the other one would be a filter over every
  // row before it — O(bucket) per page.
  const live = and(eq(objects.bucketId, ph('bucketId')), eq(objects.isLive, ONE))
  const liveAfter = prepareSelect(db, orm.select(aliased(LIVE)).from(objects).where(and(live, gt(objects.key, ph('after')))).orderBy(objects.key).limit(ph('limit')))
  const liveFrom = prepareSelect(db, orm.select(aliased(LIVE)).from(objects).where(and(live, gte(objects.key, ph('from')))).orderBy(objects.key).limit(ph('limit')))
  const anyLive = prepareSelect(db, orm.select(aliased({ x: ONE })).from(objects).where(live).limit(1))
  const s3Versions = (bound: ReturnType<typeof and>) => orm.select(aliased({ ...VER, isLatest: sql`${objects.currentVersionId} IS ${objectVersions.id}`.mapWith(Boolean) }))
    .from(objectVersions).innerJoin(objects, eq(objects.id, objectVersions.objectId))
    .where(and(eq(objectVersions.bucketId, ph('bucketId')), eq(objectVersions.s3Hidden, ZERO), bound))
  const s3VersionsInKey = prepareSelect(db, s3Versions(and(eq(objectVersions.key, ph('key')), lt(objectVersions.versionNumber, ph('before'))))
    .orderBy(desc(objectVersions.versionNumber)).limit(ph('limit')))
  const s3VersionsAfter = prepareSelect(db, s3Versions(gt(objectVersions.key, ph('after'))).orderBy(objectVersions.key, desc(objectVersions.versionNumber)).limit(ph('limit')))
  const s3VersionsFrom = prepareSelect(db, s3Versions(gte(objectVersions.key, ph('from'))).orderBy(objectVersions.key, desc(objectVersions.versionNumber)).limit(ph('limit')))
  const nullNumber = prepareSelect(db, orm.select(aliased({ n: objectVersions.versionNumber })).from(objectVersions).where(and(
    eq(objectVersions.bucketId, ph('bucketId')), eq(objectVersions.key, ph('key')), eq(objectVersions.s3Null, ONE), eq(objectVersions.s3Hidden, ZERO))).limit(1))
  const oldestNewerThan = prepareSelect(db, orm.select(aliased({ n: min(objectVersions.versionNumber) })).from(objectVersions)
    .where(and(eq(objectVersions.bucketId, ph('bucketId')), eq(objectVersions.key, ph('key')), gt(objectVersions.id, ph('id')))))
  const expose = orm.update(objectVersions).set({ s3Hidden: false, s3Null: false })
    .where(and(eq(objectVersions.bucketId, ph('bucketId')), eq(objectVersions.s3Hidden, ONE))).prepare()
  const deletedWithHistory = prepareSelect(db, orm.select(aliased(OBJ)).from(objects).where(and(eq(objects.bucketId, ph('bucketId')), isNull(objects.currentVersionId),
    exists(orm.select({ x: ONE }).from(objectVersions).where(eq(objectVersions.objectId, objects.id))))))
  const lastNoncurrent = prepareSelect(db, orm.select(aliased({ t: max(objectVersions.noncurrentSince) })).from(objectVersions).where(eq(objectVersions.objectId, ph('objectId'))))
  const lastChange = prepareSelect(db, orm.select(aliased({ t: sql<number>`max(coalesce(max(${objectVersions.createdAt}), 0), coalesce(max(${objectVersions.noncurrentSince}), 0))` }))
    .from(objectVersions).where(eq(objectVersions.objectId, ph('objectId'))))
  const idsInBucket = prepareSelect(db, orm.select(aliased({ id: objectVersions.id })).from(objectVersions).where(eq(objectVersions.bucketId, ph('bucketId'))))
  const objectIdsInBucket = prepareSelect(db, orm.select(aliased({ id: objects.id })).from(objects).where(eq(objects.bucketId, ph('bucketId'))))
  const anyS3Version = prepareSelect(db, orm.select(aliased({ x: ONE })).from(objectVersions).where(and(eq(objectVersions.bucketId, ph('bucketId')), eq(objectVersions.s3Hidden, ZERO))).limit(1))
  // Time Machine's views: keys with content history (the inner join keeps only keys with at least
  // one version that is not a delete marker, so max() is never NULL there), paged by key.
  const contentVersions = and(eq(objectVersions.objectId, objects.id), eq(objectVersions.isDeleteMarker, ZERO))
  const underPrefixAfter = and(gt(objects.key, ph('after')), sql`substr(${objects.key}, 1, length(${ph('prefix')})) = ${ph('prefix')}`)
  const versionedFiles = prepareSelect(db, orm.select(aliased({
    id: objects.id, key: objects.key, isLive: objects.isLive, lastModified: objects.lastModified, versions: count(objectVersions.id),
    latestAt: sql<number>`max(${objectVersions.createdAt})`,
  })).from(objects).innerJoin(objectVersions, contentVersions).where(and(eq(objects.bucketId, ph('bucketId')), underPrefixAfter))
    .groupBy(objects.id).orderBy(objects.key).limit(ph('limit')))
  const deletedFiles = prepareSelect(db, orm.select(aliased({
    id: objects.id, key: objects.key, deletedAt: sql<number | null>`coalesce(nullif(${objects.lastModified}, 0), max(${objectVersions.noncurrentSince}))`,
    versions: count(objectVersions.id),
  })).from(objects).innerJoin(objectVersions, contentVersions).where(and(eq(objects.bucketId, ph('bucketId')), eq(objects.isLive, ZERO), underPrefixAfter))
    .groupBy(objects.id).orderBy(objects.key).limit(ph('limit')))
  const expired = prepareSelect(db, orm.select(aliased({ id: objectVersions.id, bucketId: objectVersions.bucketId })).from(objectVersions)
    .innerJoin(buckets, eq(buckets.id, objectVersions.bucketId)).innerJoin(objects, eq(objects.id, objectVersions.objectId))
    .where(and(
      or(eq(objectVersions.s3Hidden, ONE), eq(buckets.timeMachine, ONE)), eq(objectVersions.isDeleteMarker, ZERO),
      sql`${objects.currentVersionId} IS NOT ${objectVersions.id}`,
      sql`coalesce(${buckets.retentionDays}, ${ph('defaultDays')}) > 0`,
      sql`coalesce(${objectVersions.noncurrentSince}, ${objectVersions.createdAt}) < ${ph('now')} - coalesce(${buckets.retentionDays}, ${ph('defaultDays')}) * 86400000`,
    )).limit(ph('limit')))

  return {
    byKey: (bucketId: string, key: string): ObjectRow | null => byKey.get({ bucketId, key }) ?? null,
    byId: (id: string): ObjectRow | null => byId.get({ id }) ?? null,
    insertObject(id: string, bucketId: string, key: string, now: number): ObjectRow {
      insertObj.run({ id, bucketId, key, now })
      return byId.get({ id })!
    },
    /** Points the key at a version and copies its listing fields (or clears them). */
    setHead(objectId: string, v: VersionRow | null) {
      if (v) current.run({ id: v.id })
      const live = v !== null && !v.isDeleteMarker
      setHead.run({
        id: objectId, versionId: v?.id ?? null, live, size: live ? v.size : 0, etag: live ? v.etag : '', contentType: live ? v.contentType : '',
        lastModified: v?.createdAt ?? 0,
      })
    },
    takeVersionNumber: (objectId: string): number => takeNumber.get({ id: objectId })!.n,
    deleteObject: (id: string) => deleteObj.run({ id }),
    version: (id: string): VersionRow | null => version.get({ id }) ?? null,
    versionsOf: (objectId: string): VersionRow[] => versionsOf.all({ objectId }),
    /** History-only (Time Machine) versions of a key, newest first. */
    hiddenVersionsOf: (objectId: string): VersionRow[] => hiddenOf.all({ objectId }),
    countVersions: (objectId: string): number => countVersions.get({ objectId })!.n,
    /** The S3 "null" version of a key, if it has one visible to S3. */
    nullVersion: (objectId: string): VersionRow | null => nullVersion.get({ objectId }) ?? null,
    insertVersion(v: VersionRow) {
      insertVer.run(v)
    },
    /** Keeps a version for Time Machine only: S3 no longer lists it. */
    hideVersion: (id: string, now: number) => hideVer.run({ id, now }),
    /** Records when a version stopped being current (retention ages count from then). */
    markNoncurrent: (id: string, now: number) => noncurrent.run({ id, now }),
    deleteVersion: (id: string) => deleteVer.run({ id }),
    parts: (versionId: string): PartRow[] => parts.all({ versionId }),
    insertPart: (p: PartRow) => insertPart.run(p),
    /** Live keys after `after` and at or after `from` (prefix start), in UTF-8 byte order. */
    listLive: (bucketId: string, after: string, from: string, limit: number): LiveObjectRow[] =>
      utf8Compare(after, from) >= 0 ? liveAfter.all({ bucketId, after, limit }) : liveFrom.all({ bucketId, from, limit }),
    hasLiveObjects: (bucketId: string) => anyLive.get({ bucketId }) !== undefined,
    hasS3Versions: (bucketId: string) => anyS3Version.get({ bucketId }) !== undefined,
    /**
     * S3-visible versions in (key asc, newest first) order after (afterKey, afterNumber) and at or
     * after `from`: afterKey's versions older than afterNumber, then the following keys'. A null
     * afterNumber starts after every version of afterKey.
     */
    s3VersionsPage(bucketId: string, afterKey: string, afterNumber: number | null, from: string, limit: number): ListedVersionRow[] {
      if (utf8Compare(afterKey, from) < 0) return s3VersionsFrom.all({ bucketId, from, limit })
      const rows = afterNumber === null ? [] : s3VersionsInKey.all({ bucketId, key: afterKey, before: afterNumber, limit })
      if (rows.length < limit) rows.push(...s3VersionsAfter.all({ bucketId, after: afterKey, limit: limit - rows.length }))
      return rows
    },
    /** The per-key number of a key's S3 "null" version, if it has one. */
    nullVersionNumber: (bucketId: string, key: string): number | null => nullNumber.get({ bucketId, key })?.n ?? null,
    /**
     * The lowest version number among the key's versions whose (time-ordered) id sorts after
     * `id`: the versions created after a version with that id, which need not exist any more.
     */
    oldestNumberNewerThan: (bucketId: string, key: string, id: string): number | null => oldestNewerThan.get({ bucketId, key, id })!.n,
    /** Makes a bucket's Time Machine history S3 versions with their own ids. */
    exposeHistory: (bucketId: string) => expose.run({ bucketId }),
    /** Keys with kept versions but no current one (deleted while the bucket was unversioned). */
    deletedWithHistory: (bucketId: string): ObjectRow[] => deletedWithHistory.all({ bucketId }),
    /** The key's last write or delete that left a trace (a version made or superseded), 0 if none. */
    lastChangeAt: (objectId: string): number => lastChange.get({ objectId })!.t,
    /** When the key's last content stopped being current. */
    lastNoncurrentAt: (objectId: string): number | null => lastNoncurrent.get({ objectId })!.t,
    versionIdsInBucket: (bucketId: string) => idsInBucket.all({ bucketId }).map((r) => r.id),
    objectIdsInBucket: (bucketId: string) => objectIdsInBucket.all({ bucketId }).map((r) => r.id),
    /** Keys under `prefix` after `after` that have content versions, with their counts (Time Machine). */
    versionedFiles: (bucketId: string, opts: { prefix: string; after: string; limit: number }) =>
      versionedFiles.all({ bucketId, prefix: opts.prefix, after: opts.after, limit: opts.limit }),
    /**
     * Keys under `prefix` after `after` that are not live but have content versions (restorable).
     * deletedAt: the delete marker's time, or (no marker) when the last content stopped being current.
     */
    deletedFiles: (bucketId: string, opts: { prefix: string; after: string; limit: number }) =>
      deletedFiles.all({ bucketId, prefix: opts.prefix, after: opts.after, limit: opts.limit }),
    /**
     * Kept content past its bucket's age limit (retention_days, else `defaultDays`; 0 keeps
     * forever): history and noncurrent versions, never a current version or a delete marker.
     */
    expiredHistory: (defaultDays: number, now: number, limit: number) => expired.all({ defaultDays, now, limit }),
  }
}
export type ObjectsRepo = ReturnType<typeof objectsRepo>
