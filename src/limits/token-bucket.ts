/**
 * Token buckets keyed by principal and class: `rate` tokens per second, bursting up to `burst`.
 * Idle buckets are evicted so memory stays bounded by active clients.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  private lastSweep = 0

  /** Takes one token; returns 0 when allowed, else seconds until one is available. */
  take(key: string, rate: number, burst: number, now: number): number {
    if (rate <= 0) return 0
    let b = this.buckets.get(key)
    if (!b) {
      b = { tokens: burst, at: now }
      this.buckets.set(key, b)
    } else {
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate)
      b.at = now
    }
    if (now - this.lastSweep > 60_000) this.sweep(now)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return (1 - b.tokens) / rate
  }

  private sweep(now: number) {
    this.lastSweep = now
    for (const [k, b] of this.buckets) if (now - b.at > 120_000) this.buckets.delete(k)
  }
}
