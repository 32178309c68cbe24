import type { Server } from 'bun'

/**
 * The client's address; X-Forwarded-For only when the operator said a proxy is trusted, and then
 * its last entry: the one the trusted proxy appended. Earlier entries are whatever the client
 * sent and would let it pick a fresh identity (and rate-limit budget) per request.
 */
export function clientIp(request: Request, server: Server<unknown> | null, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = request.headers.get('x-forwarded-for')
    const last = xff?.split(',').map((s) => s.trim()).filter(Boolean).pop()
    if (last) return last
  }
  return server?.requestIP(request)?.address ?? 'unknown'
}
