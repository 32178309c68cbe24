const UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
}

/** Parses "10GiB", "500 MB", "1024" into bytes; null when not a size. */
export function parseSize(input: string | number): number | null {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input >= 0 ? input : null
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input)
  if (!m) return null
  const unit = UNITS[m[2].toLowerCase()]
  if (unit === undefined) return null
  const n = Math.round(Number(m[1]) * unit)
  return Number.isSafeInteger(n) ? n : null
}
