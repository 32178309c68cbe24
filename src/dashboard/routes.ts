import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../http/context'
import type { ApiCall, ApiPlugin } from '../http/api/route'
import { AppError } from '../errors/app-error'
import { publicS3Url } from '../http/common/public-urls'
import { dashboardFiles, type ServedFile } from './assets'

/**
 * The dashboard's Content-Security-Policy: its own scripts and styles only (no inline code, no
 * eval), API calls to this origin, and the S3 endpoint for presigned uploads and previews
 * (images, media, PDFs, text). blob: is the dashboard's own data: Time Machine previews of old
 * versions (S3 cannot serve those), fetched from the API and shown in place. Nothing from any
 * other origin.
 */
export function dashboardCsp(s3Origin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob: ${s3Origin}`,
    `media-src 'self' blob: ${s3Origin}`,
    `frame-src blob: ${s3Origin}`,
    `connect-src 'self' ${s3Origin}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** The file, gzipped when the client takes gzip; 304 when its ETag matches. */
function send(call: ApiCall, f: ServedFile, headers: Record<string, string>): Response {
  const h: Record<string, string> = { ...headers, 'content-type': f.type, etag: f.etag, vary: 'Accept-Encoding', 'x-content-type-options': 'nosniff' }
  const inm = call.request.headers.get('if-none-match')
  if (inm && inm.split(',').some((x) => x.trim() === f.etag)) return new Response(null, { status: 304, headers: h })
  const gzip = /\bgzip\b/i.test(call.request.headers.get('accept-encoding') ?? '')
  const body = gzip ? f.gzip : f.body
  if (gzip) h['content-encoding'] = 'gzip'
  h['content-length'] = String(body.length)
  return new Response(body, { headers: h })
}

/** GET / (the dashboard page, never cached stale) and GET /assets/{file} (hashed, cached for good). */
export function dashboardRoutes(ctx: SurfaceContext, api: ApiPlugin) {
  return new Elysia().use(api)
    .get('/', async ({ call }) => {
      const { index } = await dashboardFiles()
      return send(call, index, {
        'cache-control': 'no-cache',
        'content-security-policy': dashboardCsp(new URL(publicS3Url(ctx, call.request)).origin),
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
        'cross-origin-opener-policy': 'same-origin',
      })
    }, {
      api: { surface: 'web', operation: 'DashboardPage', auth: 'none', durable: false },
      detail: { hide: true },
    })
    .get('/assets/:file', async ({ call, params }) => {
      const f = (await dashboardFiles()).files.get(params.file)
      if (!f) throw new AppError('NotFound', { message: `There is no dashboard file ${params.file}.` })
      return send(call, f, { 'cache-control': 'public, max-age=31536000, immutable' })
    }, {
      api: { surface: 'web', operation: 'DashboardAsset', auth: 'none', durable: false },
      params: t.Object({ file: t.String() }),
      detail: { hide: true },
    })
}
