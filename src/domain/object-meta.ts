/** Standard headers stored with an object and returned on GET/HEAD. */
export interface StoredHeaders {
  contentEncoding?: string
  contentDisposition?: string
  contentLanguage?: string
  cacheControl?: string
  expires?: string
}

export interface ObjectMeta {
  contentType: string
  headers: StoredHeaders
  userMeta: Record<string, string>
}

export const HEADER_FIELDS: Array<[keyof StoredHeaders, string]> = [
  ['contentEncoding', 'content-encoding'],
  ['contentDisposition', 'content-disposition'],
  ['contentLanguage', 'content-language'],
  ['cacheControl', 'cache-control'],
  ['expires', 'expires'],
]

/** S3's limit: user metadata (names + values) up to 2 KB. */
export const MAX_USER_META_BYTES = 2048

export function userMetaSize(meta: Record<string, string>): number {
  let n = 0
  for (const [k, v] of Object.entries(meta)) n += Buffer.byteLength(k) + Buffer.byteLength(v)
  return n
}

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

export interface StoredChecksum {
  algorithm: string
  type: 'FULL_OBJECT' | 'COMPOSITE'
  value: string
}
