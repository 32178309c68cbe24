import { useCallback, useEffect, useRef, useState } from 'react'
import { messageOf } from '../api'

export interface Loaded<T> {
  data: T | null
  error: string | null
  loading: boolean
  /** Loads again (after an action changed what is shown); resolves when done. */
  reload: () => Promise<void>
  /** Replaces the data without a request (an action's answer already says what changed). */
  set: (f: (d: T) => T) => void
}

/**
 * Loads once per change of `deps`, and again only on `reload()`: the dashboard API allows 30
 * requests a minute, so pages never poll; they refresh after an action.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const seq = useRef(0)
  const run = useCallback(async () => {
    const mine = ++seq.current
    setLoading(true)
    try {
      const d = await load()
      if (mine === seq.current) { setData(d); setError(null) }
    } catch (e) {
      if (mine === seq.current) setError(messageOf(e))
    } finally {
      if (mine === seq.current) setLoading(false)
    }
  }, deps)
  useEffect(() => { void run() }, [run])
  const set = useCallback((f: (d: T) => T) => setData((d) => (d === null ? d : f(d))), [])
  return { data, error, loading, reload: run, set }
}
