import crypto, { createHash, randomBytes } from 'node:crypto'
import { AppError } from '../../errors/app-error'
import type { Deps } from '../deps'
import type { ApiPrincipal } from '../deps'

export const SESSION_COOKIE = 'session'
export const CSRF_HEADER = 'x-csrf-token'

const hashId = (value: string) => createHash('sha256').update(value).digest('hex')

/**
 * Compares a presented CSRF token with the session's in constant time: `!==` stops at the first
 * differing character, which lets a timing attacker guess the token byte by byte. Only the
 * length (the same for every token) can show.
 */
export function csrfTokenMatches(given: string | null, expected: string | null | undefined): boolean {
  if (!given || !expected) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && crypto.timingSafeEqual(a, b)
}

function cookieValue(request: Request, name: string): string | null {
  const header = request.headers.get('cookie')
  if (!header) return null
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return null
}

/**
 * Cookie sessions: a random 256-bit id whose SHA-256 is stored (a database leak does not leak
 * sessions), an idle and an absolute expiry, and a CSRF token per session. Logout and a
 * password change revoke.
 */
export function sessionsService(d: Deps) {
  const idleMs = d.config.sessionIdleMinutes * 60_000
  const absoluteMs = d.config.sessionAbsoluteHours * 3_600_000

  return {
    create(accountId: string): { cookie: string; csrfToken: string; expiresAt: number } {
      const now = d.now()
      const value = randomBytes(32).toString('base64url')
      const csrfToken = randomBytes(24).toString('base64url')
      const expiresAt = now + absoluteMs
      d.db.tx(() => d.repos.sessions.insert({ idHash: hashId(value), accountId, csrfToken, createdAt: now, lastSeenAt: now, expiresAt }))
      return { cookie: value, csrfToken, expiresAt }
    },

    fromRequest(request: Request): ApiPrincipal | null {
      const value = cookieValue(request, SESSION_COOKIE)
      if (!value || value.length > 200) return null
      const idHash = hashId(value)
      const s = d.repos.sessions.get(idHash)
      if (!s) return null
      const now = d.now()
      if (now > s.expiresAt || now - s.lastSeenAt > idleMs) {
        d.db.tx(() => d.repos.sessions.delete(idHash))
        return null
      }
      const account = d.repos.accounts.byId(s.accountId)
      if (!account || s.createdAt < account.passwordChangedAt) return null
      // Refresh lazily (a write per request is wasteful), but well within the idle window: with
      // a short idle timeout a once-a-minute refresh would expire sessions in active use.
      if (now - s.lastSeenAt > Math.min(60_000, idleMs / 4)) {
        // Best effort: a refresh that fails (disk full, busy database) must not fail the
        // request, e.g. the one that deletes files to free space; the next request retries.
        try { d.db.tx(() => d.repos.sessions.touch(idHash, now)) } catch { /* retried on the next request */ }
      }
      return { accountId: s.accountId, isAdmin: account.isAdmin, via: 'session', sessionId: idHash, csrfToken: s.csrfToken }
    },

    revoke(sessionId: string) {
      d.db.tx(() => d.repos.sessions.delete(sessionId))
    },

    revokeAll(accountId: string) {
      d.db.tx(() => d.repos.sessions.deleteForAccount(accountId))
    },

    sweep(): number {
      const now = d.now()
      return d.db.tx(() => d.repos.sessions.deleteExpired(now, now - idleMs))
    },

    /** Set-Cookie for a new session: HttpOnly, SameSite=Lax, Secure when configured/TLS. */
    setCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
      return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`
    },
    clearCookie(secure: boolean): string {
      return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`
    },
  }
}
export type SessionsService = ReturnType<typeof sessionsService>

/**
 * CSRF defence for cookie-authenticated mutations. Browsers always label their requests
 * (Origin on cross-origin writes, Sec-Fetch-Site everywhere): a foreign Origin or a cross-site
 * fetch is refused, and a browser request must carry the session's X-CSRF-Token. Requests
 * without browser headers (curl, scripts) cannot be forged cross-site and pass.
 */
export function checkCsrf(request: Request, principal: ApiPrincipal, opts: { trustProxy?: boolean } = {}) {
  if (principal.via !== 'session') return
  if (['GET', 'HEAD', 'OPTIONS'].includes(request.method)) return
  const origin = request.headers.get('origin')
  const site = request.headers.get('sec-fetch-site')
  // Behind a trusted reverse proxy the browser's host is X-Forwarded-Host (nginx, for one,
  // rewrites Host to the upstream address by default).
  const forwarded = opts.trustProxy ? request.headers.get('x-forwarded-host')?.split(',')[0].trim().toLowerCase() : undefined
  const hosts = [request.headers.get('host')?.toLowerCase(), forwarded].filter(Boolean)
  if (origin) {
    let originHost: string | null = null
    try { originHost = new URL(origin).host } catch { originHost = null }
    if (!originHost || !hosts.includes(originHost)) throw new AppError('CsrfFailed', { message: 'Cross-site request rejected: the Origin does not match this appliance.' })
  }
  if (site === 'cross-site' || site === 'same-site') throw new AppError('CsrfFailed', { message: 'Cross-site request rejected.' })
  if (origin || site) {
    const token = request.headers.get(CSRF_HEADER)
    if (!csrfTokenMatches(token, principal.csrfToken)) throw new AppError('CsrfFailed')
  }
}
