import { describe, test, expect, afterAll } from 'bun:test'
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { is } from 'drizzle-orm'
import { getTableConfig, integer, index, SQLiteTable, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { generateSQLiteDrizzleJson, generateSQLiteMigration } from 'drizzle-kit/api'
import { migrate } from '../../src/db/migrate'
import { MIGRATIONS } from '../../src/db/migrations'
import * as schema from '../../src/db/schema'

/*
 * The migrations and src/db/schema.ts describe the same database. One empty SQLite file gets
 * every migration; another gets the SQL drizzle-kit generates from the drizzle schema. Both are
 * read back through SQLite's own catalog (PRAGMA table_list/table_xinfo/index_list/index_xinfo/
 * foreign_key_list and the stored CREATE statements) and must describe the same tables.
 */

const dir = mkdtempSync(join(tmpdir(), 'cs-schema-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const fresh = () => new Database(join(dir, `db${n++}.sqlite`), { create: true, strict: true })

type Tables = Record<string, unknown>

/** A database built by the migrations (plus `extra` SQL, to prove the comparison notices). */
function migrated(extra = ''): Database {
  const db = fresh()
  migrate(db)
  if (extra) db.run(extra)
  return db
}

/** A database built from drizzle table objects, through drizzle-kit's own SQL generator. */
async function fromDrizzle(tables: Tables): Promise<{ db: Database; uniqueConstraints: Set<string> }> {
  const db = fresh()
  const statements = await generateSQLiteMigration(await generateSQLiteDrizzleJson({}), await generateSQLiteDrizzleJson(tables))
  for (const s of statements) db.run(s)
  // drizzle-kit turns UNIQUE constraints into CREATE UNIQUE INDEX <generated name>; SQLite keeps
  // a migration's inline UNIQUE as an automatic index. Both are "a unique constraint on columns".
  const uniqueConstraints = new Set<string>()
  for (const t of Object.values(tables)) {
    if (!is(t, SQLiteTable)) continue
    const c = getTableConfig(t)
    for (const u of c.uniqueConstraints) uniqueConstraints.add(u.getName()!)
    for (const col of c.columns) if (col.isUnique && col.uniqueName) uniqueConstraints.add(col.uniqueName)
  }
  return { db, uniqueConstraints }
}

/** Column type affinity by SQLite's rules (datatype3.html, 3.1). */
function affinity(type: string): string {
  const t = type.toUpperCase()
  if (t.includes('INT')) return 'INTEGER'
  if (/CHAR|CLOB|TEXT/.test(t)) return 'TEXT'
  if (t === '' || t.includes('BLOB')) return 'BLOB'
  if (/REAL|FLOA|DOUB/.test(t)) return 'REAL'
  return 'NUMERIC'
}

/** SQL text without identifier quotes, `table.` qualifiers or layout. */
const normSql = (s: string, table: string) =>
  s.replace(/[`"]/g, '').replace(new RegExp(`\\b${table}\\.`, 'g'), '').replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim()

/** SQLite reads TRUE and FALSE as 1 and 0; drizzle-kit writes booleans' defaults as keywords. */
const normDefault = (d: string | null) => d === null ? null : /^true$/i.test(d) ? '1' : /^false$/i.test(d) ? '0' : d

/** The bodies of every CHECK (...) in a CREATE TABLE statement. */
function checks(createSql: string, table: string): string[] {
  const out: string[] = []
  const re = /\bCHECK\s*\(/gi
  for (let m = re.exec(createSql); m; m = re.exec(createSql)) {
    let depth = 1
    let i = re.lastIndex
    let quoted = false
    for (; i < createSql.length && depth > 0; i++) {
      const ch = createSql[i]
      if (ch === "'") quoted = !quoted
      else if (!quoted && ch === '(') depth++
      else if (!quoted && ch === ')') depth--
    }
    out.push(normSql(createSql.slice(re.lastIndex, i - 1), table))
  }
  return out.sort()
}

function describeDb(db: Database, uniqueConstraints = new Set<string>()) {
  const q = <T>(s: string) => db.query(s).all() as T[]
  const tables = q<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
  return Object.fromEntries(tables.map(({ name, sql }) => {
    const columns = q<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(`PRAGMA table_xinfo("${name}")`)
      // A primary-key column never holds NULL in these tables (STRICT, or the rowid alias INTEGER
      // PRIMARY KEY), whether or not its definition also says NOT NULL (drizzle-kit always does).
      .map((c) => ({ name: c.name, affinity: affinity(c.type), notNull: c.notnull === 1 || c.pk > 0, default: normDefault(c.dflt_value), pk: c.pk }))
    const indexes = q<{ name: string; unique: number; origin: string; partial: number }>(`PRAGMA index_list("${name}")`)
      .filter((i) => i.origin !== 'pk') // the primary key is the columns' pk positions
      .map((i) => {
        const cols = q<{ name: string | null; desc: number; coll: string; key: number }>(`PRAGMA index_xinfo("${i.name}")`)
          .filter((c) => c.key === 1)
          .map((c) => ({ column: c.name, desc: c.desc === 1, collation: c.coll }))
        const create = (db.query('SELECT sql FROM sqlite_master WHERE type = \'index\' AND name = ?').get(i.name) as { sql: string | null }).sql
        const where = i.partial ? normSql(create!.replace(/^[\s\S]*?\bWHERE\b/i, ''), name) : null
        const constraint = i.origin === 'u' || uniqueConstraints.has(i.name)
        return { index: constraint ? `UNIQUE (${cols.map((c) => c.column).join(', ')})` : i.name, unique: i.unique === 1, columns: cols, where }
      })
      .sort((a, b) => a.index.localeCompare(b.index))
    const fks = new Map<number, { table: string; from: string[]; to: string[]; onDelete: string; onUpdate: string }>()
    for (const f of q<{ id: number; table: string; from: string; to: string; on_delete: string; on_update: string }>(`PRAGMA foreign_key_list("${name}")`)) {
      const fk = fks.get(f.id) ?? fks.set(f.id, { table: f.table, from: [], to: [], onDelete: f.on_delete, onUpdate: f.on_update }).get(f.id)!
      fk.from.push(f.from)
      fk.to.push(f.to)
    }
    const foreignKeys = [...fks.values()].sort((a, b) => a.from.join().localeCompare(b.from.join()))
    return [name, { columns, indexes, foreignKeys, checks: checks(sql, name), autoincrement: /\bAUTOINCREMENT\b/i.test(sql) }]
  }))
}

const tablesOf = (s: Tables) => Object.entries(s).filter(([, t]) => is(t, SQLiteTable))

describe('src/db/schema.ts and migrations/*.sql', () => {
  test('schema.ts exports tables and nothing else', () => {
    expect(Object.keys(schema).length).toBeGreaterThan(0)
    expect(tablesOf(schema).map(([k]) => k)).toEqual(Object.keys(schema))
  })

  test('the migrations produce exactly the schema drizzle describes', async () => {
    const a = migrated()
    const b = await fromDrizzle(schema)
    const fromMigrations = describeDb(a)
    const fromSchema = describeDb(b.db, b.uniqueConstraints)
    expect(Object.keys(fromSchema)).toEqual(Object.keys(fromMigrations))
    // Table by table, for a readable diff.
    for (const name of Object.keys(fromMigrations)) expect({ [name]: fromSchema[name] }).toEqual({ [name]: fromMigrations[name] })
    a.close()
    b.db.close()
  })

  // What drizzle has no words for: pinned here, on the migrated database.
  test('every table is STRICT; the two part tables are WITHOUT ROWID', () => {
    const db = migrated()
    const list = (db.query("PRAGMA table_list").all() as Array<{ schema: string; name: string; strict: number; wr: number }>)
      .filter((t) => t.schema === 'main' && !t.name.startsWith('sqlite_'))
    expect(list.map((t) => t.name).sort()).toEqual(tablesOf(schema).map(([, t]) => getTableConfig(t as SQLiteTable).name).sort())
    expect(list.filter((t) => t.strict !== 1)).toEqual([])
    expect(list.filter((t) => t.wr === 1).map((t) => t.name).sort()).toEqual(['multipart_parts', 'version_parts'])
    db.close()
  })

  test('the database reached the latest migration', () => {
    const db = migrated()
    expect((db.query('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(MIGRATIONS[MIGRATIONS.length - 1].version)
    db.close()
  })
})

// The comparison must notice a difference either way; otherwise the test above proves nothing.
describe('the comparison notices', () => {
  const same = async (extraSql: string, tables: Tables) => {
    const a = migrated(extraSql)
    const b = await fromDrizzle(tables)
    const equal = Bun.deepEquals(describeDb(a), describeDb(b.db, b.uniqueConstraints))
    a.close()
    b.db.close()
    return equal
  }
  const extraTable = sqliteTable('extra', { id: text('id').primaryKey(), n: integer('n').notNull().default(0) }, (t) => [index('extra_n').on(t.n)])

  test('a table, column or index only in a migration', async () => {
    expect(await same('', schema)).toBe(true)
    expect(await same('CREATE TABLE extra (id TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0) STRICT; CREATE INDEX extra_n ON extra(n);', schema)).toBe(false)
    expect(await same('ALTER TABLE buckets ADD COLUMN note TEXT', schema)).toBe(false)
    expect(await same('CREATE INDEX objects_created ON objects(created_at)', schema)).toBe(false)
    expect(await same('CREATE INDEX blobs_size ON blobs(size) WHERE state = \'live\'', schema)).toBe(false)
  })

  test('a table only in schema.ts', async () => {
    expect(await same('', { ...schema, extraTable })).toBe(false)
    // …and the same table in both is the same again.
    expect(await same('CREATE TABLE extra (id TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0) STRICT; CREATE INDEX extra_n ON extra(n);', { ...schema, extraTable })).toBe(true)
  })

  test('a column default, nullability, foreign key action, partial WHERE or CHECK that differs', async () => {
    const table = (n: string, cols: string, tail = '') => `DROP TABLE IF EXISTS extra; CREATE TABLE extra (${cols}) STRICT;${tail}`
    const withExtra = { ...schema, extraTable }
    expect(await same(table('extra', 'id TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 1', 'CREATE INDEX extra_n ON extra(n);'), withExtra)).toBe(false)
    expect(await same(table('extra', 'id TEXT PRIMARY KEY, n INTEGER DEFAULT 0', 'CREATE INDEX extra_n ON extra(n);'), withExtra)).toBe(false)
    expect(await same(table('extra', 'id TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0', 'CREATE INDEX extra_n ON extra(n) WHERE n > 0;'), withExtra)).toBe(false)
    expect(await same(table('extra', 'id TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0 CHECK (n >= 0)', 'CREATE INDEX extra_n ON extra(n);'), withExtra)).toBe(false)
    expect(await same(table('extra', 'id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE, n INTEGER NOT NULL DEFAULT 0', 'CREATE INDEX extra_n ON extra(n);'), withExtra)).toBe(false)
  })
})
