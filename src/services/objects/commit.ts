import { AppError } from '../../errors/app-error'
import { newUlid } from '../../domain/ids'
import type { ObjectMeta, StoredChecksum } from '../../domain/object-meta'
import type { BucketRow } from '../../db/repos/buckets'
import type { ObjectRow, VersionRow } from '../../db/repos/objects'
import type { Deps } from '../deps'
import { UsageDelta } from './usage-delta'
import { etagMatches } from '../../domain/conditions'

/** Where the parts of a multipart object begin and end inside its one blob (GET ?partNumber). */
export interface PartBoundary {
  partNumber: number
  size: number
  etag: string
  checksum: string | null
}

/** The bytes of a new version: one blob, or the ordered parts of a multipart upload. */
export type Content =
  | {
      kind: 'blob'
      blobId: string
      size: number
      etag: string
      sha256: string | null
      checksum: StoredChecksum | null
      fresh: boolean
      /** A multipart object's part layout; each part row holds its own reference to the blob. */
      parts?: PartBoundary[]
    }
  | {
      kind: 'parts'
      parts: Array<{ partNumber: number; blobId: string; size: number; etag: string; checksum: string | null }>
      size: number
      etag: string
      checksum: StoredChecksum | null
      /** Copies share the source's part blobs (new references); completed uploads hand theirs over. */
      addRefs: boolean
    }

export interface WriteConditions {
  ifNoneMatch?: string | null
  ifMatch?: string | null
  /**
   * The key's head (version id, null for none) when the conditions were first checked, before
   * the body was read: if they fail at commit because the key changed meanwhile, that is a
   * concurrent write, 409 ConditionalRequestConflict, not 412.
   */
  observedHeadId?: string | null
  /**
   * CompleteMultipartUpload: when the upload began. A conditional completion of a key that was
   * written or deleted after that is 409 ConditionalRequestConflict (restart the upload).
   */
  since?: number
}

export interface CommitResult {
  version: VersionRow
  object: ObjectRow
  created: boolean
}

/**
 * Removes a version for good: row, parts, blob references and its share of usage. Deleting
 * the object's current version is the caller's business (it must move the head first).
 */
export function removeVersion(d: Deps, v: VersionRow, delta: UsageDelta) {
  const now = d.now()
  const parts = v.partsCount > 0 ? d.repos.objects.parts(v.id) : []
  d.repos.objects.deleteVersion(v.id)
  if (v.blobId) delta.stored += d.repos.blobs.release(v.blobId, now)
  for (const p of parts) delta.stored += d.repos.blobs.release(p.blobId, now)
  if (!v.isDeleteMarker) delta.logical -= v.size
}

/**
 * An S3 "null" version is being replaced: Time Machine keeps it as history (hidden from S3),
 * otherwise it is gone.
 */
export function supersedeNullVersion(d: Deps, bucket: BucketRow, obj: ObjectRow, delta: UsageDelta) {
  const old = d.repos.objects.nullVersion(obj.id)
  if (!old) return
  if (bucket.timeMachine && !old.isDeleteMarker) d.repos.objects.hideVersion(old.id, d.now())
  else removeVersion(d, old, delta)
}

/**
 * Time Machine retention: one history, whichever view shows it. A key keeps its current version
 * plus at most maxVersions−1 older content versions, none superseded longer ago than maxAgeDays.
 * It prunes history kept only by Time Machine and, while Time Machine is on, S3 noncurrent
 * versions too; with Time Machine off a bucket follows plain S3 (versions kept until deleted).
 * The current version is never pruned; delete markers are not content and are left alone.
 */
export function applyRetention(d: Deps, bucket: BucketRow, objectId: string, delta: UsageDelta) {
  const maxVersions = bucket.retentionMaxVersions ?? d.config.retention.maxVersions
  const maxAgeDays = bucket.retentionDays ?? d.config.retention.maxAgeDays
  const cutoff = maxAgeDays > 0 ? d.now() - maxAgeDays * 86_400_000 : -Infinity
  const currentId = d.repos.objects.byId(objectId)?.currentVersionId
  const history = (bucket.timeMachine ? d.repos.objects.versionsOf(objectId) : d.repos.objects.hiddenVersionsOf(objectId)) // newest first
    .filter((v) => v.id !== currentId && !v.isDeleteMarker)
  history.forEach((v, i) => {
    if (i + 1 >= maxVersions || (v.noncurrentSince ?? v.createdAt) < cutoff) removeVersion(d, v, delta)
  })
}

