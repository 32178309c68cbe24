/**
 * Hash routes (`#/files/bucket/some/prefix/`): the server serves one page at `/`, and every
 * view is a link that can be bookmarked, opened in a new tab and navigated with Back.
 */
import { useEffect, useState } from 'react'

/** The route's segments, decoded: `#/files/b/a%2Fb` → ['files', 'b', 'a/b']. */
function parseHash(hash: string): string[] {
  const path = hash.replace(/^#\/?/, '').split('?')[0]
  if (!path) return []
  return path.split('/').map((s) => {
    try { return decodeURIComponent(s) } catch { return s }
  })
}

/** A link target from segments, each encoded (a key's slashes too, unless `rest` keeps them). */
export function href(...parts: string[]): string {
  return '#/' + parts.map(encodeURIComponent).join('/')
}

export function go(to: string) {
  if (location.hash !== to) location.hash = to
}

export function useRoute(): string[] {
  const [route, setRoute] = useState(() => parseHash(location.hash))
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash))
    addEventListener('hashchange', on)
    return () => removeEventListener('hashchange', on)
  }, [])
  return route
}
