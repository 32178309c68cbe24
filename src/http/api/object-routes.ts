import { publicS3Url } from '../common/public-urls'
import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import type { StoredChecksum, StoredHeaders } from '../../domain/object-meta'
import { MAX_PRESIGN_SECONDS } from '../../auth/sigv4'
import { PRESIGN_OPERATIONS } from '../../services/keys/presign'
import { MAX_PARTS, PRESIGN_BATCH_MAX } from '../../domain/upload-limits'
import type { ApiCall, ApiPlugin } from './route'
import { cursorPosition, keyParam, nextCursor } from './version-routes'
import { int, iso, nullable, obj, opt, pageQuery, query, Success } from './schemas'

const isoOf = (ms: number) => new Date(ms).toISOString()
const name = t.Object({ name: t.String({ description: 'The bucket name' }) })
const KEY_REQUIRED = "The query parameter 'key' is required."
/** Declared for the documentation and the required check; the value is read by requiredKey. */
const keyQuery = t.String({ minLength: 1, description: 'The object key', error: KEY_REQUIRED })

/** ?key=, read strictly as the versions API reads it (broken percent-encoding is a 400, not a key). */
function requiredKey(call: ApiCall): string {
  const key = keyParam(call)
  if (key === null) throw new AppError('ValidationError', { message: KEY_REQUIRED })
  return key
}

const ListedObject = obj({ id: t.String(), key: t.String(), size: int(), etag: t.String({ description: 'Quoted, as S3 sends it' }), contentType: t.String(), lastModified: iso() })

const ObjectDetails = obj({
  id: t.String(), bucket: t.String(), key: t.String(), size: int(), etag: t.String(), contentType: t.String(), lastModified: iso(),
  versionId: t.String({ description: 'The Time Machine version id (restore, compare, download with /api/versions)' }),
  versionNumber: int(),
  versions: int({ description: 'Versions kept of this key (delete markers not counted)' }),
  checksum: nullable(obj({ algorithm: t.String(), type: t.String(), value: t.String() })),
  metadata: t.Record(t.String(), t.String(), { description: 'x-amz-meta-* values by name' }),
  headers: obj({
    contentEncoding: opt(t.String()), contentDisposition: opt(t.String()), contentLanguage: opt(t.String()), cacheControl: opt(t.String()), expires: opt(t.String()),
  }, 'Standard headers stored with the object'),
})

const operation = t.Union([
  t.Literal('GetObject'), t.Literal('PutObject'), t.Literal('CreateMultipartUpload'), t.Literal('UploadPart'), t.Literal('CompleteMultipartUpload'), t.Literal('AbortMultipartUpload'),
], { error: `operation must be one of ${PRESIGN_OPERATIONS.join(', ')}.` })

/** One presign request: POST /api/presign's body and each item of POST /api/presign/batch. */
const PresignRequest = obj({
  bucket: t.String(), key: t.String(), operation,
  uploadId: opt(t.String({ description: 'UploadPart, CompleteMultipartUpload, AbortMultipartUpload' })),
  partNumber: opt(int({ minimum: 1, maximum: MAX_PARTS, description: 'UploadPart', error: `partNumber must be an integer from 1 to ${MAX_PARTS}.` })),
  contentType: opt(t.String({ description: 'PutObject, CreateMultipartUpload: signed, so it must be sent as given' })),
  versionId: opt(t.String({ description: 'GetObject: an S3 version id' })),
  expiresIn: opt(int({ minimum: 1, maximum: MAX_PRESIGN_SECONDS, default: 3600, description: 'Seconds (at most 7 days)', error: `expiresIn must be an integer from 1 to ${MAX_PRESIGN_SECONDS} (seconds).` })),
})

const Presigned = obj({
  url: t.String({ description: 'On the S3 port' }), method: t.Union([t.Literal('GET'), t.Literal('PUT'), t.Literal('POST'), t.Literal('DELETE')]),
  headers: t.Record(t.String(), t.String(), { description: 'Send these exactly: they are signed' }), expiresAt: iso(),
})

const tags = ['Objects']

