import { AppError } from '../../errors/app-error'
import { parseRawQuery, percentDecode } from '../../auth/uri-encode'
import { checkS3Key } from '../../domain/object-key'

/** Every S3 operation the appliance serves; anything else resolves to Unsupported (501). */
export type S3OperationName =
  | 'ListBuckets' | 'CreateBucket' | 'DeleteBucket' | 'HeadBucket' | 'GetBucketLocation'
  | 'GetBucketVersioning' | 'PutBucketVersioning' | 'GetBucketCors' | 'PutBucketCors' | 'DeleteBucketCors'
  | 'ListObjects' | 'ListObjectsV2' | 'ListObjectVersions' | 'ListMultipartUploads' | 'DeleteObjects'
  | 'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject' | 'CopyObject' | 'GetObjectAttributes'
  | 'CreateMultipartUpload' | 'UploadPart' | 'UploadPartCopy' | 'CompleteMultipartUpload' | 'AbortMultipartUpload' | 'ListParts'
  | 'PreflightCors' | 'Unsupported'

export interface S3Target {
  op: S3OperationName
  /** For Unsupported: the subresource or method that is not implemented. */
  detail?: string
  /**
   * For Unsupported requests: what is checked before the answer is 501, as on S3 — that the
   * bucket exists (`bucket-exists`), that it exists and is the caller's (`bucket`), or that and
   * that the object exists (`object`). None: 501 at once.
   */
  scope?: 'bucket-exists' | 'bucket' | 'object'
  bucket: string | null
  key: string | null
  /** Decoded path used for the SigV4 canonical URI. */
  decodedPath: string
  query: Map<string, string>
  queryPairs: Array<[string, string]>
}


/** Bucket subresources we do not implement: answered 501 NotImplemented, never misrouted. */
const UNSUPPORTED_BUCKET_SUBRESOURCES = [
  'acl', 'policy', 'policyStatus', 'tagging', 'lifecycle', 'website', 'logging', 'notification', 'replication',
  'encryption', 'object-lock', 'ownershipControls', 'publicAccessBlock', 'accelerate', 'requestPayment',
  'analytics', 'metrics', 'inventory', 'intelligent-tiering', 'session', 'metadataTable', 'abac',
]
const UNSUPPORTED_OBJECT_SUBRESOURCES = [
  'acl', 'tagging', 'retention', 'legal-hold', 'torrent', 'restore', 'select', 'renameObject',
]

function splitUrl(rawUrl: string): { rawPath: string; rawQuery: string } {
  // request.url is absolute; keep the path exactly as sent (no normalisation of // or %2F).
  const afterScheme = rawUrl.indexOf('://')
  const pathStart = afterScheme >= 0 ? rawUrl.indexOf('/', afterScheme + 3) : 0
  const rest = pathStart < 0 ? '/' : rawUrl.slice(pathStart)
  const q = rest.indexOf('?')
  return q < 0 ? { rawPath: rest, rawQuery: '' } : { rawPath: rest.slice(0, q), rawQuery: rest.slice(q + 1) }
}

/** Bucket name from a virtual-hosted-style Host header (bucket.domain[:port]), if any. */
export function bucketFromHost(host: string | null, domain: string | null): string | null {
  if (!host || !domain) return null
  const h = host.toLowerCase().replace(/:\d+$/, '')
  if (h === domain || !h.endsWith('.' + domain)) return null
  return h.slice(0, -(domain.length + 1))
}

function checkKey(key: string) {
  checkS3Key(key)
}

