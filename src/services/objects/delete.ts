import { AppError } from '../../errors/app-error'
import { newUlid } from '../../domain/ids'
import type { BucketRow } from '../../db/repos/buckets'
import type { ObjectRow, VersionRow } from '../../db/repos/objects'
import type { Deps } from '../deps'
import { removeVersion, supersedeNullVersion } from './commit'
import { s3VersionId } from './read'
import { UsageDelta } from './usage-delta'
import { endSharesOfKey } from '../shares/shares'

export interface DeleteResult {
  /** The S3 version id of the delete marker created or the version removed. */
  versionId: string | null
  deleteMarker: boolean
}

/** After removing the head, the newest remaining S3-visible version becomes current. */
function promoteLatest(d: Deps, obj: ObjectRow): VersionRow | null {
  const next = d.repos.objects.versionsOf(obj.id).find((v) => !v.s3Hidden) ?? null
  d.repos.objects.setHead(obj.id, next)
  return next
}

/** A key with no versions left (no history either) leaves the listing index. */
function dropIfEmpty(d: Deps, obj: ObjectRow) {
  if (d.repos.objects.countVersions(obj.id) === 0) d.repos.objects.deleteObject(obj.id)
}

/** The key stopped being live: the event, and the share links that follow the key end. */
function emitDeleted(d: Deps, bucket: BucketRow, key: string, v: VersionRow | null) {
  endSharesOfKey(d, bucket.id, key)
  d.bus.emit('object.deleted', bucket.accountId, { bucket: bucket.name, key, size: v?.size ?? 0, versionId: v?.id ?? null }, d.now())
}

function emitCurrent(d: Deps, bucket: BucketRow, key: string, v: VersionRow, type: 'object.created' | 'object.updated') {
  d.bus.emit(type, bucket.accountId, {
    bucket: bucket.name, key, size: v.size, contentType: v.contentType, etag: v.etag, versionId: v.id, versionNumber: v.versionNumber,
  }, d.now())
}

/** Writes a delete marker as the key's current version (the previous head is the caller's business). */
export function insertDeleteMarker(d: Deps, obj: ObjectRow, opts: { s3Null: boolean; at: number }): VersionRow {
  const marker: VersionRow = {
    id: newUlid(opts.at), objectId: obj.id, bucketId: obj.bucketId, key: obj.key, versionNumber: d.repos.objects.takeVersionNumber(obj.id),
    s3Null: opts.s3Null, s3Hidden: false, isDeleteMarker: true, blobId: null, size: 0, etag: '', partsCount: 0,
    contentType: '', headersJson: '{}', userMetaJson: '{}', checksumJson: null, sha256: null, createdAt: opts.at, noncurrentSince: null,
  }
  d.repos.objects.insertVersion(marker)
  d.repos.objects.setHead(obj.id, marker)
  return marker
}

/**
 * DeleteObject with S3 semantics. Without a version id: unversioned buckets drop the key (Time
 * Machine keeps the content as history), versioned ones add a delete marker. With a version id:
 * that S3 version is removed permanently and the newest remaining one becomes current.
 */
export function deleteObject(d: Deps, bucketId: string, key: string, versionId: string | null): DeleteResult {
  return d.db.tx(() => {
    const bucket = d.repos.buckets.byId(bucketId)
    if (!bucket) throw new AppError('NoSuchBucket')
    const delta = new UsageDelta(bucket)
    const obj = d.repos.objects.byKey(bucket.id, key)
    const current = obj?.currentVersionId ? d.repos.objects.version(obj.currentVersionId) : null
    const wasLive = !!current && !current.isDeleteMarker

    if (versionId !== null) {
      if (!obj) return { versionId, deleteMarker: false }
      const v = versionId === 'null' ? d.repos.objects.nullVersion(obj.id) : d.repos.objects.version(versionId)
      if (!v || v.objectId !== obj.id || v.s3Hidden) {
        if (versionId !== 'null' && !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(versionId)) throw new AppError('InvalidArgument', { message: 'Invalid version id specified', fields: { ArgumentName: 'versionId', ArgumentValue: versionId } })
        return { versionId, deleteMarker: false } // S3 answers 204 for a version that is already gone
      }
      const isHead = v.id === obj.currentVersionId
      removeVersion(d, v, delta)
      if (isHead) {
        const next = promoteLatest(d, obj)
        const nowLive = !!next && !next.isDeleteMarker
        if (wasLive && !nowLive) { delta.objects -= 1; emitDeleted(d, bucket, key, v) }
        if (!wasLive && nowLive) delta.objects += 1
        // The key shows other content now: back from a delete marker, or an older version.
        if (nowLive) emitCurrent(d, bucket, key, next, wasLive ? 'object.updated' : 'object.created')
      }
      dropIfEmpty(d, obj)
      delta.apply(d)
      return { versionId: s3VersionId(v), deleteMarker: v.isDeleteMarker }
    }

    if (bucket.s3Versioning === '') {
      if (!obj || !current) return { versionId: null, deleteMarker: false }
      d.repos.objects.setHead(obj.id, null)
      if (bucket.timeMachine && !current.isDeleteMarker) d.repos.objects.hideVersion(current.id, d.now())
      else removeVersion(d, current, delta)
      if (wasLive) { delta.objects -= 1; emitDeleted(d, bucket, key, current) }
      dropIfEmpty(d, obj)
      delta.apply(d)
      return { versionId: null, deleteMarker: false }
    }

    // Enabled or Suspended: a delete marker becomes the current version, even on a key that
    // does not exist (S3 does this too).
    const now = d.now()
    const target = obj ?? d.repos.objects.insertObject(newUlid(now), bucket.id, key, now)
    const suspended = bucket.s3Versioning === 'Suspended'
    if (current) d.repos.objects.markNoncurrent(current.id, now)
    if (suspended) supersedeNullVersion(d, bucket, target, delta)
    const marker = insertDeleteMarker(d, target, { s3Null: suspended, at: now })
    if (wasLive) { delta.objects -= 1; emitDeleted(d, bucket, key, current) }
    delta.apply(d)
    return { versionId: s3VersionId(marker), deleteMarker: true }
  }, { freesSpace: true })
}
