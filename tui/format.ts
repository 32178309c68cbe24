const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']

/**
 * Bytes in binary units, matching how quotas are written in config (`10GiB`). `long`: three
 * significant digits and the unit (`1.50 KiB`, `150 GiB`), so a value's width stays stable as it
 * grows. `short`: at most five characters (`1.50G`, `150G`, `1023B`), as `df -h` writes them, so
 * a table column of sizes fits an 80-column terminal.
 */
export function formatBytes(n: number, style: 'long' | 'short' = 'long'): string {
  if (!Number.isFinite(n) || n < 0) return '?'
  const short = style === 'short'
  if (n < 1024) return short ? `${n}B` : `${n} B`
  let v = n
  let i = 0
  while (v >= 1024 && i < UNITS.length - 1) { v /= 1024; i++ }
  // Rounding can carry into a fourth digit (1023.9 → "1024"); the short form shows the next unit.
  if (short && v >= 999.5 && i < UNITS.length - 1) { v /= 1024; i++ }
  const text = short
    ? (v >= 99.95 ? v.toFixed(0) : v >= 9.995 ? v.toFixed(1) : v.toFixed(2))
    : (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2))
  return short ? `${text}${UNITS[i][0]}` : `${text} ${UNITS[i]}`
}

/** Two most significant units (`3d 4h`, `12m 5s`): precise enough, and changes rarely once large. */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) return '?'
  const s = Math.floor(totalSeconds)
  const parts: Array<[number, string]> = [[Math.floor(s / 86400), 'd'], [Math.floor(s / 3600) % 24, 'h'], [Math.floor(s / 60) % 60, 'm'], [s % 60, 's']]
  const first = parts.findIndex(([v]) => v > 0)
  if (first < 0) return '0s'
  return parts.slice(first, first + 2).filter(([v], i) => i === 0 || v > 0).map(([v, u]) => `${v}${u}`).join(' ')
}

const countFormat = new Intl.NumberFormat('en-US')

export function formatCount(n: number): string {
  return Number.isFinite(n) ? countFormat.format(n) : '?'
}

/** Local wall-clock time, HH:MM:SS. */
export function formatClock(ms: number): string {
  const d = new Date(ms)
  const pad = (v: number) => String(v).padStart(2, '0')
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** How stored bytes compare with logical ones: dedup/compression saves, versions and overhead add. */
export function formatRatio(stored: number, logical: number): string {
  if (logical <= 0) return stored > 0 ? 'n/a' : '—'
  const pct = Math.round((stored / logical) * 100)
  return `${pct}% of logical`
}

/** Whole percent of the quota used; above 100 when over quota, '—' when there is no quota. */
export function formatPercent(used: number, quota: number): string {
  if (!Number.isFinite(used) || !Number.isFinite(quota) || quota <= 0) return '—'
  return `${Math.floor((used / quota) * 100)}%`
}

/** The calendar day of an ISO timestamp (UTC, as the server stores it): `2025-01-31`. */
export function formatDay(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}/.exec(iso)?.[0] ?? '?'
}

/** Compact counts for a narrow column: `999`, `12,345`, `123k`, `1.2M`. */
export function formatCountShort(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?'
  if (n < 100_000) return countFormat.format(n)
  if (n < 1_000_000) return `${Math.floor(n / 1000)}k`
  const m = n / 1_000_000
  return m < 10 ? `${(Math.floor(m * 10) / 10).toFixed(1)}M` : `${Math.floor(m)}M`
}

/** Exactly `width` columns: cut with an ellipsis, or padded. */
export function fitText(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return ''
  const chars = [...text]
  if (chars.length > width) return chars.slice(0, Math.max(0, width - 1)).join('') + '…'
  return align === 'left' ? text.padEnd(width) : text.padStart(width)
}

/** An ISO time as `2025-01-31 14:02` (UTC, as the server stores it); '—' for none. */
export function formatWhen(iso: string | null | undefined): string {
  if (!iso) return '—'
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso)
  return m ? `${m[1]} ${m[2]}` : '?'
}

/** An ISO time to the second, as panels and confirmations write it: `2025-01-31 14:02:09` (UTC); '—' for none. */
export function formatSeconds(iso: string | null): string {
  return iso ? iso.slice(0, 19).replace('T', ' ') : '—'
}

/** Bytes per second, short: `12.5M/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond), 'short')}/s`
}
