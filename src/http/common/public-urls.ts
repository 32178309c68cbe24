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

/**
 * The S3 endpoint as this request's client reaches the appliance: the host it addressed, on the
 * S3 listener's port. Plain http, as the S3 listener speaks.
 */
export function publicS3Url(ctx: SurfaceContext, request: Request): string {
  return `http://${new URL(request.url).hostname}:${ctx.ports?.s3 ?? ctx.config.s3Port}`
}
