import { describe, test, expect, afterAll } from 'bun:test'
import { Database } from 'bun:sqlite'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { openDatabase } from '../../src/db/client'
import { migrate, SchemaTooNewError } from '../../src/db/migrate'
import { MIGRATIONS } from '../../src/db/migrations'

const ROOT = resolve(import.meta.dir, '../..')
const dir = mkdtempSync(join(tmpdir(), 'cs-migrate-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
const freshPath = () => join(dir, `db${n++}.sqlite`)
const userVersion = (db: Database) => (db.query('PRAGMA user_version').get() as { user_version: number }).user_version
const tables = (db: Database) => (db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name)

describe('the embedded migration list', () => {
  const files = readdirSync(join(ROOT, 'migrations')).filter((f) => f.endsWith('.sql')).sort()

  // A file missing from src/db/migrations.ts would work from a checkout's history but never be
  // embedded in the compiled binary, so a fresh install would run an incomplete schema.
  test('every file in migrations/ is listed in src/db/migrations.ts, in order', () => {
    expect(files.length).toBeGreaterThan(0)
    expect(MIGRATIONS.map((m) => m.name)).toEqual(files)
  })

  test('file names are NNNN_name.sql and versions are 1..N without gaps', () => {
    MIGRATIONS.forEach((m, i) => {
      expect(m.name).toMatch(/^\d{4}_[a-z0-9_]+\.sql$/)
      expect(m.version).toBe(i + 1)
      expect(Number(m.name.slice(0, 4))).toBe(m.version)
    })
  })

  test('the embedded SQL is the file on disk', () => {
    for (const m of MIGRATIONS) expect(m.sql).toBe(readFileSync(join(ROOT, 'migrations', m.name), 'utf8'))
  })
})

describe('fresh database', () => {
  test('reaches the latest version, with the durability pragmas set', () => {
    const db = openDatabase(freshPath())
    try {
      const latest = MIGRATIONS[MIGRATIONS.length - 1].version
      expect(migrate(db.sqlite)).toEqual({ from: 0, to: latest })
      expect(userVersion(db.sqlite)).toBe(latest)
      expect(tables(db.sqlite)).toEqual(expect.arrayContaining(['accounts', 'access_keys', 'plans', 'sessions']))
      expect((db.sqlite.query('PRAGMA journal_mode').get() as any).journal_mode).toBe('wal')
      // NORMAL with group commit (Db.durable() fsyncs the WAL before a write is acknowledged; the
      // strace audit in test/contract checks that order) or FULL; never OFF.
      expect([1, 2]).toContain((db.sqlite.query('PRAGMA synchronous').get() as any).synchronous)
      expect((db.sqlite.query('PRAGMA foreign_keys').get() as any).foreign_keys).toBe(1)
      expect((db.sqlite.query('PRAGMA busy_timeout').get() as any).timeout).toBeGreaterThanOrEqual(1000)
      expect((db.sqlite.query('PRAGMA integrity_check').get() as any).integrity_check).toBe('ok')
      expect(db.sqlite.query('PRAGMA foreign_key_check').all()).toEqual([])
      // A second run is a no-op.
      expect(migrate(db.sqlite)).toEqual({ from: latest, to: latest })
    } finally {
      db.close()
    }
  })
})

describe('upgrade with a synthetic migration list', () => {
  const v1 = { version: 1, name: '0001_a.sql', sql: "CREATE TABLE log (step TEXT NOT NULL); INSERT INTO log VALUES ('v1');" }
  const v2 = { version: 2, name: '0002_b.sql', sql: "CREATE TABLE things (id INTEGER PRIMARY KEY); INSERT INTO log VALUES ('v2');" }
  const v3 = { version: 3, name: '0003_c.sql', sql: "ALTER TABLE things ADD COLUMN label TEXT; INSERT INTO log VALUES ('v3');" }
  const steps = (db: Database) => (db.query('SELECT step FROM log ORDER BY rowid').all() as Array<{ step: string }>).map((r) => r.step)

  test('pending migrations apply in order, skipping those already applied', () => {
    const db = new Database(freshPath())
    expect(migrate(db, [v1])).toEqual({ from: 0, to: 1 })
    expect(steps(db)).toEqual(['v1'])
    expect(migrate(db, [v1, v2, v3])).toEqual({ from: 1, to: 3 })
    expect(steps(db)).toEqual(['v1', 'v2', 'v3'])
    expect(userVersion(db)).toBe(3)
    db.close()
  })

  test('a failing migration rolls back entirely and leaves the version where it was', () => {
    const db = new Database(freshPath())
    migrate(db, [v1])
    // Its first statements succeed; the last one fails: none of it may remain.
    const bad = { version: 2, name: '0002_bad.sql', sql: "CREATE TABLE half (x); INSERT INTO log VALUES ('v2'); INSERT INTO no_such_table VALUES (1);" }
    expect(() => migrate(db, [v1, bad, v3])).toThrow(/no_such_table/)
    expect(userVersion(db)).toBe(1)
    expect(tables(db)).toEqual(['log'])
    expect(steps(db)).toEqual(['v1'])
    // Fixed in the next release: the upgrade goes through.
    expect(migrate(db, [v1, v2, v3])).toEqual({ from: 1, to: 3 })
    expect(steps(db)).toEqual(['v1', 'v2', 'v3'])
    db.close()
  })

  test('each migration commits on its own: an earlier one stays when a later one fails', () => {
    const db = new Database(freshPath())
    const bad3 = { version: 3, name: '0003_bad.sql', sql: 'SELECT * FROM nowhere;' }
    expect(() => migrate(db, [v1, v2, bad3])).toThrow()
    expect(userVersion(db)).toBe(2)
    expect(steps(db)).toEqual(['v1', 'v2'])
    db.close()
  })

  test('a database newer than the binary is refused without being touched', () => {
    const db = new Database(freshPath())
    migrate(db, [v1, v2, v3])
    let err: unknown
    try {
      migrate(db, [v1, v2])
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(SchemaTooNewError)
    expect((err as Error).message).toBe('the database schema is version 3, newer than this binary supports (2); run a newer cloudstorage (downgrades are not supported)')
    expect(userVersion(db)).toBe(3)
    db.close()
  })
})

describe('Db.tx', () => {
  test('commits, rolls back on throw, and runs afterCommit hooks only after a commit', () => {
    const db = openDatabase(freshPath())
    db.sqlite.run('CREATE TABLE t (v INTEGER)')
    const ran: string[] = []
    db.tx(() => {
      db.sqlite.run('INSERT INTO t VALUES (1)')
      db.afterCommit(() => ran.push('first'))
      // Nested: joins the outer transaction.
      db.tx(() => db.sqlite.run('INSERT INTO t VALUES (2)'))
      expect(ran).toEqual([])
    })
    expect(ran).toEqual(['first'])
    expect(() => db.tx(() => {
      db.sqlite.run('INSERT INTO t VALUES (3)')
      db.afterCommit(() => ran.push('never'))
      throw new Error('boom')
    })).toThrow('boom')
    expect(ran).toEqual(['first'])
    expect(db.sqlite.query('SELECT v FROM t ORDER BY v').all()).toEqual([{ v: 1 }, { v: 2 }])
    db.close()
  })

  // An async callback would commit at its first await; the type forbids it and this guard
  // catches anything that slips past the type checker.
  test('a callback returning a promise is rejected and rolled back', () => {
    const db = openDatabase(freshPath())
    db.sqlite.run('CREATE TABLE t (v INTEGER)')
    expect(() => db.tx((() => {
      db.sqlite.run('INSERT INTO t VALUES (1)')
      return Promise.resolve(1)
    }) as any)).toThrow('transaction callback returned a promise')
    expect(db.sqlite.query('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 })
    db.close()
  })
})
