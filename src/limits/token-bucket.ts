/** How many requests over the rate may wait for their token instead of being refused. */
export interface QueueLimits {
  /** Requests of one bucket waiting at once (this one included). */
  maxQueue: number
  /** The longest a request may wait, in seconds. */
  maxWaitSeconds: number
}

/** Admitted after `wait` seconds (0: at once), or refused: `retryAfter` is its wait behind the queue. */
export type Admission = { wait: number } | { retryAfter: number }

const NO_QUEUE: QueueLimits = { maxQueue: 0, maxWaitSeconds: 0 }

/**
 * Token buckets keyed by principal and class: `rate` tokens per second, bursting up to `burst`.
 * A request over the rate may borrow its token from the future (the count goes negative) and
 * wait until it has accrued: requests leave the queue exactly at the rate, in arrival order, and
 * the queue's length is the deficit rounded up, so it needs no bookkeeping of its own. A request
 * is refused only when the queue is full or its wait too long. Idle buckets are evicted so memory
 * stays bounded by active clients. The clock is the caller's (`now`, ms), so tests inject theirs.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  private lastSweep = 0

  /** Admits one request: at once, after a wait (when `queue` allows one), or refused. */
  admit(key: string, rate: number, burst: number, now: number, queue: QueueLimits = NO_QUEUE): Admission {
    if (rate <= 0) return { wait: 0 }
    let b = this.buckets.get(key)
    if (!b) {
      b = { tokens: burst, at: now }
      this.buckets.set(key, b)
    } else {
      b.tokens = Math.min(burst, b.tokens + ((Math.max(now, b.at) - b.at) / 1000) * rate)
      b.at = Math.max(now, b.at)
    }
    if (now - this.lastSweep > 60_000) this.sweep(now)
    const after = b.tokens - 1
    if (after >= 0) {
      b.tokens = after
      return { wait: 0 }
    }
    const wait = -after / rate
    if (Math.ceil(-after - 1e-9) <= queue.maxQueue && wait <= queue.maxWaitSeconds) {
      b.tokens = after
      return { wait }
    }
    return { retryAfter: wait }
  }

  /** Takes one token without queueing; returns 0 when allowed, else seconds until one is available. */
  take(key: string, rate: number, burst: number, now: number): number {
    const r = this.admit(key, rate, burst, now)
    return 'retryAfter' in r ? r.retryAfter : 0
  }

  private sweep(now: number) {
    this.lastSweep = now
    for (const [k, b] of this.buckets) if (now - b.at > 120_000) this.buckets.delete(k)
  }
}
