import { AppError } from '../errors/app-error'

const FREE_FAILURES = 10
const MAX_DELAY_MS = 15 * 60_000

/**
 * Login throttling per account and per client IP: after 10 consecutive failures each further
 * attempt must wait an exponentially growing delay (2 s, 4 s, … up to 15 min), answered 429
 * with Retry-After. Throttling rather than lockout, so an attacker cannot lock a user out for
 * long. A success clears the account's counter.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; until: number; at: number }>()

  check(keys: string[], now: number) {
    for (const k of keys) {
      const f = this.failures.get(k)
      if (f && f.until > now) {
        throw new AppError('TooManyRequests', { message: 'Too many failed logins; wait before trying again.', headers: { 'retry-after': String(Math.ceil((f.until - now) / 1000)) } })
      }
    }
  }

  fail(keys: string[], now: number) {
    for (const k of keys) {
      const f = this.failures.get(k) ?? { count: 0, until: 0, at: now }
      f.count++
      f.at = now
      if (f.count >= FREE_FAILURES) f.until = now + Math.min(MAX_DELAY_MS, 2000 * 2 ** (f.count - FREE_FAILURES))
      this.failures.set(k, f)
    }
    if (this.failures.size > 100_000) this.sweep(now)
  }

  succeed(key: string) {
    this.failures.delete(key)
  }

  private sweep(now: number) {
    for (const [k, f] of this.failures) if (now - f.at > MAX_DELAY_MS * 2) this.failures.delete(k)
  }
}
