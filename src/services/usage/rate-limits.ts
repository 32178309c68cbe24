import { AppError } from '../../errors/app-error'
import { TokenBuckets, type QueueLimits } from '../../limits/token-bucket'
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
 * The queue in front of each budget: a request over the rate waits for its token rather than
 * failing, as long as at most 16 of the same key and class wait (the AWS CLI runs 10 requests
 * at once, and clients answered 429 in "standard" retry mode just fail) and its wait is at most
 * 10 s (well inside clients' read timeouts). At the default rates that is a wait of at most
 * 0.32 s; closed-loop clients are slowed to the rate, open-loop floods still get 429.
 */
export const RATE_QUEUE: QueueLimits = { maxQueue: 16, maxWaitSeconds: 10 }

export interface RateLimitOptions {
  /** How waiting is done (tests inject a fake clock and sleep). */
  sleep?: (ms: number) => Promise<unknown>
  queue?: QueueLimits
  /**
   * Requests waiting at once across all keys. A waiting request keeps its in-flight slot, so
   * waiters may hold at most this many (a quarter of max-inflight): requests within their
   * budget always find a slot. Beyond it, over-rate requests are refused at once.
   */
  maxWaiters?: number
}

/**
 * Per-access-key token buckets (anonymous requests per client IP), rates from the account's
 * plan. A burst of one second's worth passes at once; beyond it requests wait in a short queue
 * (RATE_QUEUE) and only when that is full are they refused: 429 with Retry-After (seconds, the
 * wait the request would have had behind the queue). Checks run before any body is read.
 */
export function rateLimitService(d: Deps, opts: RateLimitOptions = {}) {
  const buckets = new TokenBuckets()
  const sleep = opts.sleep ?? ((ms: number) => Bun.sleep(ms))
  const queue = opts.queue ?? RATE_QUEUE
  const maxWaiters = opts.maxWaiters ?? Math.max(1, Math.floor(d.config.maxInflight / 4))
  let waiting = 0

  function limited(retryAfterSeconds: number): AppError {
    const secs = Math.max(1, Math.ceil(retryAfterSeconds))
    return new AppError('TooManyRequests', { headers: { 'retry-after': String(secs) } })
  }

  /** Takes a token from the bucket, waiting in its queue when over the rate; throws 429 when the queue is full. */
  async function shape(key: string, rate: number, burst: number): Promise<void> {
    const r = buckets.admit(key, rate, burst, d.now(), waiting < maxWaiters ? queue : { maxQueue: 0, maxWaitSeconds: 0 })
    if ('retryAfter' in r) throw limited(r.retryAfter)
    if (r.wait <= 0) return
    waiting++
    try {
      await sleep(r.wait * 1000)
    } finally {
      waiting--
    }
  }

  function ratesFor(p: Principal) {
    if (p.kind === 'account') {
      const account = d.repos.accounts.byId(p.accountId)
      return account ? planOf(d, account).rates : d.config.plans[d.config.defaultPlan].rates
    }
    return d.config.plans[d.config.defaultPlan].rates
  }

  return {
    /** Requests waiting for their token right now (all keys). */
    get waiting() {
      return waiting
    },
    /** Resolves when the principal may go on (at once, or after its turn in the queue); else TooManyRequests. */
    async checkS3(p: Principal, op: string, method = 'GET'): Promise<void> {
      if (!d.config.rateLimits || p.kind === 'system') return
      if (p.kind === 'account' && p.isAdmin && d.config.adminRateLimitExempt) return
      const cls = rateClassOf(op, method)
      const rate = ratesFor(p)[cls]
      const who = p.kind === 'account' ? `key:${p.accessKeyId ?? p.accountId}` : `ip:${clientKey(p.ip)}`
      await shape(`${who}:${cls}`, rate, rate)
    },
    /** Sign-ups per client IP (only reachable when sign-up is open): 10 per hour, burst 5, no queue. */
    checkSignup(ip: string) {
      if (!d.config.rateLimits) return
      const wait = buckets.take(`signup:${clientKey(ip)}`, 10 / 3600, 5, d.now())
      if (wait > 0) throw limited(wait)
    },
    /**
     * Share links (/s/…), per client IP: checked before the token is looked up, so guessing
     * tokens costs the guesser's budget. Queued like S3 requests; 429 beyond the queue.
     */
    async checkShareClient(ip: string): Promise<void> {
      const rate = d.config.shareRates.perIp
      if (!d.config.rateLimits || rate <= 0) return
      await shape(`share-ip:${clientKey(ip)}`, rate, rate)
    },
    /** Share links, per link: a popular link cannot take the whole appliance. */
    async checkShareLink(shareId: string): Promise<void> {
      const rate = d.config.shareRates.perLink
      if (!d.config.rateLimits || rate <= 0) return
      await shape(`share:${shareId}`, rate, rate)
    },
    /** Dashboard API: per account, per minute (queued like S3 requests). */
    async checkDashboard(accountId: string, isAdmin: boolean): Promise<void> {
      if (!d.config.rateLimits) return
      if (isAdmin && d.config.adminRateLimitExempt) return
      const account = d.repos.accounts.byId(accountId)
      const perMinute = account ? planOf(d, account).rates.dashboardPerMinute : d.config.plans[d.config.defaultPlan].rates.dashboardPerMinute
      await shape(`dash:${accountId}`, perMinute / 60, perMinute)
    },
  }
}
export type RateLimitService = ReturnType<typeof rateLimitService>
