import type { Db } from './client'

/**
 * A read-through cache for per-request lookups (access keys, buckets, object heads). Every entry
 * is dropped as soon as the database generation moves (any commit here or in another process),
 * so a cached answer is always one the database would give now; inside a transaction it is
 * bypassed. It pays off on read-heavy traffic, where a GET otherwise costs five queries.
 */
export class ReadCache<T> {
  private generation = -1
  private readonly entries = new Map<string, T>()

  constructor(private readonly db: Db, private readonly max = 10_000) {}

  get(key: string, load: () => T): T {
    if (this.db.inTransaction()) return load()
    const g = this.db.generation()
    if (g !== this.generation) {
      this.entries.clear()
      this.generation = g
    }
    const hit = this.entries.get(key)
    if (hit !== undefined) return hit
    const value = load()
    if (this.entries.size >= this.max) this.entries.clear()
    this.entries.set(key, value)
    return value
  }
}
