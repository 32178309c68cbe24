import { afterEach, describe, expect, spyOn, test } from 'bun:test'
import crypto from 'node:crypto'
import { checkCsrf, csrfTokenMatches } from '../../src/services/sessions/sessions'
import type { ApiPrincipal } from '../../src/http/api/principal'

const TOKEN = 'Q2xpZW50LXNpZGUgdG9rZW4tMTIzNDU2Nzg5MA'
const session: ApiPrincipal = { accountId: 'acc', isAdmin: false, via: 'session', sessionId: 'sid', csrfToken: TOKEN }
const browserPost = (token?: string) => new Request('http://cs.local/api/buckets', {
  method: 'POST', headers: { host: 'cs.local', origin: 'http://cs.local', 'sec-fetch-site': 'same-origin', ...(token === undefined ? {} : { 'x-csrf-token': token }) },
})

describe('CSRF token comparison', () => {
  let spy: ReturnType<typeof spyOn> | null = null
  afterEach(() => { spy?.mockRestore(); spy = null })

  test('goes through crypto.timingSafeEqual, never a short-circuiting string compare', () => {
    spy = spyOn(crypto, 'timingSafeEqual')
    expect(() => checkCsrf(browserPost(TOKEN), session)).not.toThrow()
    expect(spy).toHaveBeenCalledTimes(1)
    const [a, b] = spy.mock.calls[0] as [Buffer, Buffer]
    expect(Buffer.from(a).toString()).toBe(TOKEN)
    expect(Buffer.from(b).toString()).toBe(TOKEN)
    // A wrong token of the same length is compared in full as well, and refused.
    const wrong = 'X' + TOKEN.slice(1)
    expect(() => checkCsrf(browserPost(wrong), session)).toThrow('CSRF')
    expect(spy).toHaveBeenCalledTimes(2)
  })

  test('matches only the exact token', () => {
    expect(csrfTokenMatches(TOKEN, TOKEN)).toBe(true)
    for (const given of [TOKEN.slice(0, -1), TOKEN + 'x', TOKEN.toLowerCase(), '', 'é'.repeat(TOKEN.length / 2), null]) {
      expect(csrfTokenMatches(given, TOKEN)).toBe(false)
    }
    expect(csrfTokenMatches(TOKEN, undefined)).toBe(false)
    expect(csrfTokenMatches('', '')).toBe(false)
    expect(() => checkCsrf(browserPost(), session)).toThrow()
    expect(() => checkCsrf(browserPost(TOKEN.slice(0, 10)), session)).toThrow()
  })
})
