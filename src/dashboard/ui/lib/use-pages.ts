import { useEffect, useState } from 'react'
import { useLoad } from './use-load'

export interface Page<T> { items: T[]; nextCursor: string | null }

/**
 * A listing read a page at a time (the API's nextCursor): the first page loads with the view, as
 * useLoad does, and `more()` appends the next one when asked; a reload starts over. No polling.
 */
export function usePages<T>(load: (cursor?: string) => Promise<Page<T>>, deps: unknown[]) {
  const first = useLoad(() => load(), deps)
  const [rest, setRest] = useState<{ items: T[]; cursor: string | null } | null>(null)
  // Another listing, or the first page again: the pages after it are stale.
  useEffect(() => setRest(null), [first.data, ...deps])
  const cursor = rest ? rest.cursor : first.data?.nextCursor ?? null
  return {
    items: first.data ? [...first.data.items, ...(rest?.items ?? [])] : [],
    loaded: first.data !== null,
    loading: first.loading,
    error: first.error,
    /** The next page's cursor; null on the last page. */
    cursor,
    async more() {
      if (!cursor) return
      const p = await load(cursor)
      setRest((r) => ({ items: [...(r?.items ?? []), ...p.items], cursor: p.nextCursor }))
    },
    reload: first.reload,
  }
}
