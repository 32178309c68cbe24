/**
 * Structural equality for JSON-shaped API data. The reducer keeps the previous object when a
 * poll returns the same values, so memoized components skip re-rendering.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false
    if (!jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false
  }
  return true
}

type IdObject = { id: unknown }
const hasId = (v: unknown): v is IdObject => typeof v === 'object' && v !== null && !Array.isArray(v) && 'id' in v

/**
 * `next`, reusing every part of `prev` that is structurally equal: the whole of `prev` when
 * nothing changed, else a new container whose unchanged members keep their old identity. Array
 * members with an `id` are matched by it, so one new row does not make every row after it new.
 */
export function shareEqual<T>(prev: unknown, next: T): T {
  if (jsonEqual(prev, next)) return prev as T
  if (typeof prev !== 'object' || typeof next !== 'object' || prev === null || next === null) return next
  if (Array.isArray(next)) {
    if (!Array.isArray(prev)) return next
    const byId = new Map<unknown, unknown>()
    for (const p of prev) if (hasId(p)) byId.set(p.id, p)
    return next.map((n, i) => shareEqual(hasId(n) ? byId.get(n.id) : prev[i], n)) as T
  }
  if (Array.isArray(prev)) return next
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(next)) out[k] = shareEqual((prev as Record<string, unknown>)[k], v)
  return out as T
}
