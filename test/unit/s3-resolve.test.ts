/**
 * The S3 resolver as a table: method × path × query (× Host, x-amz-copy-source) → the operation
 * and exactly the fields its target has (ListBuckets no bucket, bucket operations a bucket,
 * object operations a bucket and a key, Unsupported what its scope checks). Every operation of
 * the handler table has a row.
 */
import { describe, expect, test } from 'bun:test'
import { resolveS3, type S3Target } from '../../src/http/s3/resolve'
import { OPERATIONS } from '../../src/http/s3/operations'
import { AppError } from '../../src/errors/app-error'

const DOMAIN = 's3.example.com'

interface Input {
  method: string
  /** Path and query exactly as sent. */
  url: string
  host?: string
  /** The virtual-hosting domain (--domain); none: path style only. */
  domain?: string
  copySource?: boolean
}

function resolve(i: Input): S3Target {
  const headers = new Headers()
  if (i.host) headers.set('host', i.host)
  if (i.copySource) headers.set('x-amz-copy-source', '/src/key')
  return resolveS3(i.method, 'http://127.0.0.1:9000' + i.url, headers, i.domain ?? null)
}

/** The target without the fields every operation has (checked on their own below). */
function fieldsOf(t: S3Target): Record<string, unknown> {
  const { decodedPath: _p, query: _q, queryPairs: _qp, ...rest } = t
  return rest
}

const b = (op: string) => ({ op, bucket: 'b' })
const o = (op: string, key = 'k') => ({ op, bucket: 'b', key })

