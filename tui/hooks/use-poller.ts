import { useEffect, useRef } from 'react'
import { createPoller, type Poller } from '../state/poller'

/**
 * Polls while mounted; restarts when `deps` change (e.g. another screen needs other data).
 * Returns a stable function that refreshes at once.
 */
export function usePoller(task: (signal: AbortSignal) => Promise<void>, intervalMs: number, deps: unknown[]): () => void {
  const poller = useRef<Poller | null>(null)
  const refresh = useRef(() => poller.current?.refreshNow())
  useEffect(() => {
    const p = createPoller(task, intervalMs)
    poller.current = p
    p.start()
    return () => { p.stop(); if (poller.current === p) poller.current = null }
    // The task is rebuilt every render; `deps` says when it actually changes.
  }, [intervalMs, ...deps])
  return refresh.current
}
