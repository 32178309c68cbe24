import { AppError } from '../../errors/app-error'
import { evaluateReadConditions } from '../../domain/conditions'
import type { ObjectMeta } from '../../domain/object-meta'
import type { BucketRow } from '../../db/repos/buckets'
import type { VersionRow } from '../../db/repos/objects'
import type { Deps } from '../deps'
import type { QuotaService } from '../usage/quota'
import { commitVersion, type CommitResult, type WriteConditions } from './commit'
import { resolveVersion } from './read'

export interface CopySource {
  bucket: string
  key: string
  versionId: string | null
}

/** Parses x-amz-copy-source: "[/]bucket/key[?versionId=…]", percent-decoded exactly once. */
export function parseCopySource(raw: string): CopySource {
  let s = raw.trim()
  let versionId: string | null = null
  const q = s.indexOf('?')
  if (q >= 0) {
    const params = new URLSearchParams(s.slice(q + 1))
    versionId = params.get('versionId')
    s = s.slice(0, q)
  }
  let decoded: string
  try {
    decoded = decodeURIComponent(s)
  } catch {
    throw new AppError('InvalidArgument', { message: 'Invalid copy source encoding', fields: { ArgumentName: 'x-amz-copy-source' } })
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1)
  const slash = decoded.indexOf('/')
  if (slash <= 0 || slash === decoded.length - 1) throw new AppError('InvalidArgument', { message: 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', fields: { ArgumentName: 'x-amz-copy-source' } })
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), versionId }
}

/** x-amz-copy-source-if-*: any failure is 412 PreconditionFailed for copies. */
export function checkCopySourceConditions(h: Headers, v: VersionRow) {
  if (evaluateReadConditions(h, v.etag, v.createdAt, 'x-amz-copy-source-') !== 'ok') {
    throw new AppError('PreconditionFailed', { fields: { Condition: 'x-amz-copy-source-If-*' } })
  }
}

/**
 * CopyObject without copying bytes: the new version references the source's blobs (the
 * blob refcount keeps them alive), so a copy of any size is one transaction.
 */
export function copyObjectService(d: Deps, quota: QuotaService) {
  return function copyObject(input: {
    source: { bucket: BucketRow; key: string; versionId: string | null }
    dest: { bucket: BucketRow; key: string }
    /** null: keep the source's metadata (COPY); else REPLACE with this. */
    meta: ObjectMeta | null
    headers: Headers
    conditions?: WriteConditions
  }): CommitResult & { source: VersionRow } {
    const { version: src } = resolveVersion(d, input.source.bucket, input.source.key, input.source.versionId)
    checkCopySourceConditions(input.headers, src)
    if (input.meta === null && input.source.bucket.id === input.dest.bucket.id && input.source.key === input.dest.key && input.source.versionId === null) {
      throw new AppError('InvalidRequest', { message: 'This copy request is illegal because it is trying to copy an object to itself without changing the object\'s metadata, storage class, website redirect location or encryption attributes.' })
    }
    const meta: ObjectMeta = input.meta ?? { contentType: src.contentType, headers: JSON.parse(src.headersJson), userMeta: JSON.parse(src.userMetaJson) }
    const checksum = src.checksumJson ? JSON.parse(src.checksumJson) : null
    const accountId = input.dest.bucket.accountId
    const reservation = quota.reserve(accountId, src.size, quota.overwriteCredit(input.dest.bucket, input.dest.key))
    try {
      const parts = src.partsCount > 0 ? d.repos.objects.parts(src.id) : []
      const committed = commitVersion(d, {
        bucketId: input.dest.bucket.id, key: input.dest.key, meta, conditions: input.conditions, otherReservations: reservation.others(),
        content: src.blobId
          ? { kind: 'blob', blobId: src.blobId, size: src.size, etag: src.etag, sha256: src.sha256, checksum, fresh: false, parts: parts.length ? parts.map((p) => ({ partNumber: p.partNumber, size: p.size, etag: p.etag, checksum: p.checksum })) : undefined }
          : { kind: 'parts', parts: parts.map((p) => ({ partNumber: p.partNumber, blobId: p.blobId, size: p.size, etag: p.etag, checksum: p.checksum })), size: src.size, etag: src.etag, checksum, addRefs: true },
      })
      return { ...committed, source: src }
    } catch (e) {
      quota.rejected(accountId, e)
      throw e
    } finally {
      reservation.release()
    }
  }
}
