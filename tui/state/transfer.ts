/**
 * An upload or download in progress, as the progress bar shows it. The bytes move in
 * tui/transfer.ts (presigned S3 URLs, streamed); this is the pure state its reports build.
 */

export type TransferRequest =
  | { kind: 'upload'; path: string; bucket: string; key: string }
  | { kind: 'download'; path: string; bucket: string; key: string }

export interface Transfer {
  /** Numbers transfers, so reports of an old one are ignored. */
  id: number
  request: TransferRequest
  status: 'running' | 'done' | 'failed' | 'cancelled'
  /** Bytes in all; null until known (a download learns it from the answer). */
  total: number | null
  done: number
  startedAt: number
  /** When `done` was last reported. */
  at: number
  /** Bytes per second, smoothed. */
  rate: number
  error: string | null
}

export type TransferAction =
  | { type: 'transfer/start'; request: TransferRequest; at: number }
  | { type: 'transfer/progress'; id: number; done: number; total: number | null; at: number }
  | { type: 'transfer/finished'; id: number; at: number }
  | { type: 'transfer/failed'; id: number; error: string; at: number }
  | { type: 'transfer/cancel' }
  | { type: 'transfer/dismiss' }

/** How much of the newest rate sample counts: smooth enough to read, quick enough to follow. */
const SMOOTHING = 0.3

export function progress(t: Transfer, done: number, total: number | null, at: number): Transfer {
  const dt = (at - t.at) / 1000
  const sample = dt > 0 ? (done - t.done) / dt : t.rate
  const rate = t.rate === 0 ? sample : t.rate + SMOOTHING * (sample - t.rate)
  return { ...t, done, total: total ?? t.total, at, rate: Math.max(0, rate) }
}

/** Seconds left at the current rate; null when it cannot be said. */
export function etaSeconds(t: Transfer): number | null {
  if (t.total === null || t.rate <= 0) return null
  return Math.max(0, (t.total - t.done) / t.rate)
}

export function fraction(t: Transfer): number | null {
  if (t.total === null) return null
  if (t.total === 0) return 1
  return Math.min(1, t.done / t.total)
}
