import { AppError } from '../../errors/app-error'
import { TokenBuckets } from '../../limits/token-bucket'
import type { Deps, Principal } from '../deps'
import { planOf } from '../accounts/plans'

export type RateClass = 'read' | 'write' | 'list'

const LIST_OPS = new Set(['ListBuckets', 'ListObjects', 'ListObjectsV2', 'ListObjectVersions', 'ListMultipartUploads', 'ListParts', 'ListFiles'])
const READ_OPS = new Set(['GetObject', 'HeadObject', 'HeadBucket', 'GetBucketLocation', 'GetBucketVersioning', 'GetBucketCors', 'PreflightCors'])

/** S3 operation → rate class, per the public rate-limit table. */
export function rateClassOf(op: string, method: string): RateClass {
  if (LIST_OPS.has(op)) return 'list'
  if (READ_OPS.has(op) || method === 'GET' || method === 'HEAD') return 'read'
  return 'write'
}

/**
 * The budget key of an anonymous client: an IPv4 address (IPv4-mapped IPv6 included) as is, an
 * IPv6 address by its /64, since one host or home network usually owns a whole /64 and could
 * otherwise rotate addresses to get fresh budgets.
 */
export function clientKey(ip: string): string {
  const addr = ip.replace(/%.*$/, '')
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(addr)
  if (v4) return v4[1]
  if (!addr.includes(':')) return addr
  const [head, tail] = addr.split('::')
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const groups = tail === undefined ? h : [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t]
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':')}::/64`
}

/**
 * Per-access-key token buckets (anonymous requests per client IP), rates from the account's
 * plan. A burst of one second's worth is allowed. Refusals are 429 with Retry-After (seconds).
 */
export function rateLimitService(d: Deps) {
  const buckets = new TokenBuckets()

  function limited(retryAfterSeconds: number): AppError {
    const secs = Math.max(1, Math.ceil(retryAfterSeconds))
    return new AppError('TooManyRequests', { headers: { 'retry-after': String(secs) } })
  }

  function ratesFor(p: Principal) {
    if (p.kind === 'account') {
      const account = d.repos.accounts.byId(p.accountId)
      return account ? planOf(d, account).rates : d.config.plans[d.config.defaultPlan].rates
    }
    return d.config.plans[d.config.defaultPlan].rates
  }

  return {
    /** Throws TooManyRequests when the principal's class budget is spent. */
    checkS3(p: Principal, op: string, method = 'GET') {
      if (!d.config.rateLimits || p.kind === 'system') return
      if (p.kind === 'account' && p.isAdmin && d.config.adminRateLimitExempt) return
      const cls = rateClassOf(op, method)
      const rate = ratesFor(p)[cls]
      const who = p.kind === 'account' ? `key:${p.accessKeyId ?? p.accountId}` : `ip:${clientKey(p.ip)}`
      const wait = buckets.take(`${who}:${cls}`, rate, rate, d.now())
      if (wait > 0) throw limited(wait)
    },
    /** Sign-ups per client IP (only reachable when sign-up is open): 10 per hour, burst 5. */
    checkSignup(ip: string) {
      if (!d.config.rateLimits) return
      const wait = buckets.take(`signup:${clientKey(ip)}`, 10 / 3600, 5, d.now())
      if (wait > 0) throw limited(wait)
    },
    /** Dashboard API: per session/account, per minute. */
    checkDashboard(accountId: string, isAdmin: boolean) {
      if (!d.config.rateLimits) return
      if (isAdmin && d.config.adminRateLimitExempt) return
      const account = d.repos.accounts.byId(accountId)
      const perMinute = account ? planOf(d, account).rates.dashboardPerMinute : d.config.plans[d.config.defaultPlan].rates.dashboardPerMinute
      const wait = buckets.take(`dash:${accountId}`, perMinute / 60, perMinute, d.now())
      if (wait > 0) throw limited(wait)
    },
  }
}
export type RateLimitService = ReturnType<typeof rateLimitService>
