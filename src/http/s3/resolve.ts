import { AppError } from '../../errors/app-error'
import { parseRawQuery, percentDecode } from '../../auth/uri-encode'
import { checkS3Key } from '../../domain/object-key'

/** Operations on a bucket as a whole (the path names a bucket and no key). */
export type BucketOperationName =
  | 'CreateBucket' | 'DeleteBucket' | 'HeadBucket' | 'GetBucketLocation'
  | 'GetBucketVersioning' | 'PutBucketVersioning' | 'GetBucketCors' | 'PutBucketCors' | 'DeleteBucketCors'
  | 'ListObjects' | 'ListObjectsV2' | 'ListObjectVersions' | 'ListMultipartUploads' | 'DeleteObjects'

/** Operations on one key of a bucket. */
export type ObjectOperationName =
  | 'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject' | 'CopyObject' | 'GetObjectAttributes'
  | 'CreateMultipartUpload' | 'UploadPart' | 'UploadPartCopy' | 'CompleteMultipartUpload' | 'AbortMultipartUpload' | 'ListParts'

/** Every S3 operation the appliance serves; anything else resolves to Unsupported (501). */
export type S3OperationName = 'ListBuckets' | BucketOperationName | ObjectOperationName | 'PreflightCors' | 'Unsupported'

/**
 * What an Unsupported request is checked for before the answer is 501, as on S3: that the bucket
 * exists (`bucket-exists`), that it exists and is the caller's (`bucket`), or that and that the
 * object exists (`object`); `none`: 501 at once. `detail` names the subresource or method.
 */
type UnsupportedFields = { detail: string } & (
  | { scope: 'none'; bucket: string | null }
  | { scope: 'bucket-exists' | 'bucket'; bucket: string }
  | { scope: 'object'; bucket: string; key: string }
)

/** The addressed resource of each operation: exactly the fields it has, none nullable that cannot be. */
type TargetFields =
  & { ListBuckets: {} }
  & { [K in BucketOperationName]: { bucket: string } }
  & { [K in ObjectOperationName]: { bucket: string; key: string } }
  // A preflight may be sent to any URL; it answers for the bucket and key it names, if any.
  & { PreflightCors: { bucket: string | null; key: string | null } }
  & { Unsupported: UnsupportedFields }

interface TargetCommon {
  /** Decoded path used for the SigV4 canonical URI. */
  decodedPath: string
  query: Map<string, string>
  queryPairs: Array<[string, string]>
}

/**
 * A resolved request: a union discriminated by `op`, so `S3Target<'GetObject'>` has a bucket and
 * a key, `S3Target<'CreateBucket'>` a bucket only and `S3Target<'ListBuckets'>` neither.
 */
export type S3Target<K extends S3OperationName = S3OperationName> = { [P in K]: TargetCommon & { op: P } & TargetFields[P] }[K]


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

/** The bucket and key a request names: virtual-hosted style (bucket in the Host) or path style. */
function addressOf(decodedPath: string, hostBucket: string | null): { bucket: string | null; key: string | null } {
  if (hostBucket !== null) return { bucket: hostBucket, key: decodedPath.length > 1 ? decodedPath.slice(1) : null }
  const path = decodedPath.slice(1)
  const slash = path.indexOf('/')
  return { bucket: (slash < 0 ? path : path.slice(0, slash)) || null, key: slash < 0 ? null : path.slice(slash + 1) || null }
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

  const { bucket, key } = addressOf(decodedPath, bucketFromHost(headers.get('host'), domain))
  if (key !== null) checkKey(key)
  const common: TargetCommon = { decodedPath, query, queryPairs: pairs }
  const has = (q: string) => query.has(q)

  if (method === 'OPTIONS') return { ...common, op: 'PreflightCors', bucket, key }

  if (!bucket) {
    if (method === 'GET') return { ...common, op: 'ListBuckets' }
    return { ...common, op: 'Unsupported', detail: `${method} /`, scope: 'none', bucket }
  }

  if (key === null) {
    const onBucket = (op: BucketOperationName): S3Target => ({ ...common, op, bucket })
    const unsupported = (detail: string, scope: 'none' | 'bucket-exists' | 'bucket'): S3Target => ({ ...common, op: 'Unsupported', detail, scope, bucket })
    const sub = UNSUPPORTED_BUCKET_SUBRESOURCES.find(has)
    switch (method) {
      case 'GET':
        if (has('location')) return onBucket('GetBucketLocation')
        if (has('versioning')) return onBucket('GetBucketVersioning')
        if (has('cors')) return onBucket('GetBucketCors')
        if (sub) return unsupported(sub, 'bucket')
        if (has('uploads')) return onBucket('ListMultipartUploads')
        if (has('versions')) return onBucket('ListObjectVersions')
        if (query.get('list-type') === '2') return onBucket('ListObjectsV2')
        return onBucket('ListObjects')
      case 'HEAD':
        return onBucket('HeadBucket')
      case 'PUT':
        if (has('versioning')) return onBucket('PutBucketVersioning')
        if (has('cors')) return onBucket('PutBucketCors')
        if (sub) return unsupported(sub, 'bucket')
        return onBucket('CreateBucket')
      case 'DELETE':
        if (has('cors')) return onBucket('DeleteBucketCors')
        if (sub) return unsupported(sub, 'bucket')
        return onBucket('DeleteBucket')
      case 'POST':
        if (has('delete')) return onBucket('DeleteObjects')
        // Its credentials are inside the form, which we do not parse: only the bucket is looked up.
        return unsupported('POST object upload', 'bucket-exists')
      default:
        return unsupported(method, 'none')
    }
  }

  const onObject = (op: ObjectOperationName): S3Target => ({ ...common, op, bucket, key })
  const unsupported = (detail: string): S3Target => ({ ...common, op: 'Unsupported', detail, scope: 'none', bucket })
  const sub = UNSUPPORTED_OBJECT_SUBRESOURCES.find(has)
  // renameObject names its destination: there is no object to look for first.
  if (sub === 'renameObject') return { ...common, op: 'Unsupported', detail: sub, scope: 'bucket', bucket }
  if (sub) return { ...common, op: 'Unsupported', detail: sub, scope: 'object', bucket, key }
  const copy = headers.has('x-amz-copy-source')
  switch (method) {
    case 'GET':
      if (has('uploadId')) return onObject('ListParts')
      if (has('attributes')) return onObject('GetObjectAttributes')
      return onObject('GetObject')
    case 'HEAD':
      return onObject('HeadObject')
    case 'PUT':
      if (has('uploadId') || has('partNumber')) return onObject(copy ? 'UploadPartCopy' : 'UploadPart')
      return onObject(copy ? 'CopyObject' : 'PutObject')
    case 'POST':
      if (has('uploads')) return onObject('CreateMultipartUpload')
      if (has('uploadId')) return onObject('CompleteMultipartUpload')
      return unsupported('POST')
    case 'DELETE':
      if (has('uploadId')) return onObject('AbortMultipartUpload')
      return onObject('DeleteObject')
    default:
      return unsupported(method)
  }
}