const TABLE: Array<[Input, Record<string, unknown>]> = [
  // The service
  [{ method: 'GET', url: '/' }, { op: 'ListBuckets' }],
  [{ method: 'GET', url: '/?prefix=x' }, { op: 'ListBuckets' }],
  [{ method: 'GET', url: '//k' }, { op: 'ListBuckets' }], // an empty bucket name is no bucket
  [{ method: 'PUT', url: '/' }, { op: 'Unsupported', detail: 'PUT /', scope: 'none', bucket: null }],
  [{ method: 'DELETE', url: '/' }, { op: 'Unsupported', detail: 'DELETE /', scope: 'none', bucket: null }],

  // Buckets
  [{ method: 'GET', url: '/b' }, b('ListObjects')],
  [{ method: 'GET', url: '/b/' }, b('ListObjects')],
  [{ method: 'GET', url: '/b?list-type=1' }, b('ListObjects')],
  [{ method: 'GET', url: '/b?list-type=2&prefix=a' }, b('ListObjectsV2')],
  [{ method: 'GET', url: '/b?versions' }, b('ListObjectVersions')],
  [{ method: 'GET', url: '/b?uploads' }, b('ListMultipartUploads')],
  [{ method: 'GET', url: '/b?location' }, b('GetBucketLocation')],
  [{ method: 'GET', url: '/b?versioning' }, b('GetBucketVersioning')],
  [{ method: 'GET', url: '/b?cors' }, b('GetBucketCors')],
  [{ method: 'HEAD', url: '/b' }, b('HeadBucket')],
  [{ method: 'PUT', url: '/b' }, b('CreateBucket')],
  [{ method: 'PUT', url: '/b?versioning' }, b('PutBucketVersioning')],
  [{ method: 'PUT', url: '/b?cors' }, b('PutBucketCors')],
  [{ method: 'DELETE', url: '/b' }, b('DeleteBucket')],
  [{ method: 'DELETE', url: '/b?cors' }, b('DeleteBucketCors')],
  [{ method: 'POST', url: '/b?delete' }, b('DeleteObjects')],
  // Subresources we do not serve: 501 once the bucket is found and is the caller's.
  [{ method: 'GET', url: '/b?acl' }, { op: 'Unsupported', detail: 'acl', scope: 'bucket', bucket: 'b' }],
  [{ method: 'PUT', url: '/b?tagging' }, { op: 'Unsupported', detail: 'tagging', scope: 'bucket', bucket: 'b' }],
  [{ method: 'DELETE', url: '/b?policy' }, { op: 'Unsupported', detail: 'policy', scope: 'bucket', bucket: 'b' }],
  [{ method: 'GET', url: '/b?uploads&lifecycle' }, { op: 'Unsupported', detail: 'lifecycle', scope: 'bucket', bucket: 'b' }],
  [{ method: 'GET', url: '/b?location&acl' }, b('GetBucketLocation')],
  // A browser form upload: only the bucket is looked up.
  [{ method: 'POST', url: '/b' }, { op: 'Unsupported', detail: 'POST object upload', scope: 'bucket-exists', bucket: 'b' }],
  [{ method: 'PATCH', url: '/b' }, { op: 'Unsupported', detail: 'PATCH', scope: 'none', bucket: 'b' }],

  // Objects
  [{ method: 'GET', url: '/b/k' }, o('GetObject')],
  [{ method: 'GET', url: '/b/dir/a%20b' }, o('GetObject', 'dir/a b')],
  [{ method: 'GET', url: '/b//k' }, o('GetObject', '/k')],
  [{ method: 'GET', url: '/b/a%2Fb' }, o('GetObject', 'a/b')],
  [{ method: 'GET', url: '/b/k?versionId=v1' }, o('GetObject')],
  [{ method: 'HEAD', url: '/b/k' }, o('HeadObject')],
  [{ method: 'GET', url: '/b/k?attributes' }, o('GetObjectAttributes')],
  [{ method: 'GET', url: '/b/k?uploadId=u' }, o('ListParts')],
  [{ method: 'PUT', url: '/b/k' }, o('PutObject')],
  [{ method: 'PUT', url: '/b/k', copySource: true }, o('CopyObject')],
  [{ method: 'PUT', url: '/b/k?partNumber=1&uploadId=u' }, o('UploadPart')],
  [{ method: 'PUT', url: '/b/k?partNumber=1' }, o('UploadPart')],
  [{ method: 'PUT', url: '/b/k?partNumber=1&uploadId=u', copySource: true }, o('UploadPartCopy')],
  [{ method: 'POST', url: '/b/k?uploads' }, o('CreateMultipartUpload')],
  [{ method: 'POST', url: '/b/k?uploadId=u' }, o('CompleteMultipartUpload')],
  [{ method: 'DELETE', url: '/b/k' }, o('DeleteObject')],
  [{ method: 'DELETE', url: '/b/k?uploadId=u' }, o('AbortMultipartUpload')],
  // Object subresources we do not serve: 501 once the object is found.
  [{ method: 'GET', url: '/b/k?tagging' }, { op: 'Unsupported', detail: 'tagging', scope: 'object', bucket: 'b', key: 'k' }],
  [{ method: 'PUT', url: '/b/k?acl', copySource: true }, { op: 'Unsupported', detail: 'acl', scope: 'object', bucket: 'b', key: 'k' }],
  [{ method: 'POST', url: '/b/k?select&select-type=2' }, { op: 'Unsupported', detail: 'select', scope: 'object', bucket: 'b', key: 'k' }],
  // renameObject names its destination: only the bucket is checked.
  [{ method: 'PUT', url: '/b/k?renameObject' }, { op: 'Unsupported', detail: 'renameObject', scope: 'bucket', bucket: 'b' }],
  [{ method: 'POST', url: '/b/k' }, { op: 'Unsupported', detail: 'POST', scope: 'none', bucket: 'b' }],
  [{ method: 'PATCH', url: '/b/k' }, { op: 'Unsupported', detail: 'PATCH', scope: 'none', bucket: 'b' }],

  // CORS preflights go to any URL.
  [{ method: 'OPTIONS', url: '/' }, { op: 'PreflightCors', bucket: null, key: null }],
  [{ method: 'OPTIONS', url: '/b' }, { op: 'PreflightCors', bucket: 'b', key: null }],
  [{ method: 'OPTIONS', url: '/b/k?uploads' }, { op: 'PreflightCors', bucket: 'b', key: 'k' }],

  // Virtual-hosted style: the bucket comes from the Host, the whole path is the key.
  [{ method: 'GET', url: '/', host: 'b.s3.example.com', domain: DOMAIN }, b('ListObjects')],
  [{ method: 'GET', url: '/?versions', host: 'b.s3.example.com:9000', domain: DOMAIN }, b('ListObjectVersions')],
  [{ method: 'PUT', url: '/', host: 'B.S3.EXAMPLE.COM', domain: DOMAIN }, b('CreateBucket')],
  [{ method: 'GET', url: '/dir/k', host: 'b.s3.example.com', domain: DOMAIN }, o('GetObject', 'dir/k')],
  [{ method: 'GET', url: '//k', host: 'b.s3.example.com', domain: DOMAIN }, o('GetObject', '/k')],
  [{ method: 'GET', url: '/k', host: 'my.b.s3.example.com', domain: DOMAIN }, { op: 'GetObject', bucket: 'my.b', key: 'k' }],
  [{ method: 'OPTIONS', url: '/k', host: 'b.s3.example.com', domain: DOMAIN }, { op: 'PreflightCors', bucket: 'b', key: 'k' }],
  // The domain itself, another host, or no domain configured: path style.
  [{ method: 'GET', url: '/', host: 's3.example.com', domain: DOMAIN }, { op: 'ListBuckets' }],
  [{ method: 'GET', url: '/b/k', host: 's3.example.com:9000', domain: DOMAIN }, o('GetObject')],
  [{ method: 'GET', url: '/b/k', host: 'x.other.com', domain: DOMAIN }, o('GetObject')],
  [{ method: 'GET', url: '/b/k', host: 'z.s3.example.com' }, o('GetObject')],
]

