import { Database } from 'bun:sqlite'
import { closeSync, fsyncSync, openSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import * as schema from './schema'

export type Drizzle = BunSQLiteDatabase<typeof schema>

/** A transaction callback must be synchronous: an async one would commit at its first await. */
type NotPromise<T> = T extends PromiseLike<unknown> ? never : T

export interface Db {
  sqlite: Database
  orm: Drizzle
  /**
   * Runs fn in one BEGIN IMMEDIATE transaction (or inline when already inside one).
   * `freesSpace`: the transaction deletes something (object, version, upload, bucket, dead
   * blob): when it fails because the disk is full, the disk-full handler may release reserved
   * space, and fn runs once more. fn must then be safe to run twice (its effects outside the
   * database, such as afterCommit hooks and counters, happen only in the attempt that commits).
   */
  tx<T>(fn: () => NotPromise<T>, opts?: { freesSpace?: boolean }): T
  /** Sets what a space-freeing transaction calls on SQLITE_FULL: true when it made room. */
  onDiskFull(handler: () => boolean): void
  /** Where failures the client handles itself are reported (a failed WAL fsync, a failing afterCommit hook). */
  onError(report: (msg: string, err?: unknown) => void): void
  /** Queues fn to run after the outermost transaction commits; runs now when none is open. */
  afterCommit(fn: () => void): void
  /**
   * Resolves once every transaction committed so far is on stable storage. Acknowledge a write
   * only after awaiting this. Concurrent callers share one fsync of the WAL (group commit).
   */
  durable(): Promise<void>
  /**
   * A number that changes whenever the data may have changed: on every commit of ours and when
   * another connection (the admin CLI) committed. Read caches compare it to stay exact.
   */
  generation(): number
  /** True inside tx(): reads there must see the transaction's own writes, never a cache. */
  inTransaction(): boolean
  close(): void
}

/**
 * Opens the database with the durability the appliance promises. In WAL mode a commit is durable
 * once the WAL file is fsynced. `synchronous=FULL` would fsync inside every COMMIT, on the one
 * JavaScript thread, stalling every request for each fsync. Instead commits run with NORMAL
 * (WAL written, not synced) and `durable()` fsyncs the WAL off the main thread, one fsync for
 * all commits that happened before it started. Writers await `durable()` before answering, so
 * an acknowledged write is on disk exactly as with FULL. Checkpoints are still synced by SQLite.
 */
export function openDatabase(path: string): Db {
  const sqlite = new Database(path, { create: true, strict: true })
  sqlite.run('PRAGMA busy_timeout = 10000')
  sqlite.run('PRAGMA journal_mode = WAL')
  sqlite.run('PRAGMA synchronous = NORMAL')
  sqlite.run('PRAGMA foreign_keys = ON')
  sqlite.run('PRAGMA temp_store = MEMORY')
  sqlite.run('PRAGMA cache_size = -32000')
  const orm = drizzle(sqlite, { schema })

  let depth = 0
  let pending: Array<() => void> = []
  let commitSeq = 0
  // Another process's commits show in PRAGMA data_version; it is read at most once per event-loop
  // turn (all requests of a turn share the answer).
  const dataVersion = sqlite.prepare('PRAGMA data_version')
  let foreignVersion = 0
  let foreignChanges = 0
  let checkedThisTurn = false
  let syncedSeq = 0
  let syncing: Promise<void> | null = null
  let wal: FileHandle | null = null
  /**
   * Set by the first failed WAL fsync, for the life of the process. Linux may drop the dirty
   * pages of a file whose writeback failed and report the next fsync as a success without them
   * (PostgreSQL's "fsyncgate"), and every later WAL frame depends on the lost ones. So nothing
   * is acknowledged after that any more and no further write transaction starts (reads keep
   * working); a restart re-reads the WAL from disk through SQLite's recovery.
   */
  let walFailure: Error | null = null
  let diskFull: (() => boolean) | null = null
  let report: (msg: string, err?: unknown) => void = () => {}

  async function syncWal(): Promise<void> {
    if (walFailure) throw walFailure
    const upTo = commitSeq
    const fh = wal ?? (await open(`${path}-wal`, 'r'))
    try {
      if (!wal) {
        // The WAL file is usually new in this process (the last close deletes it). SQLite fsyncs a new WAL's
        // directory at its own first sync of the file, which at synchronous=NORMAL is the first
        // checkpoint: until then a power cut could drop the directory entry, and every commit
        // acknowledged since the start with it. Sync the directory before the first ack.
        const dir = await open(dirname(path), 'r')
        try { await dir.sync() } finally { await dir.close() }
      }
      // fsync, not fdatasync: a growing WAL's new size must be durable too.
      await fh.sync()
    } catch (e) {
      walFailure ??= new Error(`fsync of ${path}-wal (or its directory) failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): writes are refused until a restart`, { cause: e })
      report(walFailure.message, e)
      throw walFailure
    }
    wal = fh
    syncedSeq = Math.max(syncedSeq, upTo)
  }

  const runAfter = (fns: Array<() => void>) => {
    for (const f of fns) {
      try { f() } catch (e) { report('afterCommit hook failed', e) }
    }
  }

  return {
    sqlite,
    orm,
    tx<T>(fn: () => NotPromise<T>, opts?: { freesSpace?: boolean }): T {
      if (depth > 0) return fn()
      let result: T
      for (let attempt = 0; ; attempt++) {
        if (walFailure) throw walFailure
        sqlite.run('BEGIN IMMEDIATE')
        depth++
        try {
          result = fn()
          if (result && typeof (result as any).then === 'function') throw new Error('transaction callback returned a promise')
          sqlite.run('COMMIT')
          commitSeq++
          break
        } catch (e) {
          depth--
          pending = []
          try { sqlite.run('ROLLBACK') } catch { /* already rolled back by SQLite */ }
          // A delete must not fail for want of the few WAL pages it needs: use the reserve.
          if (attempt === 0 && opts?.freesSpace && (e as { code?: string }).code === 'SQLITE_FULL' && diskFull?.()) continue
          throw e
        }
      }
      depth--
      const hooks = pending
      pending = []
      runAfter(hooks)
      return result
    },
    onDiskFull(handler) {
      diskFull = handler
    },
    onError(fn) {
      report = fn
    },
    afterCommit(fn) {
      if (depth > 0) pending.push(fn)
      else runAfter([fn])
    },
    generation() {
      if (!checkedThisTurn) {
        checkedThisTurn = true
        setImmediate(() => { checkedThisTurn = false })
        const v = (dataVersion.get() as { data_version: number }).data_version
        if (v !== foreignVersion) { foreignVersion = v; foreignChanges++ }
      }
      return commitSeq * 1_000_003 + foreignChanges
    },
    inTransaction: () => depth > 0,
    async durable() {
      const target = commitSeq
      while (syncedSeq < target) {
        syncing ??= syncWal().finally(() => { syncing = null })
        await syncing
      }
    },
    close() {
      // Commits not yet made durable by a writer's await (e.g. a CLI exiting) are synced here.
      // After a failed WAL fsync neither a retried fsync nor a checkpoint (which closing the
      // last connection runs) can be trusted: leave the WAL as it is on disk for the next start.
      if (walFailure) return
      if (syncedSeq < commitSeq) {
        const fd = openSync(`${path}-wal`, 'r')
        try { fsyncSync(fd) } finally { closeSync(fd) }
        syncedSeq = commitSeq
      }
      void wal?.close().catch(() => {})
      try { sqlite.run('PRAGMA wal_checkpoint(TRUNCATE)') } catch { /* best effort */ }
      // close(true) finalizes the prepared statements and closes now; plain close() leaves a
      // connection with live statements open (sqlite3_close_v2) until they are garbage-collected,
      // holding the files of a stopped appliance open in a process that goes on (tests, CLI).
      try { sqlite.close(true) } catch { sqlite.close() }
    },
  }
}
