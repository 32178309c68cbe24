import React, { memo } from 'react'
import { Text } from 'ink'
import { formatBytes, formatDuration, formatRate } from '../format'
import { etaSeconds, fraction, type Transfer } from '../state/transfer'

/** `[#####.....]` of `width` cells; without a known total, an empty bar. */
export function bar(f: number | null, width: number): string {
  if (width <= 0) return ''
  const filled = f === null ? 0 : Math.round(f * width)
  return '█'.repeat(filled) + '░'.repeat(width - filled)
}

/** One line: direction, name, bar, bytes, rate, ETA (or the outcome once over). */
export const TransferBar = memo(function TransferBar({ t, width }: { t: Transfer; width: number }) {
  const r = t.request
  const arrow = r.kind === 'upload' ? '↑' : '↓'
  const name = r.kind === 'upload' ? `${r.path} → ${r.bucket}/${r.key}` : `${r.bucket}/${r.key} → ${r.path}`
  const f = fraction(t)
  const bytes = `${formatBytes(t.done)}${t.total !== null ? ` / ${formatBytes(t.total)}` : ''}`
  if (t.status === 'done') {
    const secs = Math.max(0.001, (t.at - t.startedAt) / 1000)
    return <Text color="green" wrap="truncate-end">✔ {r.kind === 'upload' ? 'uploaded' : 'downloaded'} {name} · {bytes} in {secs < 10 ? `${secs.toFixed(1)}s` : formatDuration(secs)} ({formatRate(t.done / secs)})<Text dimColor> · X hides</Text></Text>
  }
  if (t.status === 'failed') return <Text color="red" wrap="truncate-end">✖ {r.kind} failed: {t.error} · {name}<Text dimColor> · X hides</Text></Text>
  if (t.status === 'cancelled') return <Text color="yellow" wrap="truncate-end">⚠ {r.kind} cancelled: {name}<Text dimColor> · X hides</Text></Text>
  const eta = etaSeconds(t)
  const pct = f === null ? '  ?%' : `${Math.floor(f * 100)}%`.padStart(4)
  const tail = ` ${pct} ${bytes} · ${t.rate > 0 ? formatRate(t.rate) : '…'} · ETA ${eta === null ? '?' : formatDuration(Math.ceil(eta))} · X cancels`
  const barWidth = Math.max(10, Math.min(30, width - tail.length - 30))
  return (
    <Text wrap="truncate-end">
      <Text color="cyan" bold>{arrow} </Text>
      <Text color="cyan">{bar(f, barWidth)}</Text>
      {tail} <Text dimColor>{name}</Text>
    </Text>
  )
})
