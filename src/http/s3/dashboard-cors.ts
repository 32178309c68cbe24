/**
 * CORS on the S3 port for the appliance's own web dashboard. The dashboard (HTTP port) uploads
 * and previews files with presigned URLs on the S3 port, another origin; without this every
 * user would first have to add a bucket CORS rule for it. The grant is tight:
 *   - the Origin must be exactly the dashboard's: `http://` + the host this S3 request was sent
 *     to + the HTTP port, or the origin of the configured `public-url` (a reverse proxy's);
 *   - only requests that carry S3 credentials (presigned query or Authorization header), and
 *     preflights of presigned URLs (the browser preflights the very URL it will send): the
 *     signature still decides what the request may do, CORS only lets the page read the answer;
 *   - no cookies are involved (Allow-Credentials is never sent: the S3 port has none).
 * Bucket CORS rules still apply to every other origin.
 */
import type { SurfaceContext } from '../context'
import { configuredHttpOrigin } from '../common/public-urls'

const METHODS = 'GET, PUT, POST, DELETE, HEAD'
/** Headers the dashboard's presigned requests may carry (the signature covers what matters). */
const ALLOWED_HEADER = /^(content-type|content-md5|content-disposition|content-encoding|content-language|cache-control|expires|range|if-match|if-none-match|if-modified-since|if-unmodified-since|x-amz-[a-z0-9-]+)$/
/** Answer headers the page must read: ETags of parts (multipart completion), version ids, ranges. */
const EXPOSE = 'ETag, x-amz-version-id, x-amz-delete-marker, x-amz-request-id, x-amz-id-2, Content-Length, Content-Range, Accept-Ranges, Last-Modified'

/** The request's host name (no port) as the client addressed it; IPv6 keeps its brackets. */
function requestHostname(request: Request): string | null {
  const host = request.headers.get('host') ?? new URL(request.url).host
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(host.trim())
  return m ? m[1].toLowerCase() : null
}

/** Is `origin` the dashboard's origin for this S3 request? */
function isDashboardOrigin(ctx: SurfaceContext, origin: string, request: Request): boolean {
  if (origin === configuredHttpOrigin(ctx)) return true
  let u: URL
  try { u = new URL(origin) } catch { return false }
  if (u.protocol !== 'http:' || u.origin !== origin) return false
  const port = u.port === '' ? 80 : Number(u.port)
  // The HTTP listener's bound port (it may be configured as 0).
  return port === (ctx.ports?.http ?? ctx.config.port) && u.hostname.toLowerCase() === requestHostname(request)
}

const presigned = (url: URL) => url.searchParams.has('X-Amz-Signature') && url.searchParams.has('X-Amz-Credential')

/**
 * The preflight answer for the dashboard's presigned request, or null when this preflight is not
 * one (bucket CORS rules then decide, as before).
 */
export function dashboardPreflight(ctx: SurfaceContext, request: Request): Response | null {
  const h = request.headers
  const origin = h.get('origin')
  const method = h.get('access-control-request-method')
  if (!origin || !method || !METHODS.split(', ').includes(method)) return null
  if (!presigned(new URL(request.url)) || !isDashboardOrigin(ctx, origin, request)) return null
  const requested = (h.get('access-control-request-headers') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
  if (!requested.every((x) => ALLOWED_HEADER.test(x))) return null
  const headers: Record<string, string> = {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': METHODS,
    'access-control-max-age': '600',
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  }
  if (requested.length) headers['access-control-allow-headers'] = requested.join(', ')
  return new Response(null, { status: 200, headers })
}

/**
 * Adds the dashboard's CORS headers to an actual answer (errors included, so the page can show
 * them) when it came from the dashboard with S3 credentials; returns whether it did.
 */
export function withDashboardCors(ctx: SurfaceContext, request: Request, response: Response): boolean {
  const origin = request.headers.get('origin')
  if (!origin || request.method === 'OPTIONS') return false
  if (!request.headers.has('authorization') && !presigned(new URL(request.url))) return false
  if (!isDashboardOrigin(ctx, origin, request)) return false
  response.headers.set('access-control-allow-origin', origin)
  response.headers.set('access-control-expose-headers', EXPOSE)
  response.headers.set('vary', 'Origin')
  return true
}
