import { AppError } from '../../errors/app-error'
import { DEFAULT_CONTENT_TYPE, HEADER_FIELDS, MAX_USER_META_BYTES, userMetaSize, type ObjectMeta, type StoredChecksum, type StoredHeaders } from '../../domain/object-meta'
import { CHECKSUMS, type ChecksumAlgorithm } from '../../domain/checksums'
import type { VersionRow } from '../../services/rows'
import { s3VersionId } from '../../services/objects/read'

/** Content-Type, standard headers and x-amz-meta-* from a write request. */
export function metaFromHeaders(h: Headers, contentEncoding: string | null): ObjectMeta {
  const headers: StoredHeaders = {}
  for (const [field, name] of HEADER_FIELDS) {
    const v = name === 'content-encoding' ? contentEncoding : h.get(name)
    if (v) headers[field] = v
  }
  const userMeta: Record<string, string> = {}
  for (const [name, value] of h) {
    if (name.startsWith('x-amz-meta-')) userMeta[name.slice(11)] = value
  }
  if (userMetaSize(userMeta) > MAX_USER_META_BYTES) {
    throw new AppError('MetadataTooLarge', { fields: { MaxSizeAllowed: MAX_USER_META_BYTES, Size: userMetaSize(userMeta) } })
  }
  return { contentType: h.get('content-type') || DEFAULT_CONTENT_TYPE, headers, userMeta }
}

export const quoteEtag = (etag: string) => `"${etag}"`

/**
 * x-amz-version-id of a write (PutObject, CopyObject, CompleteMultipartUpload): the new
 * version's id when versioning was Enabled, nothing when it wrote the "null" version (a
 * never-versioned or a Suspended bucket). AWS's PutObject reference shows no version id for a
 * versioning-suspended bucket; clients treat "null" there as an id of their own.
 */
export const writtenVersionId = (v: VersionRow): string | null => (v.s3Null ? null : v.id)

export const httpDate = (ms: number) => new Date(ms).toUTCString()

const OVERRIDES: Array<[string, string]> = [
  ['response-content-type', 'content-type'],
  ['response-content-language', 'content-language'],
  ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-encoding', 'content-encoding'],
]

export function storedChecksum(v: VersionRow): StoredChecksum | null {
  return v.checksumJson ? (JSON.parse(v.checksumJson) as StoredChecksum) : null
}

/** Response headers of a GET/HEAD for a version (checksums only when asked and not ranged). */
export function objectHeaders(v: VersionRow, opts: { versioned: boolean; query?: Map<string, string>; checksumMode?: boolean; partial?: boolean }): Headers {
  const h = new Headers()
  h.set('content-type', v.contentType || DEFAULT_CONTENT_TYPE)
  h.set('etag', quoteEtag(v.etag))
  h.set('last-modified', httpDate(v.createdAt))
  h.set('accept-ranges', 'bytes')
  const stored = JSON.parse(v.headersJson) as StoredHeaders
  for (const [field, name] of HEADER_FIELDS) if (stored[field]) h.set(name, stored[field]!)
  for (const [k, val] of Object.entries(JSON.parse(v.userMetaJson) as Record<string, string>)) h.set(`x-amz-meta-${k}`, val)
  if (opts.versioned) h.set('x-amz-version-id', s3VersionId(v))
  const cs = storedChecksum(v)
  if (opts.checksumMode && cs && !opts.partial) {
    h.set(CHECKSUMS[cs.algorithm as ChecksumAlgorithm].header, cs.value)
    h.set('x-amz-checksum-type', cs.type)
  }
  if (opts.query) for (const [param, name] of OVERRIDES) {
    const val = opts.query.get(param)
    if (val !== undefined) h.set(name, val)
  }
  return h
}
