/** Requests per minute as bars, errors stacked in another colour; the numbers are in the label. */
export function Sparkline({ label, points }: { label: string; points: Array<{ requests: number; errors: number }> }) {
  const max = Math.max(1, ...points.map((p) => p.requests))
  const w = 4
  const h = 40
  return (
    <>
    <svg className="spark" viewBox={`0 0 ${points.length * w} ${h}`} preserveAspectRatio="none" role="img" aria-label={label}>
      {points.map((p, i) => {
        const total = (p.requests / max) * h
        const err = (p.errors / max) * h
        return (
          <g key={i}>
            <rect x={i * w} y={h - total} width={w - 1} height={total} className="spark-ok" />
            {err > 0 ? <rect x={i * w} y={h - err} width={w - 1} height={err} className="spark-err" /> : null}
          </g>
        )
      })}
    </svg>
    <div className="spark-axis" aria-hidden="true"><span>{points.length} min ago</span><span>now</span></div>
    </>
  )
}
