import type { ChecksumAlgorithm } from '../../domain/checksums'
import type { ObjectMeta, StoredChecksum } from '../../domain/object-meta'
import type { Digests } from '../../blob/streams'
import type { BucketRow } from '../../db/repos/buckets'
import type { Deps } from '../deps'
import type { QuotaService } from '../usage/quota'
import { commitVersion, type CommitResult, type WriteConditions } from './commit'
import { discardBlob, ingest } from './ingest'

export interface PutObjectInput {
  bucket: BucketRow
  key: string
  source: AsyncIterable<Uint8Array>
  /** Declared length; null when unknown (then cut off at the remaining quota). */
  size: number | null
  meta: ObjectMeta
  checksum?: ChecksumAlgorithm | null
  verify?: (d: Digests) => void
  conditions?: WriteConditions
}

export interface PutObjectResult extends CommitResult {
  digests: Digests
  checksum: StoredChecksum | null
}

/**
 * The PUT flow shared by S3 PutObject, presigned PUT and REST uploads: reserve quota before
 * reading → stream to a blob (hashed, verified, fsynced) → one commit transaction. A failed
 * commit leaves no blob behind; the reservation is always released.
 */
export function putObjectService(d: Deps, quota: QuotaService) {
  return async function putObject(input: PutObjectInput): Promise<PutObjectResult> {
    const accountId = input.bucket.accountId
    const reservation = quota.reserve(accountId, input.size)
    let blobId: string | null = null
    try {
      const r = await ingest(d, input.source, { size: input.size, max: reservation.limit, checksum: input.checksum, verify: input.verify })
      blobId = r.blobId
      const checksum: StoredChecksum | null = r.digests.checksum ? { algorithm: r.digests.checksum.algorithm, type: 'FULL_OBJECT', value: r.digests.checksum.value } : null
      const committed = commitVersion(d, {
        bucketId: input.bucket.id, key: input.key, meta: input.meta, conditions: input.conditions, otherReservations: reservation.others(),
        content: { kind: 'blob', blobId: r.blobId, size: r.digests.size, etag: r.digests.md5Hex, sha256: r.digests.sha256Hex, checksum, fresh: true },
      })
      blobId = null
      return { ...committed, digests: r.digests, checksum }
    } catch (e) {
      if (blobId) discardBlob(d, blobId)
      quota.rejected(accountId, e)
      throw e
    } finally {
      reservation.release()
    }
  }
}