/** Browsing a bucket like a file manager, one object's details, delete, and presigned S3 URLs. */
export function objectRoutes(ctx: SurfaceContext, api: ApiPlugin) {
  return new Elysia().use(api)
    .get('/api/buckets/:name/objects', ({ call, params, query }) => {
      const b = ctx.services.access.ownBucket(call.who().accountId, params.name)
      const prefix = query.prefix ?? ''
      const delimiter = query.delimiter ?? ''
      const r = ctx.services.objects.list(b.id, { prefix, delimiter, after: cursorPosition(query.cursor), maxKeys: query.limit ?? 200 })
      return {
        bucket: b.name, prefix, delimiter,
        objects: r.contents.map((e) => ({ id: e.id, key: e.key, size: e.size, etag: `"${e.etag}"`, contentType: e.contentType, lastModified: isoOf(e.lastModified) })),
        prefixes: r.commonPrefixes,
        nextCursor: nextCursor({ hasMore: r.isTruncated, last: r.last }),
      }
    }, {
      api: { surface: 'dashboard', operation: 'ListObjects', auth: 'dashboard' },
      params: name,
      query: query({
        ...pageQuery,
        delimiter: opt(t.String({ description: "Roll keys up to common prefixes at this string ('/' for folders); none by default" })),
        // A file manager's page is longer than the other listings' (default 100).
        limit: opt(t.Integer({ minimum: 1, maximum: 1000, default: 200, error: 'limit must be an integer from 1 to 1000.' })),
      }),
      response: {
        200: obj({
          bucket: t.String(), prefix: t.String(), delimiter: t.String(),
          objects: t.Array(ListedObject), prefixes: t.Array(t.String(), { description: 'Common prefixes (folders), with the delimiter' }),
          nextCursor: nullable(t.String({ description: 'null on the last page' })),
        }),
      },
      detail: { summary: 'List objects and folders (prefix + delimiter), a page at a time', tags },
    })
    .get('/api/buckets/:name/object', ({ call, params, query }) => {
      const accountId = call.who().accountId
      const b = ctx.services.access.ownBucket(accountId, params.name)
      const key = requiredKey(call)
      let object, version
      if (query.versionId) {
        const owned = ctx.services.versions.owned(query.versionId, accountId)
        if (owned.bucket.id !== b.id || owned.object.key !== key) throw new AppError('NoSuchVersion', { message: `No version '${query.versionId}' of '${key}'.` })
        ;({ object, version } = owned)
      } else {
        ;({ object, version } = ctx.services.objects.resolveVersion(b, key, null))
      }
      const checksum = version.checksumJson ? (JSON.parse(version.checksumJson) as StoredChecksum) : null
      return {
        id: object.id, bucket: b.name, key, size: version.size, etag: `"${version.etag}"`, contentType: version.contentType, lastModified: isoOf(version.createdAt),
        versionId: version.id, versionNumber: version.versionNumber, versions: ctx.services.versions.history(b, key).length,
        checksum: checksum ? { algorithm: checksum.algorithm, type: checksum.type, value: checksum.value } : null,
        metadata: JSON.parse(version.userMetaJson) as Record<string, string>,
        headers: JSON.parse(version.headersJson) as StoredHeaders,
      }
    }, {
      api: { surface: 'dashboard', operation: 'GetObjectDetails', auth: 'dashboard' },
      params: name,
      query: query({ key: keyQuery, versionId: opt(t.String({ description: 'A Time Machine version id; the current version by default' })) }),
      response: { 200: ObjectDetails },
      detail: { summary: 'One object: size, type, ETag, checksum, versions kept, metadata', tags },
    })
    .delete('/api/buckets/:name/object', ({ call, params }) => {
      const b = ctx.services.access.ownBucket(call.who().accountId, params.name)
      ctx.services.objects.delete(b.id, requiredKey(call), null)
      return { success: true }
    }, {
      api: { surface: 'dashboard', operation: 'DeleteObject', auth: 'dashboard' },
      params: name,
      query: query({ key: keyQuery }),
      response: { 200: Success },
      detail: { summary: 'Delete an object as S3 DeleteObject does (Time Machine keeps its history)', tags },
    })
    .post('/api/presign', ({ call, body, request }) => {
      const p = call.who()
      return ctx.services.presign.presign({ accountId: p.accountId, accessKeyId: p.accessKeyId ?? null }, body, publicS3Url(ctx, request))
    }, {
      api: { surface: 'dashboard', operation: 'Presign', auth: 'dashboard', json: true },
      body: PresignRequest,
      response: { 200: Presigned },
      detail: { summary: "A presigned S3 URL for one operation, signed with a key of the caller's account", tags },
    })
    .post('/api/presign/batch', async ({ call, body, request }) => {
      const p = call.who()
      return { results: await ctx.services.presign.presignMany({ accountId: p.accountId, accessKeyId: p.accessKeyId ?? null }, body.requests, publicS3Url(ctx, request)) }
    }, {
      // 100 requests with keys of up to 1 KiB each need more than the default 64 KiB.
      api: { surface: 'dashboard', operation: 'PresignBatch', auth: 'dashboard', json: { max: 256 * 1024 } },
      body: obj({
        requests: t.Array(PresignRequest, { minItems: 1, maxItems: PRESIGN_BATCH_MAX, error: `requests must list 1 to ${PRESIGN_BATCH_MAX} presign requests.` }),
      }),
      response: { 200: obj({ results: t.Array(Presigned, { description: 'In the order of requests' }) }) },
      detail: {
        summary: `Up to ${PRESIGN_BATCH_MAX} presigned S3 URLs in one call (one request of the dashboard's budget): all are checked as POST /api/presign checks one, and the first that fails fails the call`,
        tags,
      },
    })
}
