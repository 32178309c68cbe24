import type { Db } from '../client'
import { utf8Compare } from '../../domain/utf8'

export interface ObjectRow {
  id: string
  bucketId: string
  key: string
  currentVersionId: string | null
  isLive: number
  size: number
  etag: string
  contentType: string
  lastModified: number
  nextVersionNumber: number
  createdAt: number
}

export interface VersionRow {
  id: string
  objectId: string
  bucketId: string
  key: string
  versionNumber: number
  s3Null: number
  s3Hidden: number
  isDeleteMarker: number
  blobId: string | null
  size: number
  etag: string
  partsCount: number
  contentType: string
  headersJson: string
  userMetaJson: string
  checksumJson: string | null
  sha256: string | null
  createdAt: number
  noncurrentSince: number | null
}

export interface PartRow {
  versionId: string
  partNumber: number
  blobId: string
  offset: number
  size: number
  etag: string
  checksum: string | null
}

const OBJ = 'id, bucket_id AS bucketId, key, current_version_id AS currentVersionId, is_live AS isLive, size, etag, content_type AS contentType, last_modified AS lastModified, next_version_number AS nextVersionNumber, created_at AS createdAt'
const VER = 'id, object_id AS objectId, bucket_id AS bucketId, key, version_number AS versionNumber, s3_null AS s3Null, s3_hidden AS s3Hidden, is_delete_marker AS isDeleteMarker, blob_id AS blobId, size, etag, parts_count AS partsCount, content_type AS contentType, headers_json AS headersJson, user_meta_json AS userMetaJson, checksum_json AS checksumJson, sha256, created_at AS createdAt, noncurrent_since AS noncurrentSince'

