import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import { FITS, FORMATS, GRAVITIES, parseImageParams } from '../../image/params'
import { accountPrincipal, anonymousPrincipal } from '../../services/access/access'
import { checkApiKey } from '../../domain/object-key'
import type { ApiCall, ApiPlugin } from '../api/route'
import { Binary, opt, query } from '../api/schemas'

/**
 * GET /api/img/{bucket}/{key}?w=&h=&fit=&format=&q=&blur=&sharpen=&rotate=&gravity=&dpr=
 * Public-read buckets serve anyone (for <img> tags); private ones only their owner's
 * credentials. Authorisation happens before any cache lookup.
 */
async function serveImage(call: ApiCall): Promise<Response> {
  const { ctx, request, url } = call
  const raw = url.pathname.slice('/api/img/'.length)
  const slash = raw.indexOf('/')
  if (slash <= 0 || slash === raw.length - 1) throw new AppError('ValidationError', { message: 'Use /api/img/{bucket}/{path}.' })
  let bucketName: string
  let key: string
  try {
    bucketName = decodeURIComponent(raw.slice(0, slash))
    key = decodeURIComponent(raw.slice(slash + 1))
  } catch {
    throw new AppError('ValidationError', { message: 'The image path is not correctly percent-encoded.' })
  }
  checkApiKey(key)
  const who = call.principal ? accountPrincipal(call.principal.accountId, call.principal.isAdmin) : anonymousPrincipal(call.ip)
  const bucket = ctx.services.access.bucket(who, bucketName, { publicRead: true, deniedMessage: 'This bucket is not public: make it public-read or send the owner\'s credentials.' })
  const params = parseImageParams(url.searchParams, ctx.config.image.maxOutputDimension)
  const { version } = ctx.services.objects.resolveVersion(bucket, key, null)
  const r = await ctx.services.images.transform({ bucket, key, version, params, accept: request.headers.get('accept') ?? '' })
  const headers: Record<string, string> = {
    'content-type': r.contentType,
    etag: r.etag,
    'last-modified': new Date(version.createdAt).toUTCString(),
    'cache-control': bucket.publicRead ? 'public, max-age=604800' : 'private, max-age=3600',
    'x-content-type-options': 'nosniff',
    'content-disposition': `inline; filename*=UTF-8''${encodeURIComponent((key.split('/').pop() || 'image').replace(/\.[^.]*$/, ''))}.${r.format === 'jpeg' ? 'jpg' : r.format}`,
  }
  if (r.negotiated) headers.vary = 'Accept'
  const inm = request.headers.get('if-none-match')
  if (inm && inm.split(',').some((t) => t.trim() === r.etag)) return new Response(null, { status: 304, headers })
  // Bun sends a file body with its length, but the Response itself carries no Content-Length,
  // which is what the request log and the byte metrics read (they showed out=0).
  const file = Bun.file(r.path)
  headers['content-length'] = String(file.size)
  return new Response(file, { headers })
}

/** Declared for the documentation; parseImageParams checks them (its messages name the rule broken). */
const param = (description: string) => opt(t.String({ description }))

export function imageRoutes(_ctx: SurfaceContext, api: ApiPlugin) {
  return new Elysia().use(api)
    .get('/api/img/*', ({ call }) => serveImage(call), {
      api: { surface: 'image', operation: 'TransformImage', auth: 'optional' },
      params: t.Object({ '*': t.String({ description: '{bucket}/{key}, each percent-encoded' }) }),
      query: query({
        w: param('Width in pixels, 1 to the configured maximum'), h: param('Height in pixels, 1 to the configured maximum'),
        fit: param(`One of ${FITS.join(', ')} (default fit)`), format: param(`One of ${FORMATS.join(', ')}, jpg; default: negotiated from Accept`),
        q: param('Quality 1-100'), blur: param('Gaussian blur sigma 0.3-100'), sharpen: param('Sharpen sigma 0.5-10'),
        rotate: param('0, 90, 180 or 270'), gravity: param(`Crop anchor: one of ${GRAVITIES.join(', ')} (default ce)`), dpr: param('Device pixel ratio 1-3'),
      }),
      response: { 200: Binary, 304: t.Null({ description: 'Not modified (If-None-Match)' }) },
      detail: { summary: "Transform an image: public-read buckets for anyone, private ones with the owner's credentials", tags: ['Images'] },
    })
}
