import type { SurfaceContext } from '../context'

/**
 * The appliance's two URLs as the people and programs that get a link see them. A configured
 * public URL (`public-url`, `s3-public-url`) wins: behind a reverse proxy nothing in the request
 * is trustworthy enough to build links on unless `trust-proxy` says so.
 */

/** The request's origin, or behind a trusted proxy the X-Forwarded-Proto/-Host it set. */
function requestOrigin(ctx: SurfaceContext, request: Request): { scheme: string; host: string; hostname: string } {
  const u = new URL(request.url)
  let scheme = u.protocol.slice(0, -1)
  let host = u.host
  if (ctx.config.trustProxy) {
    const first = (h: string) => request.headers.get(h)?.split(',')[0].trim() || null
    const proto = first('x-forwarded-proto')?.toLowerCase()
    const fwdHost = first('x-forwarded-host')
    if (proto === 'https' || proto === 'http') scheme = proto
    if (fwdHost && /^[A-Za-z0-9.\-:[\]]+$/.test(fwdHost)) host = fwdHost
  }
  return { scheme, host, hostname: new URL(`${scheme}://${host}`).hostname }
}

/**
 * The HTTP port (API, dashboard, share links, signed image URLs): `public-url`, else the origin
 * this request came to, so a link made through https://files.example.com points there, not at
 * 127.0.0.1:9001.
 */
export function publicHttpUrl(ctx: SurfaceContext, request: Request): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl
  const o = requestOrigin(ctx, request)
  return `${o.scheme}://${o.host}`
}

/**
 * The S3 port (presigned URLs, client snippets): `s3-public-url`, else the host this request
 * addressed on the S3 listener's port (a TUI or browser that reached the HTTP port reaches the
 * S3 port the same way). Plain http, as the S3 listener speaks.
 */
export function publicS3Url(ctx: SurfaceContext, request: Request): string {
  if (ctx.config.s3PublicUrl) return ctx.config.s3PublicUrl
  const hostname = requestOrigin(ctx, request).hostname
  return `http://${hostname}:${ctx.ports?.s3 ?? ctx.config.s3Port}`
}

/** The dashboard's origin behind a proxy, from `public-url` (null: none configured). */
export function configuredHttpOrigin(ctx: SurfaceContext): string | null {
  return ctx.config.publicUrl ? new URL(ctx.config.publicUrl).origin : null
}