/** Resolves the raw request (method, raw path, host, query, headers) into one operation. */
export function resolveS3(method: string, rawUrl: string, headers: Headers, domain: string | null): S3Target {
  const { rawPath, rawQuery } = splitUrl(rawUrl)
  const decodedPath = percentDecode(rawPath)
  if (decodedPath === null) throw new AppError('InvalidURI', { message: 'Couldn\'t parse the specified URI.' })
  const pairs = parseRawQuery(rawQuery)
  if (pairs === null) throw new AppError('InvalidArgument', { message: 'The query string is not correctly percent-encoded.' })
  const query = new Map<string, string>()
  for (const [k, v] of pairs) if (!query.has(k)) query.set(k, v)

  let bucket = bucketFromHost(headers.get('host'), domain)
  let key: string | null
  if (bucket !== null) {
    key = decodedPath.length > 1 ? decodedPath.slice(1) : null
  } else {
    const path = decodedPath.slice(1)
    const slash = path.indexOf('/')
    bucket = (slash < 0 ? path : path.slice(0, slash)) || null
    key = slash < 0 ? null : path.slice(slash + 1) || null
  }
  if (key !== null) checkKey(key)
  const base = { bucket, key, decodedPath, query, queryPairs: pairs }
  const has = (q: string) => query.has(q)
  const unsupported = (detail: string, scope?: S3Target['scope']): S3Target => ({ ...base, op: 'Unsupported', detail, scope })

  if (method === 'OPTIONS') return { ...base, op: 'PreflightCors' }

  if (!bucket) {
    if (method === 'GET') return { ...base, op: 'ListBuckets' }
    return unsupported(`${method} /`)
  }

  if (key === null) {
    const sub = UNSUPPORTED_BUCKET_SUBRESOURCES.find(has)
    switch (method) {
      case 'GET':
        if (has('location')) return { ...base, op: 'GetBucketLocation' }
        if (has('versioning')) return { ...base, op: 'GetBucketVersioning' }
        if (has('cors')) return { ...base, op: 'GetBucketCors' }
        if (sub) return unsupported(sub, 'bucket')
        if (has('uploads')) return { ...base, op: 'ListMultipartUploads' }
        if (has('versions')) return { ...base, op: 'ListObjectVersions' }
        if (query.get('list-type') === '2') return { ...base, op: 'ListObjectsV2' }
        return { ...base, op: 'ListObjects' }
      case 'HEAD':
        return { ...base, op: 'HeadBucket' }
      case 'PUT':
        if (has('versioning')) return { ...base, op: 'PutBucketVersioning' }
        if (has('cors')) return { ...base, op: 'PutBucketCors' }
        if (sub) return unsupported(sub, 'bucket')
        return { ...base, op: 'CreateBucket' }
      case 'DELETE':
        if (has('cors')) return { ...base, op: 'DeleteBucketCors' }
        if (sub) return unsupported(sub, 'bucket')
        return { ...base, op: 'DeleteBucket' }
      case 'POST':
        if (has('delete')) return { ...base, op: 'DeleteObjects' }
        // Its credentials are inside the form, which we do not parse: only the bucket is looked up.
        return unsupported('POST object upload', 'bucket-exists')
      default:
        return unsupported(method)
    }
  }

  const sub = UNSUPPORTED_OBJECT_SUBRESOURCES.find(has)
  // renameObject names its destination: there is no object to look for first.
  if (sub) return unsupported(sub, sub === 'renameObject' ? 'bucket' : 'object')
  switch (method) {
    case 'GET':
      if (has('uploadId')) return { ...base, op: 'ListParts' }
      if (has('attributes')) return { ...base, op: 'GetObjectAttributes' }
      return { ...base, op: 'GetObject' }
    case 'HEAD':
      return { ...base, op: 'HeadObject' }
    case 'PUT':
      if (has('uploadId') || has('partNumber')) return { ...base, op: headers.has('x-amz-copy-source') ? 'UploadPartCopy' : 'UploadPart' }
      if (headers.has('x-amz-copy-source')) return { ...base, op: 'CopyObject' }
      return { ...base, op: 'PutObject' }
    case 'POST':
      if (has('uploads')) return { ...base, op: 'CreateMultipartUpload' }
      if (has('uploadId')) return { ...base, op: 'CompleteMultipartUpload' }
      return unsupported('POST')
    case 'DELETE':
      if (has('uploadId')) return { ...base, op: 'AbortMultipartUpload' }
      return { ...base, op: 'DeleteObject' }
    default:
      return unsupported(method)
  }
}
