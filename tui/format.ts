const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']

/** Binary units, matching how quotas are written in config (`10GiB`). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?'
  if (n < 1024) return `${n} B`
  let v = n
  let i = 0
  while (v >= 1024 && i < UNITS.length - 1) { v /= 1024; i++ }
  // Three significant digits keep the column width stable as values grow.
  const text = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)
  return `${text} ${UNITS[i]}`
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
