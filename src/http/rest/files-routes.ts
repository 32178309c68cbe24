import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import { DEFAULT_CONTENT_TYPE } from '../../domain/object-meta'
import { evaluateReadConditions } from '../../domain/conditions'
import { parseRange } from '../../domain/range'
import type { ApiPlugin } from '../api/route'
import { Binary, FileInfo, int, iso, nullable, obj, opt, pageQuery, query, Success } from '../api/schemas'
import { cursorPosition, nextCursor } from '../api/version-routes'
import { stageUpload } from './staged-upload'

const isoOf = (ms: number) => new Date(ms).toISOString()

const FileMeta = obj({
  id: t.String(), key: t.String(), bucket: t.String(), size: int(), contentType: t.String(), etag: t.String(), createdAt: iso(), updatedAt: iso(),
  versionId: t.String(), versionNumber: int(), metadata: t.Record(t.String(), t.String()),
})
const bucket = opt(t.String({ description: "The bucket; omitted or 'default': the account's default bucket" }))
const fileId = t.Object({ id: t.String({ description: 'The file id (from the upload or the listing)' }) })
const tags = ['REST files']

/** The simple REST file API (API key auth only; cookies never work here). */
export function filesRoutes(ctx: SurfaceContext, api: ApiPlugin) {
  return new Elysia().use(api)
    // Streams the body (form file or raw) to a staged blob, then commits it as bucket/key.
    .post('/api/v1/files', async ({ call, status }) => {
      const up = await stageUpload(call)
      try {
        const b = up.bucket()
        const r = ctx.services.objects.commitStaged(up.staged, { bucket: b, key: up.key, meta: { contentType: up.contentType, headers: {}, userMeta: {} } })
        return status(201, { id: r.object.id, key: r.object.key, bucket: b.name, size: r.version.size, contentType: up.contentType, createdAt: isoOf(r.version.createdAt) })
      } catch (e) {
        ctx.services.objects.discardStaged(up.staged)
        throw e
      }
    }, {
      api: { surface: 'rest', operation: 'UploadFile', auth: 'apiKey', upload: true },
      // The body streams to disk as it arrives (form or raw); Elysia never reads it.
      parse: 'none',
      query: query({ bucket, key: opt(t.String({ description: 'The key (default: the file name); or a form field' })) }),
      response: { 201: FileInfo },
      detail: { summary: 'Upload a file: multipart form (file, bucket, key) or a raw body (?bucket=&key= or X-File-Name)', tags },
    })
    .get('/api/v1/files', ({ call, query }) => {
      const b = ctx.services.files.bucket(call.who().accountId, query.bucket)
      const r = ctx.services.objects.list(b.id, { prefix: query.prefix ?? '', delimiter: '', after: cursorPosition(query.cursor), maxKeys: query.limit ?? 100 })
      return {
        files: r.contents.map((e) => ({ id: e.id, key: e.key, size: e.size, contentType: e.contentType, updatedAt: isoOf(e.lastModified) })),
        hasMore: r.isTruncated,
        nextCursor: nextCursor({ hasMore: r.isTruncated, last: r.last }),
      }
    }, {
      api: { surface: 'rest', operation: 'ListFiles', auth: 'apiKey' },
      query: query({ bucket, ...pageQuery }),
      response: {
        200: obj({
          files: t.Array(obj({ id: t.String(), key: t.String(), size: int(), contentType: t.String(), updatedAt: iso() })),
          hasMore: t.Boolean(), nextCursor: nullable(t.String()),
        }),
      },
      detail: { summary: 'List files', tags },
    })
    // Download with Range, ETag/304, attachment disposition and no sniffing (no stored XSS).
    .get('/api/v1/files/:id', ({ call, params, query, request }) => {
      const f = ctx.services.files.byId(params.id, call.who().accountId)
      const v = f.version
      if (query.meta === 'true') {
        return {
          id: f.object.id, key: f.object.key, bucket: f.bucket.name, size: v.size, contentType: v.contentType, etag: `"${v.etag}"`,
          createdAt: isoOf(f.object.createdAt), updatedAt: isoOf(v.createdAt), versionId: v.id, versionNumber: v.versionNumber,
          metadata: JSON.parse(v.userMetaJson) as Record<string, string>,
        }
      }
      const headers = new Headers({
        'content-type': v.contentType || DEFAULT_CONTENT_TYPE, etag: `"${v.etag}"`, 'last-modified': new Date(v.createdAt).toUTCString(),
        'accept-ranges': 'bytes', 'x-content-type-options': 'nosniff', 'content-security-policy': 'sandbox',
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(f.object.key.split('/').pop() || 'download')}`,
      })
      const outcome = evaluateReadConditions(request.headers, v.etag, v.createdAt)
      if (outcome === 'not-modified') return new Response(null, { status: 304, headers: { etag: `"${v.etag}"` } })
      if (outcome === 'precondition-failed') throw new AppError('PreconditionFailed')
      const rangeHeader = request.headers.get('range')
      const range = rangeHeader ? parseRange(rangeHeader, v.size) : null
      if (range) headers.set('content-range', `bytes ${range.start}-${range.end}/${v.size}`)
      headers.set('content-length', String(range ? range.end - range.start + 1 : v.size))
      const download: Promise<Response> = ctx.services.objects.openContent(v, range ?? undefined).then((content) => new Response(content, { status: range ? 206 : 200, headers }))
      return download
    }, {
      api: { surface: 'rest', operation: 'GetFile', auth: 'apiKey' },
      params: fileId,
      query: query({ meta: opt(t.String({ description: "'true': the file's metadata as JSON instead of its bytes" })) }),
      response: { 200: t.Union([Binary, FileMeta]), 206: Binary, 304: t.Null({ description: 'Not modified (If-None-Match, If-Modified-Since)' }) },
      detail: { summary: 'Download a file (Range, ETag/304); ?meta=true for its metadata as JSON', tags },
    })
    .delete('/api/v1/files/:id', ({ call, params }) => {
      const f = ctx.services.files.byId(params.id, call.who().accountId)
      ctx.services.objects.delete(f.bucket.id, f.object.key, null)
      return { success: true }
    }, {
      api: { surface: 'rest', operation: 'DeleteFile', auth: 'apiKey' },
      params: fileId,
      response: { 200: Success },
      detail: { summary: 'Delete a file', tags },
    })
}
