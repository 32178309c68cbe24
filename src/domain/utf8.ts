/** Compares strings by their UTF-8 bytes (S3's listing order), not by UTF-16 code units. */
export function utf8Compare(a: string, b: string): number {
  if (a === b) return 0
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/** The greatest code point: `p + MAX_CHAR` sorts after every key starting with p (bar p + MAX_CHAR…). */
export const MAX_CHAR = '\u{10FFFF}'

export const utf8Max = (a: string, b: string) => (utf8Compare(a, b) >= 0 ? a : b)
