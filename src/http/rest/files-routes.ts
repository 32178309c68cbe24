import type { Elysia } from 'elysia'
import type { AppContext } from '../../app'
import { AppError } from '../../errors/app-error'
import { DEFAULT_CONTENT_TYPE, type ObjectMeta } from '../../domain/object-meta'
import { evaluateReadConditions } from '../../domain/conditions'
import { parseRange } from '../../domain/range'
import { iterateStream } from '../../blob/streams'
import { fileById, restBucket } from '../../services/objects/files'
import { openContent } from '../../services/objects/read'
import type { StagedUpload } from '../../services/objects/put-object'
import type { ApiCall, ApiRoute } from '../api/route'
import { json } from '../api/route'
import { readForm } from './form-upload'

const MAX_KEY_BYTES = 1024

/** Content type from the client, else from the file name's extension. */
export function contentTypeFor(declared: string | null | undefined, name: string): string {
  const d = (declared ?? '').trim()
  // curl --data-binary labels everything as a form; that says nothing about the file.
  const generic = ['application/octet-stream', 'application/x-www-form-urlencoded']
  if (d && !generic.includes(d.toLowerCase().split(';')[0].trim())) return d
  const guessed = Bun.file(name || 'x').type
  return guessed && guessed !== 'application/octet-stream' ? guessed : DEFAULT_CONTENT_TYPE
}

function checkKey(key: string | null | undefined): string {
  if (!key) throw new AppError('ValidationError', { message: 'The file needs a key: send a key field/parameter, a file name, or X-File-Name.' })
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new AppError('KeyTooLongError')
  return key
}

const iso = (ms: number) => new Date(ms).toISOString()

/** Streams the body (form file or raw) to a staged blob, then commits it as bucket/key. */
async function upload(call: ApiCall): Promise<Response> {
  const { ctx, request, url } = call
  const accountId = call.who().accountId
  const type = request.headers.get('content-type') ?? ''
  let staged: StagedUpload
  let bucketName: string | undefined
  let key: string | undefined
  let contentType: string
  if (/^multipart\/form-data/i.test(type)) {
    let file: { filename: string; mimeType: string } | null = null
    const form = await readForm(request, ['bucket', 'key'], async (f, early) => {
      // Fail fast on a bad bucket when its field came before the file.
      if (early.bucket !== undefined) restBucket(ctx, accountId, early.bucket)
      file = f
      return ctx.services.objects.stage(accountId, { source: countBytes(call, f.stream), size: null })
    }, (s) => ctx.services.objects.discardStaged(s))
    if (!form.result || !file) throw new AppError('ValidationError', { message: "The form has no 'file' field." })
    staged = form.result
    const f = file as { filename: string; mimeType: string }
    bucketName = form.fields.bucket
    key = form.fields.key ?? f.filename
    contentType = contentTypeFor(f.mimeType, key ?? '')
  } else {
    bucketName = url.searchParams.get('bucket') ?? undefined
    key = url.searchParams.get('key') ?? request.headers.get('x-file-name') ?? undefined
    checkKey(key)
    restBucket(ctx, accountId, bucketName)
    const length = request.headers.get('content-length')
    staged = await ctx.services.objects.stage(accountId, { source: countBytes(call, iterateStream(request.body)), size: length !== null ? Number(length) : null })
    contentType = contentTypeFor(type, key ?? '')
  }
  try {
    if (staged.digests.size === 0) throw new AppError('ValidationError', { message: 'The upload is empty.' })
    const bucket = restBucket(ctx, accountId, bucketName)
    const meta: ObjectMeta = { contentType, headers: {}, userMeta: {} }
    const r = ctx.services.objects.commitStaged(staged, { bucket, key: checkKey(key), meta })
    return json({ id: r.object.id, key: r.object.key, bucket: bucket.name, size: r.version.size, contentType, createdAt: iso(r.version.createdAt) }, 201)
  } catch (e) {
    ctx.services.objects.discardStaged(staged)
    throw e
  }
}

async function* countBytes(call: ApiCall, source: AsyncIterable<Uint8Array>) {
  for await (const c of source) {
    call.counter.bytes += c.byteLength
    yield c
  }
}

function list(call: ApiCall) {
  const { ctx, url } = call
  const q = url.searchParams
  const bucket = restBucket(ctx, call.who().accountId, q.get('bucket'))
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
  const f = fileById(ctx, id, call.who().accountId)
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
  return new Response(await openContent(ctx, v, range ?? undefined), { status: range ? 206 : 200, headers })
}

/** The simple REST file API (API key auth only; cookies never work here). */
export function filesRoutes(app: Elysia<any, any, any, any, any, any, any>, ctx: AppContext, route: ApiRoute) {
  const o = { parse: 'none' as const }
  const idOf = (url: URL) => decodeURIComponent(url.pathname.split('/')[4] ?? '')
  return app
    .post('/api/v1/files', route({ surface: 'rest', operation: 'UploadFile', auth: 'apiKey' }, upload), o)
    .get('/api/v1/files', route({ surface: 'rest', operation: 'ListFiles', auth: 'apiKey' }, list), o)
    .get('/api/v1/files/:id', route({ surface: 'rest', operation: 'GetFile', auth: 'apiKey' }, (call) => download(call, idOf(call.url))), o)
    .delete('/api/v1/files/:id', route({ surface: 'rest', operation: 'DeleteFile', auth: 'apiKey' }, (call) => {
      const f = fileById(ctx, idOf(call.url), call.who().accountId)
      ctx.services.objects.delete(f.bucket.id, f.object.key, null)
      return { success: true }
    }), o)
}
