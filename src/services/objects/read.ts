import { AppError } from '../../errors/app-error'
import type { ByteRange } from '../../blob/blob-store'
import type { BucketRow } from '../../db/repos/buckets'
import type { ObjectRow, VersionRow } from '../../db/repos/objects'
import type { Deps } from '../deps'
import { ReadCache } from '../../db/read-cache'

const headCaches = new WeakMap<Deps, ReadCache<{ object: ObjectRow; version: VersionRow | null } | null>>()
/** Current-version lookups of GET/HEAD, cached until the next commit (see ReadCache). */
const heads = (d: Deps) => {
  let c = headCaches.get(d)
  if (!c) headCaches.set(d, (c = new ReadCache(d.db)))
  return c
}

/** The S3-facing version id: "null" for null versions. */
export const s3VersionId = (v: VersionRow) => (v.s3Null ? 'null' : v.id)

/**
 * Finds the version a GET/HEAD/COPY addresses: the current one, or the S3 version named by
 * `versionId` ("null" included). Delete markers answer as S3 does: 404 NoSuchKey for the current
 * marker, 405 MethodNotAllowed when addressed by id, both with x-amz-delete-marker: true.
 */
export function resolveVersion(d: Deps, bucket: BucketRow, key: string, versionId: string | null): { object: ObjectRow; version: VersionRow } {
  if (versionId !== null) {
    const object = d.repos.objects.byKey(bucket.id, key)
    if (versionId === '') throw new AppError('InvalidArgument', { message: 'Version id cannot be the empty string.', fields: { ArgumentName: 'versionId' } })
    const v = object ? (versionId === 'null' ? d.repos.objects.nullVersion(object.id) : d.repos.objects.version(versionId)) : null
    if (!object || !v || v.objectId !== object.id || v.s3Hidden) {
      if (versionId !== 'null' && !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(versionId)) throw new AppError('InvalidArgument', { message: 'Invalid version id specified', fields: { ArgumentName: 'versionId', ArgumentValue: versionId } })
      throw new AppError('NoSuchVersion', { fields: { Key: key, VersionId: versionId } })
    }
    if (v.isDeleteMarker) {
      throw new AppError('MethodNotAllowed', { message: 'The specified method is not allowed against this resource.', headers: { 'x-amz-delete-marker': 'true', 'x-amz-version-id': s3VersionId(v), allow: 'DELETE' } })
    }
    return { object, version: v }
  }
  const head = heads(d).get(`${bucket.id}\0${key}`, () => {
    const object = d.repos.objects.byKey(bucket.id, key)
    return object ? { object, version: object.currentVersionId ? d.repos.objects.version(object.currentVersionId) : null } : null
  })
  const v = head?.version ?? null
  if (!head || !v) throw new AppError('NoSuchKey', { fields: { Key: key } })
  if (v.isDeleteMarker) {
    throw new AppError('NoSuchKey', { fields: { Key: key }, headers: { 'x-amz-delete-marker': 'true', ...(bucket.s3Versioning ? { 'x-amz-version-id': s3VersionId(v) } : {}) } })
  }
  return { object: head.object, version: v }
}

/** Concatenates ranged reads of several blobs into one stream, opening each lazily. */
function concatBlobs(d: Deps, pieces: Array<{ blobId: string; range: ByteRange }>): ReadableStream<Uint8Array> {
  let i = 0
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (!reader) {
          if (i >= pieces.length) return controller.close()
          const p = pieces[i++]
          const body = await d.blobs.get(p.blobId, p.range)
          reader = (body instanceof Blob ? body.stream() : body).getReader()
        }
        const { done, value } = await reader.read()
        if (done) { reader = null; continue }
        controller.enqueue(value)
        return
      }
    },
    cancel() {
      void reader?.cancel()
    },
  }, { highWaterMark: 0 })
}

/**
 * Small whole-object reads are checked against the SHA-256 recorded at write time: bit rot fails
 * loudly (500, logged) instead of returning silent garbage. Larger objects are streamed
 * zero-copy and left to `admin scrub` and the clients' own checksums.
 */
export const VERIFY_ON_READ_MAX = 256 * 1024

async function readVerified(d: Deps, blobId: string, sha256: string): Promise<Blob> {
  const bytes = await d.blobs.getBytes(blobId)
  if (new Bun.CryptoHasher('sha256').update(bytes).digest('hex') !== sha256) {
    throw new AppError('InternalError', { cause: new Error(`blob ${blobId} failed its integrity check (stored SHA-256 ${sha256}); run cloudstorage admin scrub`) })
  }
  return new Blob([bytes as Uint8Array<ArrayBuffer>])
}

/** The version's bytes (optionally a range): a lazily read Blob for single blobs, else a stream. */
export async function openContent(d: Deps, v: VersionRow, range?: ByteRange): Promise<Blob | ReadableStream<Uint8Array>> {
  if (v.size === 0) return new Blob([])
  if (v.blobId && !range && v.sha256 && v.size <= VERIFY_ON_READ_MAX) return readVerified(d, v.blobId, v.sha256)
  if (v.blobId) return d.blobs.get(v.blobId, range)
  const start = range?.start ?? 0
  const end = range?.end ?? v.size - 1
  const pieces: Array<{ blobId: string; range: ByteRange }> = []
  for (const p of d.repos.objects.parts(v.id)) {
    const pStart = p.offset
    const pEnd = p.offset + p.size - 1
    if (pEnd < start || pStart > end || p.size === 0) continue
    pieces.push({ blobId: p.blobId, range: { start: Math.max(start, pStart) - pStart, end: Math.min(end, pEnd) - pStart } })
  }
  // Bun.serve drops Content-Length for stream bodies (oven-sh/bun#10507): a read inside one
  // part (GET ?partNumber, part-aligned ranged downloads) is served as that part's blob instead.
  if (pieces.length === 1) return d.blobs.get(pieces[0].blobId, pieces[0].range)
  return concatBlobs(d, pieces)
}

/** Byte range of part N of a multipart version (GET ?partNumber=N). */
export function partRange(d: Deps, v: VersionRow, partNumber: number): ByteRange & { count: number } {
  if (v.partsCount === 0) {
    if (partNumber !== 1) throw new AppError('InvalidPartNumber')
    return { start: 0, end: v.size - 1, count: 1 }
  }
  const p = d.repos.objects.parts(v.id).find((x) => x.partNumber === partNumber)
  if (!p) throw new AppError('InvalidPartNumber')
  return { start: p.offset, end: p.offset + p.size - 1, count: v.partsCount }
}
