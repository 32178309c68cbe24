/**
 * Unit tests of the limit primitives with an injected clock: the token bucket (burst, refill,
 * the wait reported for Retry-After), the request classes of the public rate-limit table, the
 * anonymous client key (IPv6 per /64) and the quota ledger's reservations.
 */
import { describe, expect, test } from 'bun:test'
import { TokenBuckets } from '../../src/limits/token-bucket'
import { QuotaLedger } from '../../src/limits/quota'
import { clientKey, rateClassOf } from '../../src/services/usage/rate-limits'
import { AppError } from '../../src/errors/app-error'

describe('TokenBuckets', () => {
  test('a full burst passes at once, the next waits for one token; the wait is what Retry-After rounds up', () => {
    const b = new TokenBuckets()
    const t0 = 1_000_000
    for (let i = 0; i < 5; i++) expect(b.take('k', 5, 5, t0)).toBe(0)
    expect(b.take('k', 5, 5, t0)).toBeCloseTo(0.2, 10)
    expect(b.take('k', 5, 5, t0 + 100)).toBeCloseTo(0.1, 10)
    expect(b.take('k', 5, 5, t0 + 200)).toBe(0)
    expect(b.take('k', 5, 5, t0 + 200)).toBeCloseTo(0.2, 10)
  })

  test('refill never exceeds the burst; keys are independent', () => {
    const b = new TokenBuckets()
    for (let i = 0; i < 3; i++) expect(b.take('a', 3, 3, 0)).toBe(0)
    expect(b.take('a', 3, 3, 0)).toBeGreaterThan(0)
    expect(b.take('b', 3, 3, 0)).toBe(0)
    // An hour idle refills to the burst, not beyond.
    const later = 3_600_000
    for (let i = 0; i < 3; i++) expect(b.take('a', 3, 3, later)).toBe(0)
    expect(b.take('a', 3, 3, later)).toBeGreaterThan(0)
  })

  test('per-minute budgets: 30 per minute refills one token every 2 s', () => {
    const b = new TokenBuckets()
    for (let i = 0; i < 30; i++) expect(b.take('d', 0.5, 30, 0)).toBe(0)
    expect(b.take('d', 0.5, 30, 0)).toBeCloseTo(2, 10)
    expect(b.take('d', 0.5, 30, 1999)).toBeGreaterThan(0)
    expect(b.take('d', 0.5, 30, 2000)).toBe(0)
  })

  test('50 requests against a limit of 10 at one instant: exactly 10 accepted (R9)', () => {
    const b = new TokenBuckets()
    expect(Array.from({ length: 50 }, () => b.take('x', 10, 10, 42)).filter((w) => w === 0).length).toBe(10)
  })
})

describe('TokenBuckets.admit: a short queue before refusing', () => {
  const Q = { maxQueue: 4, maxWaitSeconds: 10 }

  test('over the burst, requests borrow future tokens and wait in arrival order, one per 1/rate; the queue full, they are refused with the wait behind it', () => {
    const b = new TokenBuckets()
    const t0 = 5_000
    for (let i = 0; i < 10; i++) expect(b.admit('k', 10, 10, t0, Q)).toEqual({ wait: 0 })
    const waits = Array.from({ length: 4 }, () => b.admit('k', 10, 10, t0, Q))
    expect(waits.map((w) => ('wait' in w ? Number(w.wait.toFixed(9)) : null))).toEqual([0.1, 0.2, 0.3, 0.4])
    // The fifth over the rate finds the queue full: refused, told how long its turn would be.
    const refused = b.admit('k', 10, 10, t0, Q)
    expect('retryAfter' in refused && Number(refused.retryAfter.toFixed(9))).toBe(0.5)
    // 100 ms later the first waiter has its token: one place is free again, at the back.
    const later = b.admit('k', 10, 10, t0 + 100, Q)
    expect('wait' in later && Number(later.wait.toFixed(9))).toBe(0.4)
    expect('retryAfter' in b.admit('k', 10, 10, t0 + 100, Q)).toBe(true)
    // Once the queue has drained and the bucket refilled, the burst is back.
    for (let i = 0; i < 10; i++) expect(b.admit('k', 10, 10, t0 + 100 + 1500, Q)).toEqual({ wait: 0 })
  })

  test('a wait longer than maxWaitSeconds is refused even with room in the queue (slow budgets such as 30/min)', () => {
    const b = new TokenBuckets()
    for (let i = 0; i < 30; i++) expect(b.admit('d', 0.5, 30, 0, { maxQueue: 16, maxWaitSeconds: 5 })).toEqual({ wait: 0 })
    expect(b.admit('d', 0.5, 30, 0, { maxQueue: 16, maxWaitSeconds: 5 })).toEqual({ wait: 2 })
    expect(b.admit('d', 0.5, 30, 0, { maxQueue: 16, maxWaitSeconds: 5 })).toEqual({ wait: 4 })
    expect(b.admit('d', 0.5, 30, 0, { maxQueue: 16, maxWaitSeconds: 5 })).toEqual({ retryAfter: 6 })
  })

  test('without a queue admit() is take(): refused at once, nothing borrowed', () => {
    const b = new TokenBuckets()
    expect(b.admit('n', 2, 2, 0)).toEqual({ wait: 0 })
    expect(b.admit('n', 2, 2, 0)).toEqual({ wait: 0 })
    expect(b.admit('n', 2, 2, 0)).toEqual({ retryAfter: 0.5 })
    expect(b.admit('n', 2, 2, 500)).toEqual({ wait: 0 })
  })
})

