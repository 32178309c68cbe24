/**
 * AWS SigV4 URI encoding: every byte except unreserved characters (A-Z a-z 0-9 - . _ ~) is
 * percent-encoded with upper-case hex; '/' is kept when encoding a path.
 */
export function awsUriEncode(input: string, keepSlash: boolean): string {
  // encodeURIComponent leaves exactly A-Z a-z 0-9 - _ . ! ~ * ' ( ) unencoded (and throws on
  // lone surrogates, which a decoded key cannot hold): encode the four AWS does not reserve.
  const encoded = encodeURIComponent(input).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded
}

/**
 * Percent-decodes exactly once. Invalid escapes or invalid UTF-8 return null, so callers can
 * answer with a clean 400 rather than guessing.
 */
export function percentDecode(input: string): string | null {
  if (!input.includes('%')) return input
  try {
    return decodeURIComponent(input)
  } catch {
    return null
  }
}

/** Splits a raw query string into decoded [name, value] pairs, keeping empty values. */
export function parseRawQuery(raw: string): Array<[string, string]> | null {
  if (!raw) return []
  const out: Array<[string, string]> = []
  for (const part of raw.split('&')) {
    if (!part) continue
    const i = part.indexOf('=')
    const rawName = i < 0 ? part : part.slice(0, i)
    const rawValue = i < 0 ? '' : part.slice(i + 1)
    // '+' means space only in form encoding; AWS clients encode spaces as %20, but treat '+' as
    // a literal plus just as S3 does.
    const name = percentDecode(rawName)
    const value = percentDecode(rawValue)
    if (name === null || value === null) return null
    out.push([name, value])
  }
  return out
}
