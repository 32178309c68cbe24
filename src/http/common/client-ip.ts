import type { Server } from 'bun'

/** The client's address; X-Forwarded-For only when the operator said a proxy is trusted. */
export function clientIp(request: Request, server: Server<unknown> | null, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = request.headers.get('x-forwarded-for')
    if (xff) return xff.split(',')[0].trim()
  }
  return server?.requestIP(request)?.address ?? 'unknown'
}
