import type { Server } from 'bun'
import type { SurfaceContext } from '../context'
import type { RequestState, Surface } from '../pipeline'
import { AppError } from '../../errors/app-error'
import { DEFAULT_CONTENT_TYPE } from '../../domain/object-meta'
import { evaluateReadConditions, normalizeEtag } from '../../domain/conditions'
import { parseRange } from '../../domain/range'
import { readRequestBody } from '../../blob/streams'
import { parseImageParams } from '../../image/params'
import type { Download, OpenShare } from '../../services/shares/shares'
import type { VersionRow } from '../../services/rows'
import { clientIp } from '../common/client-ip'
import { errorPage, htmlResponse, listingPage, passwordPage } from './pages'

/** The share surface's per-request data. */
export interface ShareState {
  server: Server<unknown> | null
}

/** The unlock cookie of a password share (scoped to the link's path). */
const COOKIE = 'cs_share'
const IMAGE_PARAMS = ['w', 'h', 'fit', 'format', 'q', 'blur', 'sharpen', 'rotate', 'gravity', 'dpr']
const FORM_MAX = 8 * 1024

/** Is this a share link's path (this surface's, not the JSON API's)? */
export const isSharePath = (pathname: string) => pathname === '/s' || pathname.startsWith('/s/')

function cookieValue(request: Request, name: string): string | null {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return null
}

const secure = (ctx: SurfaceContext, request: Request) =>
  ctx.config.secureCookies || new URL(request.url).protocol === 'https:' || (ctx.config.trustProxy && request.headers.get('x-forwarded-proto') === 'https')

/** `filename` for old clients (ASCII, quotes and backslashes dropped) and `filename*` (RFC 5987) for the rest. */
function disposition(kind: 'inline' | 'attachment', key: string): string {
  const name = key.split('/').filter(Boolean).pop() || 'download'
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

/**
 * Counts a download when its last byte has been handed to the connection, and frees its slot
 * when the client leaves first (the server cancels the stream) or reading fails.
 */
function counted(source: Blob | ReadableStream<Uint8Array>, dl: Download): ReadableStream<Uint8Array> {
  const reader = (source instanceof Blob ? source.stream() : source).getReader()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read()
        if (done) {
          controller.close()
          dl.complete()
          return
        }
        controller.enqueue(value)
      } catch (e) {
        dl.release()
        controller.error(e)
      }
    },
    cancel(reason) {
      dl.release()
      return reader.cancel(reason)
    },
  }, { highWaterMark: 0 })
}

/** RFC 9110 If-Range: a strong ETag that matches, or exactly the Last-Modified date. */
function ifRangeHolds(header: string, etag: string, lastModifiedMs: number): boolean {
  const t = header.trim()
  if (t.startsWith('"') || t.startsWith('W/')) return !t.startsWith('W/') && normalizeEtag(t) === etag
  const date = Date.parse(t)
  return !Number.isNaN(date) && Math.floor(date / 1000) === Math.floor(lastModifiedMs / 1000)
}

/** The percent-decoded path under the token ('' for the link itself); malformed encoding is a 400. */
function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new AppError('BadRequest', { message: 'The link is not correctly percent-encoded.' })
  }
}

/**
 * The public side of share links on the HTTP port, a surface of the one pipeline (labelled
 * 'share'): GET/HEAD /s/{token}[/{path}] serve the file (Range, ETag/If-None-Match, attachment
 * unless ?inline=1), an image rendition (?w=&h=&format=…), or a prefix share's listing;
 * POST /s/{token} takes the password form. Errors are small HTML pages, never JSON.
 */
