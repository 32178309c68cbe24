import type { Db } from '../client'
import { utf8Compare } from '../../domain/utf8'

export interface UploadRow {
  id: string
  bucketId: string
  key: string
  accountId: string
  contentType: string
  headersJson: string
  userMetaJson: string
  checksumAlgorithm: string | null
  checksumType: string | null
  initiatedAt: number
  updatedAt: number
}

export interface UploadPartRow {
  uploadId: string
  partNumber: number
  blobId: string
  size: number
  etag: string
  checksumJson: string | null
  createdAt: number
}

const UP = 'id, bucket_id AS bucketId, key, account_id AS accountId, content_type AS contentType, headers_json AS headersJson, user_meta_json AS userMetaJson, checksum_algorithm AS checksumAlgorithm, checksum_type AS checksumType, initiated_at AS initiatedAt, updated_at AS updatedAt'
const PART = 'upload_id AS uploadId, part_number AS partNumber, blob_id AS blobId, size, etag, checksum_json AS checksumJson, created_at AS createdAt'

export function multipartRepo(db: Db) {
  const s = db.sqlite
  const insert = s.prepare('INSERT INTO multipart_uploads (id, bucket_id, key, account_id, content_type, headers_json, user_meta_json, checksum_algorithm, checksum_type, initiated_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
  const get = s.prepare(`SELECT ${UP} FROM multipart_uploads WHERE id = ?`)
  const touch = s.prepare('UPDATE multipart_uploads SET updated_at = ? WHERE id = ?')
  const del = s.prepare('DELETE FROM multipart_uploads WHERE id = ?')
  const part = s.prepare(`SELECT ${PART} FROM multipart_parts WHERE upload_id = ? AND part_number = ?`)
  const upsertPart = s.prepare('INSERT INTO multipart_parts (upload_id, part_number, blob_id, size, etag, checksum_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (upload_id, part_number) DO UPDATE SET blob_id = excluded.blob_id, size = excluded.size, etag = excluded.etag, checksum_json = excluded.checksum_json, created_at = excluded.created_at')
  const parts = s.prepare(`SELECT ${PART} FROM multipart_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?`)
  const allParts = s.prepare(`SELECT ${PART} FROM multipart_parts WHERE upload_id = ? ORDER BY part_number`)
  // One lower bound per statement, so the index scan starts there (see objects.listLive).
  const uploadsInKey = s.prepare(`SELECT ${UP} FROM multipart_uploads WHERE bucket_id = ? AND key = ? AND id > ? ORDER BY id LIMIT ?`)
  const uploadsAfter = s.prepare(`SELECT ${UP} FROM multipart_uploads WHERE bucket_id = ? AND key > ? ORDER BY key, id LIMIT ?`)
  const uploadsFrom = s.prepare(`SELECT ${UP} FROM multipart_uploads WHERE bucket_id = ? AND key >= ? ORDER BY key, id LIMIT ?`)
  const forBucket = s.prepare('SELECT id FROM multipart_uploads WHERE bucket_id = ?')
  const staleBefore = s.prepare('SELECT id FROM multipart_uploads WHERE updated_at < ? LIMIT ?')
  const anyInBucket = s.prepare('SELECT 1 AS x FROM multipart_uploads WHERE bucket_id = ? LIMIT 1')

  return {
    insert: (u: UploadRow) => insert.run(u.id, u.bucketId, u.key, u.accountId, u.contentType, u.headersJson, u.userMetaJson, u.checksumAlgorithm, u.checksumType, u.initiatedAt, u.updatedAt),
    get: (id: string) => get.get(id) as UploadRow | null,
    /** Uploads in progress, all accounts. */
    count: () => (db.sqlite.query('SELECT count(*) AS n FROM multipart_uploads').get() as { n: number }).n,
    touch: (id: string, now: number) => touch.run(now, id),
    delete: (id: string) => del.run(id),
    part: (uploadId: string, n: number) => part.get(uploadId, n) as UploadPartRow | null,
    upsertPart: (p: UploadPartRow) => upsertPart.run(p.uploadId, p.partNumber, p.blobId, p.size, p.etag, p.checksumJson, p.createdAt),
    parts: (uploadId: string, after: number, limit: number) => parts.all(uploadId, after, limit) as UploadPartRow[],
    allParts: (uploadId: string) => allParts.all(uploadId) as UploadPartRow[],
    /**
     * Uploads after (keyMarker, uploadIdMarker) in key then upload-id order (ids are time-ordered:
     * initiation order), at or after `from`. A null uploadIdMarker: after every upload of keyMarker.
     */
    list(bucketId: string, keyMarker: string, uploadIdMarker: string | null, from: string, limit: number): UploadRow[] {
      if (utf8Compare(keyMarker, from) < 0) return uploadsFrom.all(bucketId, from, limit) as UploadRow[]
      const rows = uploadIdMarker === null ? [] : (uploadsInKey.all(bucketId, keyMarker, uploadIdMarker, limit) as UploadRow[])
      if (rows.length < limit) rows.push(...(uploadsAfter.all(bucketId, keyMarker, limit - rows.length) as UploadRow[]))
      return rows
    },
    idsForBucket: (bucketId: string) => (forBucket.all(bucketId) as Array<{ id: string }>).map((r) => r.id),
    staleBefore: (t: number, limit: number) => (staleBefore.all(t, limit) as Array<{ id: string }>).map((r) => r.id),
    hasUploads: (bucketId: string) => anyInBucket.get(bucketId) !== null,
  }
}
export type MultipartRepo = ReturnType<typeof multipartRepo>
