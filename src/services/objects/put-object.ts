import type { ChecksumAlgorithm } from '../../domain/checksums'
import type { ObjectMeta, StoredChecksum } from '../../domain/object-meta'
import type { Digests } from '../../blob/streams'
import type { BucketRow } from '../../db/repos/buckets'
import type { Deps } from '../deps'
import type { QuotaService, Reservation } from '../usage/quota'
import { checkWriteConditions, commitVersion, type CommitResult, type WriteConditions } from './commit'
import { discardBlob, ingest } from './ingest'

export interface UploadInput {
  source: AsyncIterable<Uint8Array>
  /** Declared length; null when unknown (then cut off at the remaining quota and `cap`). */
  size: number | null
  /** Largest body of unknown length the operation accepts (EntityTooLarge beyond). */
  cap?: number
  checksum?: ChecksumAlgorithm | null
  verify?: (d: Digests) => void
}

/** Bytes safely on disk, not yet an object: commit() or discard() it. */
export interface StagedUpload {
  accountId: string
  blobId: string
  digests: Digests
  checksum: StoredChecksum | null
  reservation: Reservation
}

export interface PutObjectResult extends CommitResult {
  digests: Digests
  checksum: StoredChecksum | null
}

/**
 * The PUT flow shared by S3 PutObject, presigned PUT and REST uploads: reserve quota before
 * reading → stream to a blob (hashed, verified, fsynced) → one commit transaction. Staging and
 * committing are separate so a form upload can stream the file before its bucket/key fields
 * arrive. A failed commit leaves no blob behind; the reservation is always released.
 */
export function putObjectService(d: Deps, quota: QuotaService) {
  /** `credit`: bytes the commit will free (an overwrite's old version), see quota.overwriteCredit. */
  async function stage(accountId: string, input: UploadInput, credit = 0): Promise<StagedUpload> {
    const reservation = quota.reserve(accountId, input.size, credit)
    try {
      const r = await ingest(d, input.source, { size: input.size, onBytes: reservation.cover, cap: input.cap, checksum: input.checksum, verify: input.verify })
      const checksum: StoredChecksum | null = r.digests.checksum ? { algorithm: r.digests.checksum.algorithm, type: 'FULL_OBJECT', value: r.digests.checksum.value } : null
      return { accountId, blobId: r.blobId, digests: r.digests, checksum, reservation }
    } catch (e) {
      reservation.release()
      quota.rejected(accountId, e)
      throw e
    }
  }

  function discard(s: StagedUpload) {
    discardBlob(d, s.blobId)
    s.reservation.release()
  }

  function commit(s: StagedUpload, target: { bucket: BucketRow; key: string; meta: ObjectMeta; conditions?: WriteConditions }): PutObjectResult {
    try {
      const committed = commitVersion(d, {
        bucketId: target.bucket.id, key: target.key, meta: target.meta, conditions: target.conditions, otherReservations: s.reservation.others(),
        content: { kind: 'blob', blobId: s.blobId, size: s.digests.size, etag: s.digests.md5Hex, sha256: s.digests.sha256Hex, checksum: s.checksum, fresh: true },
      })
      return { ...committed, digests: s.digests, checksum: s.checksum }
    } catch (e) {
      discardBlob(d, s.blobId)
      quota.rejected(s.accountId, e)
      throw e
    } finally {
      s.reservation.release()
    }
  }

  return {
    stage,
    commit,
    discard,
    async put(input: UploadInput & { bucket: BucketRow; key: string; meta: ObjectMeta; conditions?: WriteConditions }): Promise<PutObjectResult> {
      // Conditions that already fail cost no upload; the commit checks them again.
      let conditions = input.conditions
      if (conditions && (conditions.ifMatch != null || conditions.ifNoneMatch != null)) {
        const obj = d.repos.objects.byKey(input.bucket.id, input.key)
        const head = obj?.currentVersionId ? d.repos.objects.version(obj.currentVersionId) : null
        checkWriteConditions(head, conditions, { key: input.key })
        conditions = { ...conditions, observedHeadId: head?.id ?? null }
      }
      const staged = await stage(input.bucket.accountId, input, quota.overwriteCredit(input.bucket, input.key))
      return commit(staged, { ...input, conditions })
    },
  }
}