const unsupportedCondition = (header: string, additionalMessage: string) =>
  new AppError('NotImplemented', { fields: { Header: header, additionalMessage } })

/**
 * The forms of If-None-Match / If-Match S3 takes on writes (PutObject, CopyObject,
 * CompleteMultipartUpload): If-None-Match only as "*", If-Match only with an ETag, never both.
 * Anything else is AWS's 501 NotImplemented, checked before any byte of the body is read.
 */
export function validateWriteConditions(c: WriteConditions) {
  if (c.ifNoneMatch != null && c.ifMatch != null) throw unsupportedCondition('If-Match,If-None-Match', 'Multiple conditional request headers present in the request')
  if (c.ifNoneMatch != null && c.ifNoneMatch.trim() !== '*') throw unsupportedCondition('If-None-Match', "We don't accept the provided value of If-None-Match header for this API")
  if (c.ifMatch != null && c.ifMatch.trim() === '*') throw unsupportedCondition('If-Match', "We don't accept the provided value of If-Match header for this API")
}

/**
 * Evaluates If-None-Match / If-Match for a write against the key's current version, as S3 does:
 * If-None-Match: * fails (412) when the key exists; If-Match fails with 404 NoSuchKey when it
 * does not and 412 when the ETag differs. `raced`: the key changed since the conditions were
 * first checked, so a failure now is 409 ConditionalRequestConflict. `changedSince`: the key
 * changed after a multipart upload began, which fails a conditional completion that would
 * otherwise pass (409, the upload must be restarted).
 */
export function checkWriteConditions(current: VersionRow | null, c: WriteConditions, opts: { key?: string; raced?: boolean; changedSince?: boolean } = {}) {
  validateWriteConditions(c)
  const condition = c.ifNoneMatch != null ? 'If-None-Match' : c.ifMatch != null ? 'If-Match' : null
  if (!condition) return
  const live = current && !current.isDeleteMarker ? current : null
  const conflict = () => new AppError('ConditionalRequestConflict', { fields: { Condition: condition, ...(opts.key !== undefined ? { Key: opts.key } : {}) } })
  let failure: AppError | null = null
  if (c.ifNoneMatch != null) {
    if (live) failure = new AppError('PreconditionFailed', { fields: { Condition: 'If-None-Match' } })
  } else if (!live) {
    failure = new AppError('NoSuchKey', { fields: opts.key !== undefined ? { Key: opts.key } : undefined })
  } else if (!etagMatches(c.ifMatch!, live.etag)) {
    failure = new AppError('PreconditionFailed', { fields: { Condition: 'If-Match' } })
  }
  if (failure) throw opts.raced ? conflict() : failure
  if (opts.changedSince) throw conflict()
}

/** Whether a key was written or deleted after `t` (a version made, or one stopping being current). */
export function keyChangedSince(d: Deps, obj: ObjectRow | null, t: number): boolean {
  return !!obj && d.repos.objects.lastChangeAt(obj.id) > t
}

/** The conditions' check at commit: against the head now, knowing what the first check saw. */
function checkAtCommit(d: Deps, obj: ObjectRow, current: VersionRow | null, key: string, c: WriteConditions) {
  checkWriteConditions(current, c, {
    key,
    raced: c.observedHeadId !== undefined && (obj.currentVersionId ?? null) !== c.observedHeadId,
    changedSince: c.since !== undefined && keyChangedSince(d, obj, c.since),
  })
}

/** The key's object row, created at `now` (the version's time) when the key is new. */
function objectFor(d: Deps, bucket: BucketRow, key: string, now: number): ObjectRow {
  return d.repos.objects.byKey(bucket.id, key) ?? d.repos.objects.insertObject(newUlid(now), bucket.id, key, now)
}

/**
 * Makes new content the key's current version in one synchronous transaction: re-checks the
 * bucket and conditions, applies S3 versioning and Time Machine rules, dedups identical content,
 * updates usage under the quota, prunes history and writes the outbox event.
 */