export function shareSurface(ctx: SurfaceContext): Surface<ShareState> {
  const { services } = ctx

  async function unlock(request: Request, state: RequestState<ShareState>, o: OpenShare, token: string, ip: string): Promise<Response> {
    state.operation = 'UnlockShare'
    const type = request.headers.get('content-type') ?? ''
    if (!/^application\/x-www-form-urlencoded\b/i.test(type)) throw new AppError('BadRequest', { message: 'Send the password with the form on this page.' })
    const form = new URLSearchParams((await readRequestBody(request, FORM_MAX, state.counter)).toString('utf8'))
    const raw = form.get('next') ?? ''
    // Back to where the visitor was, within this link only (never an open redirect).
    const next = raw === `/s/${token}` || raw.startsWith(`/s/${token}/`) || raw.startsWith(`/s/${token}?`) ? raw : `/s/${token}`
    if (o.share.passwordHash === null) return new Response(null, { status: 303, headers: { location: next } })
    let ok: boolean
    try {
      ok = await services.shares.unlock(o.share, form.get('password') ?? '', ip)
    } catch (e) {
      if (e instanceof AppError && e.code === 'TooManyRequests') {
        state.error = e
        return htmlResponse(429, passwordPage(token, next, `Too many wrong passwords. Try again in ${e.headers?.['retry-after'] ?? 'a few'} seconds.`), 'POST', e.headers ?? {})
      }
      throw e
    }
    if (!ok) return htmlResponse(403, passwordPage(token, next, 'Wrong password.'), 'POST')
    const c = services.shares.unlockCookie(o.share)
    const cookie = `${COOKIE}=${c.value}; Path=/s/${token}; Max-Age=${c.maxAgeSeconds}; HttpOnly; SameSite=Lax${secure(ctx, request) ? '; Secure' : ''}`
    return new Response(null, { status: 303, headers: { location: next, 'set-cookie': cookie } })
  }

  async function serveFile(request: Request, state: RequestState<ShareState>, o: OpenShare, file: { key: string; version: VersionRow }, inline: boolean): Promise<Response> {
    state.operation = request.method === 'HEAD' ? 'HeadShareFile' : 'GetShareFile'
    const v = file.version
    const headers: Record<string, string> = {
      'content-type': v.contentType || DEFAULT_CONTENT_TYPE, etag: `"${v.etag}"`, 'last-modified': new Date(v.createdAt).toUTCString(),
      'accept-ranges': 'bytes', 'cache-control': 'private, no-cache',
      // An uploaded HTML or SVG file shown inline must not run script on the appliance's origin.
      'x-content-type-options': 'nosniff', 'content-security-policy': "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'",
      'content-disposition': disposition(inline ? 'inline' : 'attachment', file.key),
    }
    const outcome = evaluateReadConditions(request.headers, v.etag, v.createdAt)
    if (outcome === 'not-modified') return new Response(null, { status: 304, headers: { etag: headers.etag, 'last-modified': headers['last-modified'], 'cache-control': headers['cache-control'] } })
    if (outcome === 'precondition-failed') throw new AppError('PreconditionFailed')
    // If-Range: a resume against content that changed since gets the whole file instead.
    const ifRange = request.headers.get('if-range')
    const rangeHeader = ifRange !== null && !ifRangeHolds(ifRange, v.etag, v.createdAt) ? null : request.headers.get('range')
    const range = rangeHeader ? parseRange(rangeHeader, v.size) : null
    if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${v.size}`
    // Bun sends a streamed body chunked (oven-sh/bun#10507) but the log and metrics read this.
    headers['content-length'] = String(range ? range.end - range.start + 1 : v.size)
    const status = range ? 206 : 200
    if (request.method === 'HEAD') return new Response(null, { status, headers })
    const dl = services.shares.startDownload(o, file, { end: range?.end ?? v.size - 1, size: v.size })
    try {
      const content = await services.objects.openContent(v, range ?? undefined)
      return new Response(counted(content, dl), { status, headers })
    } catch (e) {
      dl.release()
      throw e
    }
  }

  async function serveRendition(request: Request, state: RequestState<ShareState>, o: OpenShare, file: { key: string; version: VersionRow }, url: URL): Promise<Response> {
    state.operation = request.method === 'HEAD' ? 'HeadShareImage' : 'GetShareImage'
    const q = new URLSearchParams()
    for (const [k, v] of url.searchParams) if (IMAGE_PARAMS.includes(k)) q.append(k, v)
    const params = parseImageParams(q, ctx.config.image.maxOutputDimension)
    const r = await services.images.transform({ bucket: o.bucket, key: file.key, version: file.version, params, accept: request.headers.get('accept') ?? '' })
    const rendition = Bun.file(r.path)
    const headers: Record<string, string> = {
      'content-type': r.contentType, etag: r.etag, 'last-modified': new Date(file.version.createdAt).toUTCString(), 'cache-control': 'private, no-cache',
      'x-content-type-options': 'nosniff', 'content-security-policy': "sandbox; default-src 'none'",
      // A rendition is an image this appliance encoded (WebP, AVIF, JPEG, PNG): safe to show.
      'content-disposition': disposition('inline', `${(file.key.split('/').pop() || 'image').replace(/\.[^.]*$/, '')}.${r.format === 'jpeg' ? 'jpg' : r.format}`),
      'content-length': String(rendition.size),
    }
    if (r.negotiated) headers.vary = 'Accept'
    const inm = request.headers.get('if-none-match')
    if (inm && inm.split(',').some((t) => normalizeEtag(t) === normalizeEtag(r.etag))) return new Response(null, { status: 304, headers })
    if (request.method === 'HEAD') return new Response(null, { headers })
    const dl = services.shares.startDownload(o, file, { end: 0, size: 1, rendition: true })
    return new Response(counted(rendition, dl), { headers })
  }

  async function handle(request: Request, state: RequestState<ShareState>): Promise<Response> {
    const url = new URL(request.url)
    const m = /^\/s\/([^/]*)(?:\/(.*))?$/.exec(url.pathname)
    state.operation = 'GetShare'
    if (!m || !m[1]) throw new AppError('NotFound', { message: 'This link does not exist. Check that you copied all of it.' })
    const [, token, rawPath = ''] = m
    // The token is the link's secret: the request log shows the path without it.
    state.path = `/s/{token}${m[2] === undefined ? '' : `/${rawPath}`}`
    const method = request.method
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') throw new AppError('MethodNotAllowed', { message: 'Share links answer GET, HEAD and POST (the password form).', headers: { allow: 'GET, HEAD, POST' } })
    const ip = clientIp(request, state.x.server, ctx.config.trustProxy)
    await services.rateLimits.checkShareClient(ip)
    const o = services.shares.open(token)
    state.principal = `share:${o.share.id}`
    await services.rateLimits.checkShareLink(o.share.id)
    if (method === 'POST') return unlock(request, state, o, token, ip)
    const path = decodePath(rawPath)
    if (!services.shares.unlocked(o.share, cookieValue(request, COOKIE))) {
      state.operation = 'ShareLocked'
      // 403 with the form: the content needs the password first.
      return htmlResponse(403, passwordPage(token, url.pathname + url.search, null), method)
    }
    if (o.share.isPrefix && (path === '' || path.endsWith('/'))) {
      state.operation = 'ListShare'
      const listing = services.shares.listing(o, path, url.searchParams.get('after') ?? '')
      const name = o.share.key.split('/').filter(Boolean).pop() ?? o.share.key
      return htmlResponse(200, listingPage(token, `${name}/`, path, listing), method, { 'cache-control': 'private, no-cache' })
    }
    const file = services.shares.file(o, path)
    if (IMAGE_PARAMS.some((k) => url.searchParams.has(k))) return serveRendition(request, state, o, file, url)
    return serveFile(request, state, o, file, url.searchParams.get('inline') === '1')
  }

  return {
    name: 'share',
    init: () => ({ server: null }),
    dispatch(request, server, state) {
      state.x.server = server
      return handle(request, state)
    },
    render: (err, request) => errorPage(err, request.method),
    finish(response, _request, state) {
      const h = response.headers
      h.set('x-request-id', state.requestId)
      // The token is in the URL: no page or file served here may hand it on as a Referer.
      h.set('referrer-policy', 'no-referrer')
      h.set('x-robots-tag', 'noindex, nofollow')
      if (!h.has('x-frame-options')) h.set('x-frame-options', 'DENY')
      return response
    },
  }
}