describe('resolveS3: method × path × query → operation and target fields', () => {
  for (const [input, expected] of TABLE) {
    const name = `${input.method} ${input.url}${input.host ? ` (Host ${input.host})` : ''}${input.copySource ? ' + x-amz-copy-source' : ''} → ${expected.op}`
    test(name, () => {
      expect(fieldsOf(resolve(input))).toStrictEqual(expected)
    })
  }

  test('the table has a row for every operation the handler table serves, and every Unsupported scope', () => {
    const ops = new Set(TABLE.map(([, e]) => e.op))
    expect(Object.keys(OPERATIONS).filter((op) => !ops.has(op))).toEqual([])
    const scopes = new Set(TABLE.filter(([, e]) => e.op === 'Unsupported').map(([, e]) => e.scope))
    expect([...scopes].sort()).toEqual(['bucket', 'bucket-exists', 'none', 'object'])
  })
})

describe('resolveS3: the fields every target has', () => {
  test('decodedPath is the percent-decoded path as sent; query keeps the first value, queryPairs all of them in order', () => {
    const t = resolve({ method: 'GET', url: '/b/dir//a%20b%2Bc?list-type=2&prefix=x%2Fy&prefix=second&flag' })
    expect(t.decodedPath).toBe('/b/dir//a b+c')
    expect([...t.query]).toEqual([['list-type', '2'], ['prefix', 'x/y'], ['flag', '']])
    expect(t.queryPairs).toEqual([['list-type', '2'], ['prefix', 'x/y'], ['prefix', 'second'], ['flag', '']])
  })

  test('virtual-hosted requests keep the path as sent for signing', () => {
    const t = resolve({ method: 'GET', url: '/dir/k%20x', host: 'b.s3.example.com', domain: DOMAIN })
    expect(t.decodedPath).toBe('/dir/k x')
    expect(fieldsOf(t)).toStrictEqual({ op: 'GetObject', bucket: 'b', key: 'dir/k x' })
  })
})

describe('resolveS3: requests that name nothing valid', () => {
  const codeOf = (i: Input) => {
    try {
      resolve(i)
    } catch (e) {
      expect(e).toBeInstanceOf(AppError)
      return (e as AppError).code
    }
    return 'resolved'
  }

  test('a path that is not valid percent-encoding is InvalidURI', () => {
    expect(codeOf({ method: 'GET', url: '/b/%ZZ' })).toBe('InvalidURI')
  })

  test('a query that is not valid percent-encoding is InvalidArgument', () => {
    expect(codeOf({ method: 'GET', url: '/b?prefix=%ZZ' })).toBe('InvalidArgument')
  })

  test('an object key over 1024 bytes is KeyTooLongError, for every method', () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS']) expect(codeOf({ method, url: '/b/' + 'x'.repeat(1025) })).toBe('KeyTooLongError')
    expect(codeOf({ method: 'GET', url: '/b/' + 'x'.repeat(1024) })).toBe('resolved')
  })
})
