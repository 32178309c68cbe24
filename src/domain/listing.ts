import { MAX_CHAR, utf8Compare } from './utf8'

/** The CommonPrefix a key rolls up into under `prefix` and `delimiter`, or null (listed itself). */
export function commonPrefixOf(key: string, prefix: string, delimiter: string): string | null {
  if (!delimiter) return null
  const i = key.indexOf(delimiter, prefix.length)
  return i < 0 ? null : key.slice(0, i + delimiter.length)
}

/**
 * A cursor past every key under the common prefix `cp`, and always beyond `key` so a scan makes
 * progress even for a key that itself starts with `cp + MAX_CHAR`.
 */
export const skipPast = (cp: string, key: string) => (utf8Compare(key, cp + MAX_CHAR) >= 0 ? key : cp + MAX_CHAR)
