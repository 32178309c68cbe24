/** Strips quotes and a weak prefix so ETags compare by value. */
export const normalizeEtag = (s: string) => s.trim().replace(/^W\//, '').replace(/^"|"$/g, '')

/** An If-Match / If-None-Match list ("a", "b" or *) against an ETag. */
export function etagMatches(header: string, etag: string): boolean {
  const want = normalizeEtag(etag)
  return header.split(',').some((h) => {
    const t = h.trim()
    return t === '*' || normalizeEtag(t) === want
  })
}

export type ReadConditionOutcome = 'ok' | 'not-modified' | 'precondition-failed'

/**
 * RFC 7232 evaluation order as S3 applies it: If-Match, then If-Unmodified-Since (ignored when
 * If-Match is present), then If-None-Match (304 on GET/HEAD), then If-Modified-Since (ignored
 * when If-None-Match is present).
 */
export function evaluateReadConditions(h: Headers, etag: string, lastModifiedMs: number, prefix = ''): ReadConditionOutcome {
  const ifMatch = h.get(`${prefix}if-match`)
  const ifUnmod = h.get(`${prefix}if-unmodified-since`)
  const ifNone = h.get(`${prefix}if-none-match`)
  const ifMod = h.get(`${prefix}if-modified-since`)
  const lastModSec = Math.floor(lastModifiedMs / 1000)
  if (ifMatch !== null) {
    if (!etagMatches(ifMatch, etag)) return 'precondition-failed'
  } else if (ifUnmod !== null) {
    const t = Date.parse(ifUnmod)
    if (!Number.isNaN(t) && lastModSec > Math.floor(t / 1000)) return 'precondition-failed'
  }
  if (ifNone !== null) {
    if (etagMatches(ifNone, etag)) return 'not-modified'
  } else if (ifMod !== null) {
    const t = Date.parse(ifMod)
    if (!Number.isNaN(t) && lastModSec <= Math.floor(t / 1000)) return 'not-modified'
  }
  return 'ok'
}
