import { Database } from 'bun:sqlite'
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import * as schema from './schema'

export type Drizzle = BunSQLiteDatabase<typeof schema>

/** A transaction callback must be synchronous: an async one would commit at its first await. */
type NotPromise<T> = T extends PromiseLike<unknown> ? never : T

export interface Db {
  sqlite: Database
  orm: Drizzle
  /** Runs fn in one BEGIN IMMEDIATE transaction (or inline when already inside one). */
  tx<T>(fn: () => NotPromise<T>): T
  /** Queues fn to run after the outermost transaction commits; runs now when none is open. */
  afterCommit(fn: () => void): void
  close(): void
}

/** Opens the database with the durability settings the appliance promises. */
export function openDatabase(path: string): Db {
  const sqlite = new Database(path, { create: true, strict: true })
  // WAL + FULL: each commit fsyncs the WAL, so an acknowledged write survives power loss.
  sqlite.run('PRAGMA busy_timeout = 10000')
  sqlite.run('PRAGMA journal_mode = WAL')
  sqlite.run('PRAGMA synchronous = FULL')
  sqlite.run('PRAGMA foreign_keys = ON')
  sqlite.run('PRAGMA temp_store = MEMORY')
  sqlite.run('PRAGMA cache_size = -32000')
  const orm = drizzle(sqlite, { schema })

  let depth = 0
  let pending: Array<() => void> = []

  const runAfter = (fns: Array<() => void>) => {
    for (const f of fns) {
      try { f() } catch (e) { console.error('afterCommit hook failed:', e) }
    }
  }

  return {
    sqlite,
    orm,
    tx<T>(fn: () => NotPromise<T>): T {
      if (depth > 0) return fn()
      sqlite.run('BEGIN IMMEDIATE')
      depth++
      let result: T
      try {
        result = fn()
        if (result && typeof (result as any).then === 'function') throw new Error('transaction callback returned a promise')
        sqlite.run('COMMIT')
      } catch (e) {
        depth--
        pending = []
        try { sqlite.run('ROLLBACK') } catch { /* already rolled back by SQLite */ }
        throw e
      }
      depth--
      const hooks = pending
      pending = []
      runAfter(hooks)
      return result
    },
    afterCommit(fn) {
      if (depth > 0) pending.push(fn)
      else runAfter([fn])
    },
    close() {
      try { sqlite.run('PRAGMA wal_checkpoint(TRUNCATE)') } catch { /* best effort */ }
      sqlite.close()
    },
  }
}
