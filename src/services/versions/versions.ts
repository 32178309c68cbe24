import { AppError } from '../../errors/app-error'
import type { BucketRow } from '../../db/repos/buckets'
import type { ObjectRow, VersionRow } from '../../db/repos/objects'
import type { ObjectMeta } from '../../domain/object-meta'
import type { Deps } from '../deps'
import { accountPrincipal, type AccessService } from '../access/access'
import type { QuotaService } from '../usage/quota'
import { commitVersion, removeVersion, type CommitResult } from '../objects/commit'
import { deleteObject } from '../objects/delete'
import { UsageDelta } from '../objects/usage-delta'

export interface VersionInfo {
  versionId: string
  versionNumber: number
  size: number
  createdAt: string
  isCurrent: boolean
}

const iso = (ms: number) => new Date(ms).toISOString()

export const versionInfo = (v: VersionRow, currentId: string | null): VersionInfo => ({
  versionId: v.id, versionNumber: v.versionNumber, size: v.size, createdAt: iso(v.createdAt), isCurrent: v.id === currentId,
})

/**
 * Time Machine, the product view of version history: every content version of a key (S3
 * versions and history kept for unversioned buckets alike), restore, undelete, purge.
 */
export function versionsService(d: Deps, quota: QuotaService, access: AccessService) {
  const { repos } = d

  /** A version the account owns, with its object and bucket; others' ids look nonexistent. */
  function owned(versionId: string, accountId: string): { version: VersionRow; object: ObjectRow; bucket: BucketRow } {
    const version = /^[0-9A-Z]{26}$/.test(versionId) ? repos.objects.version(versionId) : null
    const object = version ? repos.objects.byId(version.objectId) : null
    const bucket = object ? repos.buckets.byId(object.bucketId) : null
    if (!version || !object || !bucket || !access.mayUse(accountPrincipal(accountId), bucket) || version.isDeleteMarker) {
      throw new AppError('NoSuchVersion', { message: `No version has the id '${versionId}'.` })
    }
    return { version, object, bucket }
  }

  /** Makes an existing version's content current again as a new version (no bytes copied). */
  function recommit(bucket: BucketRow, key: string, src: VersionRow): CommitResult {
    const reservation = quota.reserve(bucket.accountId, src.size, quota.overwriteCredit(bucket, key))
    try {
      const parts = src.partsCount > 0 ? repos.objects.parts(src.id) : []
      const meta: ObjectMeta = { contentType: src.contentType, headers: JSON.parse(src.headersJson), userMeta: JSON.parse(src.userMetaJson) }
      const checksum = src.checksumJson ? JSON.parse(src.checksumJson) : null
      return commitVersion(d, {
        bucketId: bucket.id, key, meta, otherReservations: reservation.others(),
        content: src.blobId
          ? { kind: 'blob', blobId: src.blobId, size: src.size, etag: src.etag, sha256: src.sha256, checksum, fresh: false }
          : { kind: 'parts', parts: parts.map((p) => ({ partNumber: p.partNumber, blobId: p.blobId, size: p.size, etag: p.etag, checksum: p.checksum })), size: src.size, etag: src.etag, checksum, addRefs: true },
      })
    } catch (e) {
      quota.rejected(bucket.accountId, e)
      throw e
    } finally {
      reservation.release()
    }
  }

  return {
    owned,

    /** Every content version of a key, newest first. */
    history(bucket: BucketRow, key: string): VersionInfo[] {
      const obj = repos.objects.byKey(bucket.id, key)
      if (!obj) throw new AppError('NoSuchKey', { message: `The file '${key}' has no versions.` })
      return repos.objects.versionsOf(obj.id).filter((v) => !v.isDeleteMarker).map((v) => versionInfo(v, obj.currentVersionId))
    },

    /** Keys in a bucket that have history, with their version counts (paged by key). */
    versionedFiles(bucket: BucketRow, opts: { prefix: string; after: string; limit: number }) {
      const rows = repos.objects.versionedFiles(bucket.id, { ...opts, limit: opts.limit + 1 })
      const page = rows.slice(0, opts.limit)
      return {
        files: page.map((r) => ({ id: r.id, key: r.key, versions: r.versions, deleted: !r.isLive, updatedAt: iso(r.latestAt) })),
        hasMore: rows.length > opts.limit,
        last: page.length ? page[page.length - 1].key : null,
      }
    },

    /** Restores a version as a new current version; returns its number. */
    restore(accountId: string, versionId: string) {
      const { version, object, bucket } = owned(versionId, accountId)
      const r = recommit(bucket, object.key, version)
      return { success: true, restoredVersion: version.id, newVersionNumber: r.version.versionNumber, versionId: r.version.id }
    },

    /**
     * Undeletes a file: a delete marker on top is removed (S3 semantics), otherwise the newest
     * kept content becomes current again.
     */
    undelete(bucket: BucketRow, key: string) {
      const obj = repos.objects.byKey(bucket.id, key)
      const head = obj?.currentVersionId ? repos.objects.version(obj.currentVersionId) : null
      if (!obj || (head && !head.isDeleteMarker)) throw new AppError('ValidationError', { message: `'${key}' is not a deleted file.` })
      if (head?.isDeleteMarker) {
        deleteObject(d, bucket.id, key, head.s3Null ? 'null' : head.id)
        const now = repos.objects.byKey(bucket.id, key)
        const cur = now?.currentVersionId ? repos.objects.version(now.currentVersionId) : null
        if (cur && !cur.isDeleteMarker) return { success: true, versionId: cur.id, versionNumber: cur.versionNumber }
      }
      const latest = repos.objects.versionsOf(obj.id).find((v) => !v.isDeleteMarker)
      if (!latest) throw new AppError('NoSuchVersion', { message: `'${key}' has no kept content to restore.` })
      const r = recommit(bucket, key, latest)
      return { success: true, versionId: r.version.id, versionNumber: r.version.versionNumber }
    },

    /**
     * Deleted files that still have kept content (restorable). deletedAt: the delete marker's
     * time, or (unversioned buckets, no marker) when the last content stopped being current.
     */
    deletedFiles(bucket: BucketRow, opts: { prefix: string; after: string; limit: number }) {
      const rows = repos.objects.deletedFiles(bucket.id, { ...opts, limit: opts.limit + 1 })
      const page = rows.slice(0, opts.limit)
      return {
        files: page.map((r) => ({ id: r.id, key: r.key, versions: r.versions, deletedAt: r.deletedAt ? iso(r.deletedAt) : null })),
        hasMore: rows.length > opts.limit,
        last: page.length ? page[page.length - 1].key : null,
      }
    },

    /** Permanently deletes one non-current version (the current one must be replaced first). */
    deleteVersion(accountId: string, versionId: string) {
      const { version, object, bucket } = owned(versionId, accountId)
      if (object.currentVersionId === version.id) {
        throw new AppError('ValidationError', { message: 'This is the current version: delete the file or restore another version first.' })
      }
      d.db.tx(() => {
        const delta = new UsageDelta(bucket)
        removeVersion(d, version, delta)
        if (repos.objects.countVersions(object.id) === 0) repos.objects.deleteObject(object.id)
        delta.apply(d)
      }, { freesSpace: true })
      return { success: true, freedBytes: version.size }
    },

    /** Purges every non-current version (history, S3 noncurrent versions, markers) of a key or a whole bucket. */
    purge(bucket: BucketRow, key: string | null) {
      const objects = key !== null
        ? [repos.objects.byKey(bucket.id, key)].filter((o): o is ObjectRow => !!o)
        : repos.objects.objectIdsInBucket(bucket.id).map((id) => repos.objects.byId(id)).filter((o): o is ObjectRow => !!o)
      if (key !== null && objects.length === 0) throw new AppError('NoSuchKey', { message: `The file '${key}' has no versions.` })
      let freed = 0
      let removed = 0
      d.db.tx(() => {
        freed = 0
        removed = 0
        const delta = new UsageDelta(bucket)
        for (const o of objects) {
          for (const v of repos.objects.versionsOf(o.id)) {
            if (v.id === o.currentVersionId && !v.isDeleteMarker) continue
            if (v.id === o.currentVersionId) repos.objects.setHead(o.id, null)
            removeVersion(d, v, delta)
            freed += v.isDeleteMarker ? 0 : v.size
            removed++
          }
          if (repos.objects.countVersions(o.id) === 0) repos.objects.deleteObject(o.id)
        }
        delta.apply(d)
      }, { freesSpace: true })
      return { success: true, removedVersions: removed, freedBytes: freed }
    },
  }
}
export type VersionsService = ReturnType<typeof versionsService>