/** Objects (one row per key, the listing index) and their versions and parts. Synchronous. */
export function objectsRepo(db: Db) {
  const s = db.sqlite
  const byKey = s.prepare(`SELECT ${OBJ} FROM objects WHERE bucket_id = ? AND key = ?`)
  const byId = s.prepare(`SELECT ${OBJ} FROM objects WHERE id = ?`)
  const insertObj = s.prepare('INSERT INTO objects (id, bucket_id, key, current_version_id, is_live, size, etag, content_type, last_modified, next_version_number, created_at) VALUES (?, ?, ?, NULL, 0, 0, \'\', \'\', 0, 1, ?)')
  const setHead = s.prepare('UPDATE objects SET current_version_id = ?, is_live = ?, size = ?, etag = ?, content_type = ?, last_modified = ? WHERE id = ?')
  const takeNumber = s.prepare('UPDATE objects SET next_version_number = next_version_number + 1 WHERE id = ? RETURNING next_version_number - 1 AS n')
  const deleteObj = s.prepare('DELETE FROM objects WHERE id = ?')
  const version = s.prepare(`SELECT ${VER} FROM object_versions WHERE id = ?`)
  const versionsOf = s.prepare(`SELECT ${VER} FROM object_versions WHERE object_id = ? ORDER BY version_number DESC`)
  const hiddenOf = s.prepare(`SELECT ${VER} FROM object_versions WHERE object_id = ? AND s3_hidden = 1 ORDER BY version_number DESC`)
  const countVersions = s.prepare('SELECT count(*) AS n FROM object_versions WHERE object_id = ?')
  const nullVersion = s.prepare(`SELECT ${VER} FROM object_versions WHERE object_id = ? AND s3_null = 1 AND s3_hidden = 0`)
  const insertVer = s.prepare(`INSERT INTO object_versions (id, object_id, bucket_id, key, version_number, s3_null, s3_hidden, is_delete_marker, blob_id, size, etag, parts_count, content_type, headers_json, user_meta_json, checksum_json, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const hideVer = s.prepare('UPDATE object_versions SET s3_hidden = 1, noncurrent_since = coalesce(noncurrent_since, ?) WHERE id = ?')
  const noncurrent = s.prepare('UPDATE object_versions SET noncurrent_since = coalesce(noncurrent_since, ?) WHERE id = ?')
  const current = s.prepare('UPDATE object_versions SET noncurrent_since = NULL WHERE id = ?')
  const deleteVer = s.prepare('DELETE FROM object_versions WHERE id = ?')
  const parts = s.prepare('SELECT version_id AS versionId, part_number AS partNumber, blob_id AS blobId, offset, size, etag, checksum FROM version_parts WHERE version_id = ? ORDER BY part_number')
  const insertPart = s.prepare('INSERT INTO version_parts (version_id, part_number, blob_id, offset, size, etag, checksum) VALUES (?, ?, ?, ?, ?, ?, ?)')
  // Listing statements take one lower bound each (key > cursor, or key >= prefix start): SQLite
  // ranges an index scan by one of them only, and the other one would be a filter over every
  // row before it — O(bucket) per page.
  const LIVE = 'SELECT id, key, size, etag, content_type AS contentType, last_modified AS lastModified FROM objects WHERE bucket_id = ? AND is_live = 1'
  const liveAfter = s.prepare(`${LIVE} AND key > ? ORDER BY key LIMIT ?`)
  const liveFrom = s.prepare(`${LIVE} AND key >= ? ORDER BY key LIMIT ?`)
  const anyLive = s.prepare('SELECT 1 AS x FROM objects WHERE bucket_id = ? AND is_live = 1 LIMIT 1')
  const S3V = `SELECT ${VER.split(', ').map((c) => 'v.' + c).join(', ')}, (o.current_version_id = v.id) AS isLatest FROM object_versions v JOIN objects o ON o.id = v.object_id WHERE v.bucket_id = ? AND v.s3_hidden = 0`
  const s3VersionsInKey = s.prepare(`${S3V} AND v.key = ? AND v.version_number < ? ORDER BY v.version_number DESC LIMIT ?`)
  const s3VersionsAfter = s.prepare(`${S3V} AND v.key > ? ORDER BY v.key, v.version_number DESC LIMIT ?`)
  const s3VersionsFrom = s.prepare(`${S3V} AND v.key >= ? ORDER BY v.key, v.version_number DESC LIMIT ?`)
  const nullNumber = s.prepare('SELECT version_number AS n FROM object_versions WHERE bucket_id = ? AND key = ? AND s3_null = 1 AND s3_hidden = 0 LIMIT 1')
  const oldestNewerThan = s.prepare('SELECT min(version_number) AS n FROM object_versions WHERE bucket_id = ? AND key = ? AND id > ?')
  const expose = s.prepare('UPDATE object_versions SET s3_hidden = 0, s3_null = 0 WHERE bucket_id = ? AND s3_hidden = 1')
  const deletedWithHistory = s.prepare(`SELECT ${OBJ} FROM objects WHERE bucket_id = ? AND current_version_id IS NULL AND EXISTS (SELECT 1 FROM object_versions v WHERE v.object_id = objects.id)`)
  const lastNoncurrent = s.prepare('SELECT max(noncurrent_since) AS t FROM object_versions WHERE object_id = ?')
  const lastChange = s.prepare('SELECT max(coalesce(max(created_at), 0), coalesce(max(noncurrent_since), 0)) AS t FROM object_versions WHERE object_id = ?')
  const idsInBucket = s.prepare('SELECT id FROM object_versions WHERE bucket_id = ?')
  const anyS3Version = s.prepare('SELECT 1 AS x FROM object_versions WHERE bucket_id = ? AND s3_hidden = 0 LIMIT 1')

  return {
    byKey: (bucketId: string, key: string) => byKey.get(bucketId, key) as ObjectRow | null,
    byId: (id: string) => byId.get(id) as ObjectRow | null,
    insertObject(id: string, bucketId: string, key: string, now: number): ObjectRow {
      insertObj.run(id, bucketId, key, now)
      return byId.get(id) as ObjectRow
    },
    /** Points the key at a version and copies its listing fields (or clears them). */
    setHead(objectId: string, v: VersionRow | null) {
      if (v) current.run(v.id)
      const live = v !== null && !v.isDeleteMarker
      setHead.run(v?.id ?? null, live ? 1 : 0, live ? v.size : 0, live ? v.etag : '', live ? v.contentType : '', v?.createdAt ?? 0, objectId)
    },
    takeVersionNumber: (objectId: string) => (takeNumber.get(objectId) as { n: number }).n,
    deleteObject: (id: string) => deleteObj.run(id),
    version: (id: string) => version.get(id) as VersionRow | null,
    versionsOf: (objectId: string) => versionsOf.all(objectId) as VersionRow[],
    /** History-only (Time Machine) versions of a key, newest first. */
    hiddenVersionsOf: (objectId: string) => hiddenOf.all(objectId) as VersionRow[],
    countVersions: (objectId: string) => (countVersions.get(objectId) as { n: number }).n,
    /** The S3 "null" version of a key, if it has one visible to S3. */
    nullVersion: (objectId: string) => nullVersion.get(objectId) as VersionRow | null,
    insertVersion(v: VersionRow) {
      insertVer.run(v.id, v.objectId, v.bucketId, v.key, v.versionNumber, v.s3Null, v.s3Hidden, v.isDeleteMarker, v.blobId, v.size, v.etag, v.partsCount, v.contentType, v.headersJson, v.userMetaJson, v.checksumJson, v.sha256, v.createdAt)
    },
    /** Keeps a version for Time Machine only: S3 no longer lists it. */
    hideVersion: (id: string, now: number) => hideVer.run(now, id),
    /** Records when a version stopped being current (retention ages count from then). */
    markNoncurrent: (id: string, now: number) => noncurrent.run(now, id),
    deleteVersion: (id: string) => deleteVer.run(id),
    parts: (versionId: string) => parts.all(versionId) as PartRow[],
    insertPart: (p: PartRow) => insertPart.run(p.versionId, p.partNumber, p.blobId, p.offset, p.size, p.etag, p.checksum),
    /** Live keys after `after` and at or after `from` (prefix start), in UTF-8 byte order. */
    listLive: (bucketId: string, after: string, from: string, limit: number) =>
      (utf8Compare(after, from) >= 0 ? liveAfter.all(bucketId, after, limit) : liveFrom.all(bucketId, from, limit)) as Array<{ id: string; key: string; size: number; etag: string; contentType: string; lastModified: number }>,
    hasLiveObjects: (bucketId: string) => anyLive.get(bucketId) !== null,
    hasS3Versions: (bucketId: string) => anyS3Version.get(bucketId) !== null,
    /**
     * S3-visible versions in (key asc, newest first) order after (afterKey, afterNumber) and at or
     * after `from`: afterKey's versions older than afterNumber, then the following keys'. A null
     * afterNumber starts after every version of afterKey.
     */
    s3VersionsPage(bucketId: string, afterKey: string, afterNumber: number | null, from: string, limit: number) {
      type Row = VersionRow & { isLatest: number }
      if (utf8Compare(afterKey, from) < 0) return s3VersionsFrom.all(bucketId, from, limit) as Row[]
      const rows = afterNumber === null ? [] : (s3VersionsInKey.all(bucketId, afterKey, afterNumber, limit) as Row[])
      if (rows.length < limit) rows.push(...(s3VersionsAfter.all(bucketId, afterKey, limit - rows.length) as Row[]))
      return rows
    },
    /** The per-key number of a key's S3 "null" version, if it has one. */
    nullVersionNumber: (bucketId: string, key: string) => (nullNumber.get(bucketId, key) as { n: number } | null)?.n ?? null,
    /**
     * The lowest version number among the key's versions whose (time-ordered) id sorts after
     * `id`: the versions created after a version with that id, which need not exist any more.
     */
    oldestNumberNewerThan: (bucketId: string, key: string, id: string) => (oldestNewerThan.get(bucketId, key, id) as { n: number | null }).n,
    /** Makes a bucket's Time Machine history S3 versions with their own ids. */
    exposeHistory: (bucketId: string) => expose.run(bucketId),
    /** Keys with kept versions but no current one (deleted while the bucket was unversioned). */
    deletedWithHistory: (bucketId: string) => deletedWithHistory.all(bucketId) as ObjectRow[],
    /** The key's last write or delete that left a trace (a version made or superseded), 0 if none. */
    lastChangeAt: (objectId: string) => (lastChange.get(objectId) as { t: number }).t,
    /** When the key's last content stopped being current. */
    lastNoncurrentAt: (objectId: string) => (lastNoncurrent.get(objectId) as { t: number | null }).t,
    versionIdsInBucket: (bucketId: string) => (idsInBucket.all(bucketId) as Array<{ id: string }>).map((r) => r.id),
  }
}
export type ObjectsRepo = ReturnType<typeof objectsRepo>

