import type { ReactNode } from 'react'

/** A message: errors are announced at once (role=alert), others politely (role=status). */
export function Notice({ kind = 'info', children }: { kind?: 'error' | 'ok' | 'info' | 'warn'; children: ReactNode }) {
  if (!children) return null
  return <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>{children}</div>
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return <p className="muted" role="status">{what}…</p>
}

/** A loader's state: its error, or "Loading…" on the first load. */
export function LoadState({ loading, error, hasData }: { loading: boolean; error: string | null; hasData: boolean }) {
  if (error) return <Notice kind="error">{error}</Notice>
  if (loading && !hasData) return <Loading />
  return null
}
