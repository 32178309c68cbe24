/**
 * The account's buckets, shared by every page that picks one (files, Time Machine, shares):
 * read once, refreshed after a bucket is created, changed or deleted, never polled.
 */
import { useEffect, useSyncExternalStore } from 'react'
import { call, client, messageOf, type Bucket } from '../api'

interface State { buckets: Bucket[] | null; error: string | null; loading: boolean }
let state: State = { buckets: null, error: null, loading: false }
const subscribers = new Set<() => void>()
const set = (s: State) => { state = s; for (const f of subscribers) f() }

export async function refreshBuckets(): Promise<void> {
  set({ ...state, loading: true })
  try {
    set({ buckets: (await call(client.api.buckets.get())).buckets, error: null, loading: false })
  } catch (e) {
    set({ ...state, error: messageOf(e), loading: false })
  }
}

/** Forget them (another account may log in next). */
export function resetBuckets() {
  set({ buckets: null, error: null, loading: false })
}

export function useBuckets(): State {
  const s = useSyncExternalStore((f) => { subscribers.add(f); return () => subscribers.delete(f) }, () => state)
  useEffect(() => { if (!state.buckets && !state.loading && !state.error) void refreshBuckets() }, [])
  return s
}
