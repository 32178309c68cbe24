import type { Database } from 'bun:sqlite'
import { MIGRATIONS } from './migrations'

export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError'
}

/**
 * Applies pending migrations, each in its own transaction, and records the schema version in
 * `PRAGMA user_version`. Refuses a database written by a newer binary.
 */
export function migrate(sqlite: Database, migrations = MIGRATIONS): { from: number; to: number } {
  const from = (sqlite.query('PRAGMA user_version').get() as { user_version: number }).user_version
  const latest = migrations.length ? migrations[migrations.length - 1].version : 0
  if (from > latest) {
    throw new SchemaTooNewError(
      `the database schema is version ${from}, newer than this binary supports (${latest}); run a newer cloudstorage (downgrades are not supported)`,
    )
  }
  for (const m of migrations) {
    if (m.version <= from) continue
    sqlite.transaction(() => {
      sqlite.run(m.sql)
      sqlite.run(`PRAGMA user_version = ${m.version}`)
    }).immediate()
  }
  return { from, to: Math.max(from, latest) }
}
