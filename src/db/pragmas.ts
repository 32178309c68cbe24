import type { Db } from './client'

/**
 * Database-level checks and settings that are no table's business (the repos hold the SQL that
 * is). Startup, the self-test and the secret sealing use these.
 */

/** The schema version the migrations recorded (see migrate.ts). */
export const userVersion = (db: Db): number => db.sqlite.query<{ user_version: number }, []>('PRAGMA user_version').get()!.user_version

/** SQLite's quick_check: 'ok', or the first problems it found. */
export const quickCheck = (db: Db): string => db.sqlite.query<{ quick_check: string }, []>('PRAGMA quick_check').get()!.quick_check

/**
 * Runs fn with secure_delete on (deleted and replaced content is overwritten with zeros, not
 * left in free pages), then checkpoints and truncates the WAL so the old page images leave it
 * too. For replacing secrets that must not linger in the files.
 */
export function withSecureDelete<T>(db: Db, fn: () => T): T {
  const before = db.sqlite.query<{ secure_delete: number }, []>('PRAGMA secure_delete').get()!.secure_delete
  db.sqlite.run('PRAGMA secure_delete = ON')
  try {
    const result = fn()
    db.sqlite.run('PRAGMA wal_checkpoint(TRUNCATE)')
    return result
  } finally {
    db.sqlite.run(`PRAGMA secure_delete = ${before ? 'ON' : 'OFF'}`)
  }
}
