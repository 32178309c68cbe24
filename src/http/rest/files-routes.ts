import type { Elysia } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import { DEFAULT_CONTENT_TYPE } from '../../domain/object-meta'
import { evaluateReadConditions } from '../../domain/conditions'
import { parseRange } from '../../domain/range'
import type { ApiCall, ApiRoute } from '../api/route'
import { json } from '../api/route'
import { pathParam } from '../api/validate'
import { stageUpload } from './staged-upload'

const iso = (ms: number) => new Date(ms).toISOString()

/** Streams the body (form file or raw) to a staged blob, then commits it as bucket/key. */
async function upload(call: ApiCall): Promise<Response> {
  const { ctx } = call
  const up = await stageUpload(call)
  try {
    const bucket = up.bucket()
    const r = ctx.services.objects.commitStaged(up.staged, { bucket, key: up.key, meta: { contentType: up.contentType, headers: {}, userMeta: {} } })
    return json({ id: r.object.id, key: r.object.key, bucket: bucket.name, size: r.version.size, contentType: up.contentType, createdAt: iso(r.version.createdAt) }, 201)
  } catch (e) {
    ctx.services.objects.discardStaged(up.staged)
    throw e
  }
}

function list(call: ApiCall) {
  const { ctx, url } = call
  const q = url.searchParams
  const bucket = ctx.services.files.bucket(call.who().accountId, q.get('bucket'))
  const limitRaw = q.get('limit') ?? '100'
  if (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > 1000) throw new AppError('ValidationError', { message: 'limit must be an integer from 1 to 1000.' })
  let after = ''
  const cursor = q.get('cursor')
  if (cursor) {
    after = Buffer.from(cursor, 'base64url').toString('utf8')
    if (Buffer.from(after, 'utf8').toString('base64url') !== cursor) throw new AppError('ValidationError', { message: 'The cursor is not valid.' })
  }
  const r = ctx.services.objects.list(bucket.id, { prefix: q.get('prefix') ?? '', delimiter: '', after, maxKeys: Number(limitRaw) })
  return {
    files: r.contents.map((e) => ({ id: e.id, key: e.key, size: e.size, contentType: e.contentType, updatedAt: iso(e.lastModified) })),
    hasMore: r.isTruncated,
    nextCursor: r.isTruncated && r.last !== null ? Buffer.from(r.last, 'utf8').toString('base64url') : null,
  }
}

/** Download with Range, ETag/304, attachment disposition and no sniffing (no stored XSS). */
async function download(call: ApiCall, id: string): Promise<Response> {
  const { ctx, request } = call
  const f = ctx.services.files.byId(id, call.who().accountId)
  const v = f.version
  if (call.url.searchParams.get('meta') === 'true') {
    return json({
      id: f.object.id, key: f.object.key, bucket: f.bucket.name, size: v.size, contentType: v.contentType, etag: `"${v.etag}"`,
      createdAt: iso(f.object.createdAt), updatedAt: iso(v.createdAt), versionId: v.id, versionNumber: v.versionNumber,
      metadata: JSON.parse(v.userMetaJson),
    })
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
  return new Response(await ctx.services.objects.openContent(v, range ?? undefined), { status: range ? 206 : 200, headers })
}

/** The simple REST file API (API key auth only; cookies never work here). */
export function filesRoutes(app: Elysia<any, any, any, any, any, any, any>, ctx: SurfaceContext, route: ApiRoute) {
  const o = { parse: 'none' as const }
  const idOf = (url: URL) => pathParam(url, 4)
  return app
    .post('/api/v1/files', route({ surface: 'rest', operation: 'UploadFile', auth: 'apiKey' }, upload), o)
    .get('/api/v1/files', route({ surface: 'rest', operation: 'ListFiles', auth: 'apiKey' }, list), o)
    .get('/api/v1/files/:id', route({ surface: 'rest', operation: 'GetFile', auth: 'apiKey' }, (call) => download(call, idOf(call.url))), o)
    .delete('/api/v1/files/:id', route({ surface: 'rest', operation: 'DeleteFile', auth: 'apiKey' }, (call) => {
      const f = ctx.services.files.byId(idOf(call.url), call.who().accountId)
      ctx.services.objects.delete(f.bucket.id, f.object.key, null)
      return { success: true }
    }), o)
    // Any other /api path or method: a JSON error like every API answer, not the router's
    // plain-text NOT_FOUND. Specific routes always win over this wildcard.
    .all('/api/*', route({ surface: 'system', operation: 'UnknownRoute', auth: 'none' }, (call) => {
      throw new AppError('NotFound', { message: `There is no API route ${call.request.method} ${call.url.pathname}. See /api/docs.` })
    }), o)
}