export function commitVersion(
  d: Deps,
  input: {
    bucketId: string
    key: string
    content: Content
    meta: ObjectMeta
    conditions?: WriteConditions
    otherReservations?: number
    /** Bytes of this content already in usage (a completed upload's parts). */
    accountedBytes?: number
    event?: boolean
  },
): CommitResult {
  return d.db.tx(() => {
    const bucket = d.repos.buckets.byId(input.bucketId)
    if (!bucket) throw new AppError('NoSuchBucket')
    const now = d.now()
    const delta = new UsageDelta(bucket)
    const obj = objectFor(d, bucket, input.key, now)
    const current = obj.currentVersionId ? d.repos.objects.version(obj.currentVersionId) : null
    checkAtCommit(d, obj, current, input.key, input.conditions ?? {})
    const wasLive = !!current && !current.isDeleteMarker

    const c = input.content
    let blobId: string | null = null
    if (c.kind === 'blob') {
      blobId = c.blobId
      if (c.fresh) {
        // Identical content already stored for this account: reference it, drop the new copy.
        const dup = c.sha256 ? d.repos.blobs.findDuplicate(bucket.accountId, c.sha256, c.size) : null
        if (dup) {
          d.repos.blobs.addRef(dup.id)
          const extra = c.blobId
          d.db.afterCommit(() => void d.blobs.delete(extra).catch(() => {}))
          blobId = dup.id
        } else {
          delta.stored += d.repos.blobs.insertLive(c.blobId, bucket.accountId, c.size, c.sha256, c.etag, now)
        }
      } else {
        d.repos.blobs.addRef(c.blobId)
      }
    }

    const enabled = bucket.s3Versioning === 'Enabled'
    if (current) d.repos.objects.markNoncurrent(current.id, now)
    if (!enabled) supersedeNullVersion(d, bucket, obj, delta)
    const version: VersionRow = {
      id: newUlid(now), objectId: obj.id, bucketId: bucket.id, key: input.key,
      versionNumber: d.repos.objects.takeVersionNumber(obj.id),
      s3Null: !enabled, s3Hidden: false, isDeleteMarker: false, blobId,
      size: c.size, etag: c.etag, partsCount: c.parts?.length ?? 0,
      contentType: input.meta.contentType, headersJson: JSON.stringify(input.meta.headers), userMetaJson: JSON.stringify(input.meta.userMeta),
      checksumJson: c.checksum ? JSON.stringify(c.checksum) : null, sha256: c.kind === 'blob' ? c.sha256 : null, createdAt: now, noncurrentSince: null,
    }
    d.repos.objects.insertVersion(version)
    if (c.kind === 'parts') {
      let offset = 0
      for (const p of c.parts) {
        if (c.addRefs) d.repos.blobs.addRef(p.blobId)
        d.repos.objects.insertPart({ versionId: version.id, partNumber: p.partNumber, blobId: p.blobId, offset, size: p.size, etag: p.etag, checksum: p.checksum })
        offset += p.size
      }
    } else if (c.parts) {
      let offset = 0
      for (const p of c.parts) {
        d.repos.blobs.addRef(blobId!)
        d.repos.objects.insertPart({ versionId: version.id, partNumber: p.partNumber, blobId: blobId!, offset, size: p.size, etag: p.etag, checksum: p.checksum })
        offset += p.size
      }
    }
    d.repos.objects.setHead(obj.id, version)
    delta.logical += c.size - (input.accountedBytes ?? 0)
    if (!wasLive) delta.objects += 1
    applyRetention(d, bucket, obj.id, delta)
    delta.apply(d, { enforceQuota: true, otherReservations: input.otherReservations ?? 0 })
    if (input.event !== false) {
      d.bus.emit(wasLive ? 'object.updated' : 'object.created', bucket.accountId, {
        bucket: bucket.name, key: input.key, size: c.size, contentType: input.meta.contentType, etag: c.etag, versionId: version.id, versionNumber: version.versionNumber,
      }, now)
    }
    return { version, object: d.repos.objects.byId(obj.id)!, created: !wasLive }
  })
}
