import { createHash } from 'node:crypto'
import { AppError } from '../../errors/app-error'
import { newUploadId } from '../../domain/ids'
import { listMultipartUploads } from './list-uploads'
import { compositeChecksum, type ChecksumAlgorithm, type ChecksumType } from '../../domain/checksums'
import { crcCombine, crcFromBase64, crcToBase64, isCombinable } from '../../domain/crc-combine'
import type { ObjectMeta, StoredChecksum } from '../../domain/object-meta'
import type { Digests } from '../../blob/streams'
import type { BucketRow } from '../../db/repos/buckets'
import type { UploadPartRow, UploadRow } from '../../db/repos/multipart'
import type { Deps } from '../deps'
import type { QuotaService } from '../usage/quota'
import { checkWriteConditions, commitVersion, keyChangedSince, validateWriteConditions, type WriteConditions } from '../objects/commit'
import { discardBlob, ingest } from '../objects/ingest'
import { iterateStream } from '../../blob/streams'
import { UsageDelta } from '../objects/usage-delta'
import { dropUpload } from './drop-upload'
import { MAX_PART_SIZE, MAX_PARTS } from '../../domain/upload-limits'

export interface CompletePart {
  partNumber: number
  etag: string
  checksum: string | null
}

/** The upload's checksum type: CRC64NVME is full-object only; SHA* composite only. */
export function checksumTypeFor(alg: ChecksumAlgorithm, requested: string | null): ChecksumType {
  const t = requested?.toUpperCase() ?? (alg === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE')
  if (t !== 'COMPOSITE' && t !== 'FULL_OBJECT') throw new AppError('InvalidRequest', { message: `Value for x-amz-checksum-type header is invalid: ${requested}` })
  if (t === 'FULL_OBJECT' && !isCombinable(alg)) throw new AppError('InvalidRequest', { message: `The FULL_OBJECT checksum type cannot be used with the ${alg} checksum algorithm.` })
  if (t === 'COMPOSITE' && alg === 'CRC64NVME') throw new AppError('InvalidRequest', { message: 'The COMPOSITE checksum type cannot be used with the CRC64NVME checksum algorithm.' })
  return t
}

/** The listed parts' bytes in order, read lazily one blob after the other. */
async function* partsContent(d: Deps, parts: UploadPartRow[]): AsyncIterable<Uint8Array> {
  for (const p of parts) {
    const body = await d.blobs.get(p.blobId)
    yield* iterateStream(body instanceof Blob ? body.stream() : body)
  }
}

/** Multipart uploads: parts are blobs of their own until completion joins them into one. */
export function multipartService(d: Deps, quota: QuotaService) {
  const { repos } = d

  function requireUpload(uploadId: string, bucket: BucketRow, key: string): UploadRow {
    const u = repos.multipart.get(uploadId)
    if (!u || u.bucketId !== bucket.id || u.key !== key) throw new AppError('NoSuchUpload', { fields: { UploadId: uploadId } })
    return u
  }

  async function finalChecksum(u: UploadRow, parts: UploadPartRow[], clientFullObject: string | null): Promise<StoredChecksum | null> {
    if (!u.checksumAlgorithm) return null
    const alg = u.checksumAlgorithm as ChecksumAlgorithm
    const values = parts.map((p) => (p.checksumJson ? (JSON.parse(p.checksumJson) as { value: string }).value : null))
    if (values.some((v) => v === null)) throw new AppError('InvalidRequest', { message: `The upload was created with the ${alg} checksum algorithm, but some parts have no ${alg} checksum.` })
    if (u.checksumType === 'FULL_OBJECT') {
      let crc = crcFromBase64(values[0]!)
      for (let i = 1; i < parts.length; i++) crc = crcCombine(alg, crc, crcFromBase64(values[i]!), parts[i].size)
      const value = crcToBase64(alg, crc)
      if (clientFullObject !== null && clientFullObject !== value) throw new AppError('BadDigest', { message: `The ${alg} you specified for the full object did not match the calculated checksum.` })
      return { algorithm: alg, type: 'FULL_OBJECT', value }
    }
    return { algorithm: alg, type: 'COMPOSITE', value: await compositeChecksum(alg, values as string[]) }
  }

  return {
    requireUpload,

    create(bucket: BucketRow, key: string, meta: ObjectMeta, checksum: { algorithm: ChecksumAlgorithm | null; type: string | null }): UploadRow {
      const now = d.now()
      const type = checksum.algorithm ? checksumTypeFor(checksum.algorithm, checksum.type) : null
      if (!checksum.algorithm && checksum.type) throw new AppError('InvalidRequest', { message: 'x-amz-checksum-type requires x-amz-checksum-algorithm.' })
      const u: UploadRow = {
        id: newUploadId(now), bucketId: bucket.id, key, accountId: bucket.accountId, contentType: meta.contentType,
        headersJson: JSON.stringify(meta.headers), userMetaJson: JSON.stringify(meta.userMeta),
        checksumAlgorithm: checksum.algorithm, checksumType: type, initiatedAt: now, updatedAt: now,
      }
      d.db.tx(() => {
        if (!repos.buckets.byId(bucket.id)) throw new AppError('NoSuchBucket')
        repos.multipart.insert(u)
      })
      return u
    },

    /**
     * Stores one part (a retried part number replaces the earlier one). Parts count toward
     * usage and quota from the moment they are stored.
     */
    async uploadPart(input: {
      bucket: BucketRow; key: string; uploadId: string; partNumber: number
      source: AsyncIterable<Uint8Array>; size: number | null
      checksum?: ChecksumAlgorithm | null; verify?: (dg: Digests) => void
    }): Promise<{ etag: string; checksum: StoredChecksum | null }> {
      const u = requireUpload(input.uploadId, input.bucket, input.key)
      if (input.size !== null && input.size > MAX_PART_SIZE) throw new AppError('EntityTooLarge', { fields: { ProposedSize: input.size, MaxSizeAllowed: MAX_PART_SIZE } })
      const alg = input.checksum ?? (u.checksumAlgorithm as ChecksumAlgorithm | null)
      if (u.checksumAlgorithm && input.checksum && input.checksum !== u.checksumAlgorithm) {
        throw new AppError('InvalidRequest', { message: `Checksum Type mismatch occurred, expected checksum Type: ${u.checksumAlgorithm.toLowerCase()}, actual checksum Type: ${input.checksum.toLowerCase()}` })
      }
      // A retried part number replaces the earlier part: only the growth needs room.
      const reservation = quota.reserve(u.accountId, input.size, repos.multipart.part(input.uploadId, input.partNumber)?.size ?? 0)
      let blobId: string | null = null
      try {
        const r = await ingest(d, input.source, { size: input.size, onBytes: reservation.cover, cap: MAX_PART_SIZE, checksum: alg, verify: input.verify })
        blobId = r.blobId
        const checksum: StoredChecksum | null = r.digests.checksum ? { algorithm: r.digests.checksum.algorithm, type: 'FULL_OBJECT', value: r.digests.checksum.value } : null
        d.db.tx(() => {
          const bucket = repos.buckets.byId(input.bucket.id)
          if (!bucket) throw new AppError('NoSuchBucket')
          requireUpload(input.uploadId, bucket, input.key)
          const now = d.now()
          const delta = new UsageDelta(bucket)
          const old = repos.multipart.part(input.uploadId, input.partNumber)
          if (old) {
            delta.stored += repos.blobs.release(old.blobId, now)
            delta.logical -= old.size
          }
          delta.stored += repos.blobs.insertLive(r.blobId, u.accountId, r.digests.size, r.digests.sha256Hex, r.digests.md5Hex, now)
          delta.logical += r.digests.size
          repos.multipart.upsertPart({
            uploadId: input.uploadId, partNumber: input.partNumber, blobId: r.blobId, size: r.digests.size, etag: r.digests.md5Hex,
            checksumJson: checksum ? JSON.stringify(checksum) : null, createdAt: now,
          })
          repos.multipart.touch(input.uploadId, now)
          delta.apply(d, { enforceQuota: true, otherReservations: reservation.others() })
        })
        blobId = null
        return { etag: r.digests.md5Hex, checksum }
      } catch (e) {
        if (blobId) discardBlob(d, blobId)
        quota.rejected(u.accountId, e)
        throw e
      } finally {
        reservation.release()
      }
    },

    /**
     * Completes an upload: parts must be listed in ascending order with matching ETags (and
     * checksums), every part but the last at least 5 MiB. The listed parts are written into one
     * blob (streamed, hashed, fsynced), which the new version references with its part layout;
     * every part blob is then released. ETag: md5 of the part md5s, "-N".
     *
     * Why one blob: Bun.serve drops Content-Length from streamed responses (oven-sh/bun#10507),
     * so an object read from several part files went out chunked without a length, which S3
     * clients such as s3cmd cannot download. One blob is served as a file: with its length,
     * zero-copy, for full, ranged and ?partNumber reads alike.
     */
    async complete(input: { bucket: BucketRow; key: string; uploadId: string; parts: CompletePart[]; conditions?: WriteConditions; fullObjectChecksum?: string | null }) {
      const u = requireUpload(input.uploadId, input.bucket, input.key)
      validateWriteConditions(input.conditions ?? {})
      if (input.parts.length === 0) throw new AppError('MalformedXML', { message: 'You must specify at least one part.' })
      if (input.parts.length > MAX_PARTS) throw new AppError('MalformedXML', { message: `You can specify at most ${MAX_PARTS} parts.` })
      const stored = new Map(repos.multipart.allParts(u.id).map((p) => [p.partNumber, p]))
      const chosen: UploadPartRow[] = []
      let prev = 0
      for (const p of input.parts) {
        if (p.partNumber <= prev) throw new AppError('InvalidPartOrder')
        prev = p.partNumber
        const s = stored.get(p.partNumber)
        const etag = p.etag.trim().replace(/^"|"$/g, '')
        if (!s || s.etag !== etag) throw new AppError('InvalidPart', { fields: { PartNumber: p.partNumber, ETag: p.etag } })
        if (p.checksum !== null && s.checksumJson && (JSON.parse(s.checksumJson) as { value: string }).value !== p.checksum) {
          throw new AppError('InvalidPart', { message: `The checksum of part ${p.partNumber} does not match the uploaded part.`, fields: { PartNumber: p.partNumber } })
        }
        chosen.push(s)
      }
      chosen.forEach((p, i) => {
        if (i < chosen.length - 1 && p.size < d.config.minPartSize) {
          throw new AppError('EntityTooSmall', { fields: { ProposedSize: p.size, MinSizeAllowed: d.config.minPartSize, PartNumber: p.partNumber, ETag: `"${p.etag}"` } })
        }
      })
      const md5 = createHash('md5')
      for (const p of chosen) md5.update(Buffer.from(p.etag, 'hex'))
      const etag = `${md5.digest('hex')}-${chosen.length}`
      const checksum = await finalChecksum(u, chosen, input.fullObjectChecksum ?? null)
      const size = chosen.reduce((n, p) => n + p.size, 0)
      const meta: ObjectMeta = { contentType: u.contentType, headers: JSON.parse(u.headersJson), userMeta: JSON.parse(u.userMetaJson) }
      // Conditions that already fail need no copy of the bytes (they are checked again at commit).
      const conditional = !!input.conditions && (input.conditions.ifMatch != null || input.conditions.ifNoneMatch != null)
      const conditions: WriteConditions | undefined = conditional ? { ...input.conditions, since: u.initiatedAt } : input.conditions
      if (conditional) {
        const head = repos.objects.byKey(input.bucket.id, input.key)
        const current = head?.currentVersionId ? repos.objects.version(head.currentVersionId) : null
        checkWriteConditions(current, conditions!, { key: input.key, changedSince: keyChangedSince(d, head, u.initiatedAt) })
        conditions!.observedHeadId = current?.id ?? null
      }
      const whole = await ingest(d, partsContent(d, chosen), { size })
      try {
        return d.db.tx(() => {
          const bucket = repos.buckets.byId(input.bucket.id)
          if (!bucket) throw new AppError('NoSuchBucket')
          if (!repos.multipart.get(u.id)) throw new AppError('NoSuchUpload', { fields: { UploadId: u.id } })
          // A part re-uploaded while we copied: the bytes we have are no longer the listed part.
          for (const p of chosen) {
            if (repos.multipart.part(u.id, p.partNumber)?.blobId !== p.blobId) throw new AppError('InvalidPart', { message: `Part ${p.partNumber} was replaced while the upload was being completed.`, fields: { PartNumber: p.partNumber } })
          }
          const result = commitVersion(d, {
            bucketId: bucket.id, key: input.key, meta, conditions, accountedBytes: size,
            content: {
              kind: 'blob', blobId: whole.blobId, size, etag, sha256: whole.digests.sha256Hex, checksum, fresh: true,
              parts: chosen.map((p) => ({ partNumber: p.partNumber, size: p.size, etag: p.etag, checksum: p.checksumJson ? (JSON.parse(p.checksumJson) as { value: string }).value : null })),
            },
          })
          // Every part blob goes with the upload; parts not listed also leave the usage.
          const delta = new UsageDelta(bucket)
          const now = d.now()
          const listed = new Set(chosen.map((p) => p.partNumber))
          for (const p of repos.multipart.allParts(u.id)) {
            delta.stored += repos.blobs.release(p.blobId, now)
            if (!listed.has(p.partNumber)) delta.logical -= p.size
          }
          repos.multipart.delete(u.id)
          delta.apply(d)
          return { ...result, checksum }
        })
      } catch (e) {
        discardBlob(d, whole.blobId)
        throw e
      }
    },

    abort(bucket: BucketRow, key: string, uploadId: string) {
      d.db.tx(() => {
        const u = requireUpload(uploadId, bucket, key)
        const delta = new UsageDelta(bucket)
        dropUpload(d, u, delta)
        delta.apply(d)
      }, { freesSpace: true })
    },

    parts: (uploadId: string, after: number, limit: number) => repos.multipart.parts(uploadId, after, limit),
    list: (bucketId: string, q: Parameters<typeof listMultipartUploads>[2]) => listMultipartUploads(d, bucketId, q),
  }
}
export type MultipartService = ReturnType<typeof multipartService>
