import type { SurfaceContext } from '../context'

/**
 * The origin browsers use for this HTTP port: the request's own (its Host header), or behind a
 * trusted reverse proxy the X-Forwarded-Proto / X-Forwarded-Host the proxy sets.
 */
export function publicHttpOrigin(ctx: SurfaceContext, request: Request): string {
  const url = new URL(request.url)
  if (ctx.config.trustProxy) {
    const host = request.headers.get('x-forwarded-host')?.split(',')[0].trim()
    const proto = request.headers.get('x-forwarded-proto')?.split(',')[0].trim().toLowerCase()
    if (host && /^[A-Za-z0-9.\-:[\]]+$/.test(host)) return `${proto === 'https' ? 'https' : 'http'}://${host}`
  }
  return url.origin
}
