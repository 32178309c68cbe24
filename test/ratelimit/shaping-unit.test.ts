/**
 * The rate-limit service's shaping, on an injected clock: closed-loop clients (a fixed number of
 * requests in flight, as the AWS CLI runs them) are slowed to the rate and never refused; an
 * open-loop flood still gets 429 with Retry-After; waiters across all keys are capped so
 * requests within their budget always find an in-flight slot. No real time passes: `sleep`
 * parks the caller on a virtual timer that the test's scheduler fires in order.
 */
import { describe, expect, test } from 'bun:test'
import { rateLimitService, RATE_QUEUE } from '../../src/services/usage/rate-limits'
import { AppError } from '../../src/errors/app-error'
import type { Deps, Principal } from '../../src/services/deps'

/** A virtual clock with timers: run() fires them in time order until none is left. */
function virtualTime() {
  let now = 1_000_000
  const timers: Array<{ at: number; seq: number; fire: () => void }> = []
  let seq = 0
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((resolve) => { timers.push({ at: now + ms, seq: seq++, fire: resolve }) }),
    /** Settles every ready promise (a macrotask turn), then fires the earliest timer; until `work` is done. */
    async run<T>(work: Promise<T>): Promise<T> {
      let settled = false
      void work.then(() => (settled = true), () => (settled = true))
      for (;;) {
        await new Promise((r) => setImmediate(r))
        if (settled) return work
        if (timers.length === 0) throw new Error('stuck: work pending with no timer to fire')
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
        const t = timers.shift()!
        now = Math.max(now, t.at)
        t.fire()
      }
    },
    /** Settles every ready promise without moving the clock. */
    settle: () => new Promise((r) => setImmediate(r)),
  }
}

const RATES = { write: 100, read: 300, list: 50, dashboardPerMinute: 30 }

function service(clock: ReturnType<typeof virtualTime>, opts: { maxWaiters?: number } = {}) {
  const d = {
    config: { rateLimits: true, adminRateLimitExempt: false, maxInflight: 512, defaultPlan: 'default', plans: { default: { name: 'default', rates: RATES } } },
    repos: { accounts: { byId: () => undefined } },
    now: clock.now,
  } as unknown as Deps
  return rateLimitService(d, { sleep: clock.sleep, ...opts })
}

const key = (id: string): Principal => ({ kind: 'account', accountId: 'acct', isAdmin: false, accessKeyId: id })
const refusal = (e: unknown) => (e instanceof AppError ? { code: e.code, retryAfter: e.headers?.['retry-after'] } : { code: String(e), retryAfter: undefined })

describe('closed-loop clients are slowed to the rate, never refused', () => {
  for (const inFlight of [1, 4, 10, RATE_QUEUE.maxQueue]) {
    test(`${inFlight} requests in flight, 3,000 DeleteObject calls at 100/s: 0 refused, throughput = the rate`, async () => {
      const clock = virtualTime()
      const rl = service(clock)
      const t0 = clock.now()
      let done = 0
      const refused: unknown[] = []
      let maxWaiting = 0
      const worker = async (n: number) => {
        for (let i = 0; i < n; i++) {
          try {
            await rl.checkS3(key('AKCLOSED'), 'DeleteObject', 'DELETE')
            done++
          } catch (e) {
            refused.push(refusal(e))
          }
          maxWaiting = Math.max(maxWaiting, rl.waiting)
        }
      }
      const total = 3000
      await clock.run(Promise.all(Array.from({ length: inFlight }, (_, w) => worker(Math.floor(total / inFlight) + (w < total % inFlight ? 1 : 0)))))
      expect(refused).toEqual([])
      expect(done).toBe(total)
      expect(maxWaiting).toBeLessThanOrEqual(inFlight)
      // The first second's burst (100) is free; the rest leaves at exactly 100/s.
      const seconds = (clock.now() - t0) / 1000
      expect(seconds).toBeCloseTo((total - RATES.write) / RATES.write, 6)
      console.log(`shaping (virtual clock): ${inFlight} in flight → ${(total / seconds).toFixed(1)} requests/s over ${seconds.toFixed(2)} s, 0 refused`)
    })
  }
})

test('an open-loop flood of 2,000 at once: the burst passes, the queue waits, the rest is 429 with Retry-After', async () => {
  const clock = virtualTime()
  const rl = service(clock)
  const outcomes = Array.from({ length: 2000 }, () => rl.checkS3(key('AKFLOOD'), 'PutObject', 'PUT').then(() => 'ok', refusal))
  // Everything the flood gets at once, before any virtual time passes.
  await clock.settle()
  expect(rl.waiting).toBe(RATE_QUEUE.maxQueue)
  const results = await clock.run(Promise.all(outcomes))
  const ok = results.filter((r) => r === 'ok').length
  expect(ok).toBe(RATES.write + RATE_QUEUE.maxQueue)
  const refusals = results.filter((r) => r !== 'ok') as Array<{ code: string; retryAfter: string }>
  expect(refusals.length).toBe(2000 - ok)
  // Each refused request is told its wait behind the queue: 17/100 s, rounded up to 1 s.
  expect(new Set(refusals.map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify({ code: 'TooManyRequests', retryAfter: '1' })]))
})

test('waiters across all keys are capped: a flooding key cannot hold the in-flight slots others need', async () => {
  const clock = virtualTime()
  const rl = service(clock, { maxWaiters: 5 })
  const flood = Array.from({ length: 400 }, (_, i) => rl.checkS3(key(i % 2 ? 'AKONE' : 'AKTWO'), 'PutObject', 'PUT').then(() => 'ok', refusal))
  await clock.settle()
  expect(rl.waiting).toBe(5)
  // Another key within its budget goes through at once.
  let calm = 'pending'
  void rl.checkS3(key('AKCALM'), 'GetObject', 'GET').then(() => (calm = 'ok'))
  await clock.settle()
  expect(calm).toBe('ok')
  expect((await clock.run(Promise.all(flood))).filter((r) => r === 'ok').length).toBe(2 * RATES.write + 5)
})

test('the dashboard budget (30/min) queues only what fits in the wait limit', async () => {
  const clock = virtualTime()
  const rl = service(clock)
  const results = await clock.run(Promise.all(Array.from({ length: 40 }, () => rl.checkDashboard('acct', false).then(() => 'ok', refusal))))
  // 30 at once, then one token every 2 s for as long as a wait stays within 10 s: 5 more.
  expect(results.filter((r) => r === 'ok').length).toBe(35)
  for (const r of results.filter((x) => x !== 'ok') as Array<{ code: string; retryAfter: string }>) {
    expect(r.code).toBe('TooManyRequests')
    expect(Number(r.retryAfter)).toBe(12)
  }
})
