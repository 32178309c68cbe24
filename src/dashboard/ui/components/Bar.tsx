import { bytes, percent } from '../lib/format'

/** A usage bar: `used` of `total` bytes, with the numbers in text (not only in the bar). */
export function UsageBar({ label, used, total }: { label: string; used: number; total: number }) {
  const p = percent(used, total)
  const level = p >= 95 ? 'bar-full' : p >= 80 ? 'bar-warn' : ''
  const text = `${bytes(used)} of ${bytes(total)} (${p.toFixed(p < 10 ? 1 : 0)}%)`
  return (
    <div className="usage">
      <div className="usage-head"><span>{label}</span><span>{text}</span></div>
      <div className={`bar ${level}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(p)} aria-valuetext={text}>
        <span style={{ width: `${p}%` }} />
      </div>
    </div>
  )
}