describe('rate classes (the public table)', () => {
  test.each([
    ['PutObject', 'PUT', 'write'], ['CopyObject', 'PUT', 'write'], ['UploadPart', 'PUT', 'write'], ['CreateMultipartUpload', 'POST', 'write'],
    ['CompleteMultipartUpload', 'POST', 'write'], ['DeleteObject', 'DELETE', 'write'], ['DeleteObjects', 'POST', 'write'], ['CreateBucket', 'PUT', 'write'],
    ['GetObject', 'GET', 'read'], ['HeadObject', 'HEAD', 'read'], ['HeadBucket', 'HEAD', 'read'], ['GetFile', 'GET', 'read'],
    ['ListObjectsV2', 'GET', 'list'], ['ListObjects', 'GET', 'list'], ['ListBuckets', 'GET', 'list'], ['ListObjectVersions', 'GET', 'list'],
    ['ListMultipartUploads', 'GET', 'list'], ['ListParts', 'GET', 'list'], ['ListFiles', 'GET', 'list'], ['UploadFile', 'POST', 'write'],
  ])('%s (%s) → %s', (op, method, cls) => {
    expect(rateClassOf(op, method)).toBe(cls as 'read' | 'write' | 'list')
  })
})

describe('anonymous client key', () => {
  test('IPv4 (and IPv4-mapped IPv6) per address', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9')
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9')
    expect(clientKey('::FFFF:203.0.113.9')).toBe('203.0.113.9')
  })

  test('IPv6 per /64: addresses of one /64 share a budget, neighbouring /64s do not', () => {
    expect(clientKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64')
    expect(clientKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64')
    expect(clientKey('2001:0db8:0001:0002:0:0:0:ffff')).toBe('2001:db8:1:2::/64')
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'))
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64')
    expect(clientKey('::1')).toBe('0:0:0:0::/64')
    expect(clientKey('unknown')).toBe('unknown')
  })
})

describe('QuotaLedger', () => {
  const code = (f: () => unknown) => { try { f(); return null } catch (e) { return (e as AppError).code } }

  test('reservations add up against the quota; release frees them exactly once', () => {
    const l = new QuotaLedger()
    const r1 = l.reserve('a', 600, 300, 1000)
    expect(l.inFlight('a')).toBe(600)
    expect(code(() => l.reserve('a', 101, 300, 1000))).toBe('QuotaExceeded')
    const r2 = l.reserve('a', 100, 300, 1000)
    expect(l.inFlight('a')).toBe(700)
    expect(l.remaining('a', 300, 1000)).toBe(0)
    expect(l.remaining('a', 300, 1000, 100)).toBe(100)
    r1()
    r1()
    expect(l.inFlight('a')).toBe(100)
    r2()
    expect(l.inFlight('a')).toBe(0)
    expect(l.inFlight('b')).toBe(0)
  })

  test('a zero-byte reservation (unknown length) always passes; a full account refuses any growth', () => {
    const l = new QuotaLedger()
    expect(code(() => l.reserve('a', 0, 1000, 1000))).toBeNull()
    expect(code(() => l.reserve('a', 1, 1000, 1000))).toBe('QuotaExceeded')
    expect(l.remaining('a', 1200, 1000)).toBe(0)
  })
})
