import type { SurfaceContext } from '../context'

/**
 * The HTTP port's URL as the people who open a link see it: the configured public URL, else the
 * origin this request came to (behind a trusted proxy: X-Forwarded-Proto/-Host, which the proxy
 * set), so a link made through https://files.example.com points there, not at 127.0.0.1:9001.
 */
export function publicBase(ctx: SurfaceContext, request: Request): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl
  const u = new URL(request.url)
  if (ctx.config.trustProxy) {
    const first = (h: string) => request.headers.get(h)?.split(',')[0].trim() || null
    const proto = first('x-forwarded-proto')
    const host = first('x-forwarded-host')
    const scheme = proto === 'https' || proto === 'http' ? proto : u.protocol.slice(0, -1)
    if (host && /^[A-Za-z0-9.\-:[\]]+$/.test(host)) return `${scheme}://${host}`
    return `${scheme}://${u.host}`
  }
  return u.origin
}
