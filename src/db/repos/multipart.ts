import { and, eq, getTableColumns, gt, gte, lt, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { aliased, prepareSelect } from '../prepared'
import { multipartParts, multipartUploads } from '../schema'
import { utf8Compare } from '../../domain/utf8'

export type UploadRow = typeof multipartUploads.$inferSelect
export type UploadPartRow = typeof multipartParts.$inferSelect

const ph = sql.placeholder
const UP = getTableColumns(multipartUploads)
const PART = getTableColumns(multipartParts)

export function multipartRepo(db: Db) {
  const { orm } = db
  const insert = orm.insert(multipartUploads).values({
    id: ph('id'), bucketId: ph('bucketId'), key: ph('key'), accountId: ph('accountId'), contentType: ph('contentType'), headersJson: ph('headersJson'),
    userMetaJson: ph('userMetaJson'), checksumAlgorithm: ph('checksumAlgorithm'), checksumType: ph('checksumType'), initiatedAt: ph('initiatedAt'), updatedAt: ph('updatedAt'),
  }).prepare()
  const get = prepareSelect(db, orm.select(aliased(UP)).from(multipartUploads).where(eq(multipartUploads.id, ph('id'))))
  const touch = orm.update(multipartUploads).set({ updatedAt: sql`${ph('now')}` }).where(eq(multipartUploads.id, ph('id'))).prepare()
  const del = orm.delete(multipartUploads).where(eq(multipartUploads.id, ph('id'))).prepare()
  const part = prepareSelect(db, orm.select(aliased(PART)).from(multipartParts).where(and(eq(multipartParts.uploadId, ph('uploadId')), eq(multipartParts.partNumber, ph('partNumber')))))
  const excluded = (column: string) => sql.raw(`excluded.${column}`)
  const upsertPart = orm.insert(multipartParts).values({
    uploadId: ph('uploadId'), partNumber: ph('partNumber'), blobId: ph('blobId'), size: ph('size'), etag: ph('etag'), checksumJson: ph('checksumJson'), createdAt: ph('createdAt'),
  }).onConflictDoUpdate({
    target: [multipartParts.uploadId, multipartParts.partNumber],
    set: { blobId: excluded('blob_id'), size: excluded('size'), etag: excluded('etag'), checksumJson: excluded('checksum_json'), createdAt: excluded('created_at') },
  }).prepare()
  const parts = prepareSelect(db, orm.select(aliased(PART)).from(multipartParts).where(and(eq(multipartParts.uploadId, ph('uploadId')), gt(multipartParts.partNumber, ph('after'))))
    .orderBy(multipartParts.partNumber).limit(ph('limit')))
  const allParts = prepareSelect(db, orm.select(aliased(PART)).from(multipartParts).where(eq(multipartParts.uploadId, ph('uploadId'))).orderBy(multipartParts.partNumber))
  // One lower bound per statement, so the index scan starts there (see objects.listLive).
  const inBucket = eq(multipartUploads.bucketId, ph('bucketId'))
  const uploadsInKey = prepareSelect(db, orm.select(aliased(UP)).from(multipartUploads).where(and(inBucket, eq(multipartUploads.key, ph('key')), gt(multipartUploads.id, ph('afterId'))))
    .orderBy(multipartUploads.id).limit(ph('limit')))
  const uploadsAfter = prepareSelect(db, orm.select(aliased(UP)).from(multipartUploads).where(and(inBucket, gt(multipartUploads.key, ph('after'))))
    .orderBy(multipartUploads.key, multipartUploads.id).limit(ph('limit')))
  const uploadsFrom = prepareSelect(db, orm.select(aliased(UP)).from(multipartUploads).where(and(inBucket, gte(multipartUploads.key, ph('from'))))
    .orderBy(multipartUploads.key, multipartUploads.id).limit(ph('limit')))
  const forBucket = prepareSelect(db, orm.select(aliased({ id: multipartUploads.id })).from(multipartUploads).where(inBucket))
  const staleBefore = prepareSelect(db, orm.select(aliased({ id: multipartUploads.id })).from(multipartUploads).where(lt(multipartUploads.updatedAt, ph('t'))).limit(ph('limit')))
  const anyInBucket = prepareSelect(db, orm.select(aliased({ x: sql`1` })).from(multipartUploads).where(inBucket).limit(1))

  return {
    insert: (u: UploadRow) => insert.run(u),
    get: (id: string): UploadRow | null => get.get({ id }) ?? null,
    touch: (id: string, now: number) => touch.run({ id, now }),
    delete: (id: string) => del.run({ id }),
    part: (uploadId: string, n: number): UploadPartRow | null => part.get({ uploadId, partNumber: n }) ?? null,
    upsertPart: (p: UploadPartRow) => upsertPart.run(p),
    parts: (uploadId: string, after: number, limit: number): UploadPartRow[] => parts.all({ uploadId, after, limit }),
    allParts: (uploadId: string): UploadPartRow[] => allParts.all({ uploadId }),
    /**
     * Uploads after (keyMarker, uploadIdMarker) in key then upload-id order (ids are time-ordered:
     * initiation order), at or after `from`. A null uploadIdMarker: after every upload of keyMarker.
     */
    list(bucketId: string, keyMarker: string, uploadIdMarker: string | null, from: string, limit: number): UploadRow[] {
      if (utf8Compare(keyMarker, from) < 0) return uploadsFrom.all({ bucketId, from, limit })
      const rows = uploadIdMarker === null ? [] : uploadsInKey.all({ bucketId, key: keyMarker, afterId: uploadIdMarker, limit })
      if (rows.length < limit) rows.push(...uploadsAfter.all({ bucketId, after: keyMarker, limit: limit - rows.length }))
      return rows
    },
    idsForBucket: (bucketId: string) => forBucket.all({ bucketId }).map((r) => r.id),
    staleBefore: (t: number, limit: number) => staleBefore.all({ t, limit }).map((r) => r.id),
    hasUploads: (bucketId: string) => anyInBucket.get({ bucketId }) !== undefined,
  }
}
export type MultipartRepo = ReturnType<typeof multipartRepo>
