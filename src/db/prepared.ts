import { Column, is, noopDecoder, Param, Placeholder, sql, SQL, type DriverValueDecoder, type GetColumnData } from 'drizzle-orm'
import type { SQLiteSelectConfig } from 'drizzle-orm/sqlite-core'
import type { Db } from './client'

/*
 * Per-request lookups run hundreds of thousands of times; drizzle's prepared queries cost up to
 * 40% more than the SQLite lookup they wrap (a generic row mapper that re-inspects every field of
 * every row, placeholder filling by name, rows fetched as arrays and rebuilt as objects). Here a
 * select is written with drizzle's query builder against the schema, with `sql.placeholder`s,
 * and compiled once: drizzle renders the SQL (`toSQL()`), bun:sqlite prepares it, every field is
 * aliased to its name so SQLite's rows come back as the finished objects, and only the fields
 * that decode (flags, custom types, `mapWith`) are converted in place. The rows are the ones
 * drizzle's own `.all()`/`.get()` return for the same query: test/unit/prepared.test.ts checks
 * that on every table. Writes keep drizzle's own `.prepare()`: they run inside a transaction
 * whose commit costs far more than drizzle's fraction of a microsecond.
 */

type Field = Column | SQL | SQL.Aliased
type Decoder = DriverValueDecoder<unknown, unknown>
type FieldData<F> = F extends Column ? GetColumnData<F> : F extends SQL<infer T> ? T : F extends SQL.Aliased<infer T> ? T : never
/** A field list where every field is an expression aliased to its own name (see aliased()). */
export type AliasedFields<F extends Record<string, Field>> = { [K in keyof F]: SQL.Aliased<FieldData<F[K]>> }

/**
 * The same fields, each selected `AS` its name (a column keeps its decoder and its type,
 * nullability included). Select these for prepareSelect.
 */
export function aliased<F extends Record<string, Field>>(fields: F): AliasedFields<F> {
  const out: Record<string, SQL.Aliased> = {}
  for (const [name, f] of Object.entries(fields)) {
    const expression = is(f, SQL.Aliased) ? f.sql : is(f, Column) ? sql`${f}`.mapWith(f) : f
    out[name] = expression.as(name)
  }
  return out as AliasedFields<F>
}

/** A drizzle select query builder (a flat list of aliased fields; see aliased()). */
interface SelectBuilder<T> {
  readonly _: { readonly result: T[]; readonly config: SQLiteSelectConfig }
  toSQL(): { sql: string; params: unknown[] }
}

/** A select compiled once; placeholders (`sql.placeholder(name)`) are filled by name per call. */
export interface PreparedSelect<T> {
  /** The first row, or undefined. For lookups by a unique key or with LIMIT 1. */
  get(placeholders?: Record<string, unknown>): T | undefined
  all(placeholders?: Record<string, unknown>): T[]
}

const identity = Column.prototype.mapFromDriverValue
/** What `mapWith` set on an sql expression (drizzle keeps it internal; its row mapper reads it too). */
const decoderOf = (expression: SQL): Decoder => (expression as unknown as { decoder: Decoder }).decoder
const missing = (name: string): never => {
  throw new Error(`No value for placeholder "${name}" was provided`)
}

/**
 * Compiles a drizzle select once (see the top of this file). The generated code is built from
 * field names (emitted as JSON string literals) and parameter positions only.
 */
export function prepareSelect<T>(db: Db, query: SelectBuilder<T>): PreparedSelect<T> {
  const fields: Record<string, unknown> = query._.config.fields
  const decoded: Array<{ name: string; decoder: Decoder }> = []
  for (const [name, f] of Object.entries(fields)) {
    if (!is(f, SQL.Aliased) || f.fieldAlias !== name) throw new Error(`prepareSelect: field '${name}' is not aliased to its name (select aliased(fields))`)
    const decoder = decoderOf(f.sql)
    if (decoder !== noopDecoder && decoder.mapFromDriverValue !== identity) decoded.push({ name, decoder })
  }
  const { sql: text, params } = query.toSQL()
  // Positional arguments as drizzle fills them: a placeholder's value as given, a placeholder
  // wrapped in a Param (an insert/update value) through its column's encoder, a constant as
  // rendered (already encoded).
  const args = params.map((p, i) => {
    const value = (name: string) => `(v[${JSON.stringify(name)}] === undefined ? missing(${JSON.stringify(name)}) : v[${JSON.stringify(name)}])`
    if (is(p, Placeholder)) return value(p.name)
    if (is(p, Param) && is(p.value, Placeholder)) return `c[${i}].encoder.mapToDriverValue(${value(p.value.name)})`
    return `c[${i}]`
  }).join(', ')
  const fix = decoded.map(({ name }, i) => {
    const r = `r[${JSON.stringify(name)}]`
    return `if (${r} !== null) ${r} = d[${i}].mapFromDriverValue(${r});`
  }).join(' ')
  const make = new Function('stmt', 'c', 'd', 'missing', `
    const fix = (r) => { ${fix} return r };
    return {
      get: (v) => { const r = stmt.get(${args}); return r === null ? undefined : ${decoded.length ? 'fix(r)' : 'r'} },
      all: (v) => ${decoded.length ? `stmt.all(${args}).map(fix)` : `stmt.all(${args})`},
    }`)
  return make(db.sqlite.prepare(text), params, decoded.map((x) => x.decoder), missing)
}

/**
 * A placeholder for an UPDATE's SET value, encoded like `column` (a boolean becomes 0/1): drizzle's
 * update builder takes data or SQL there, and a placeholder inside plain SQL is bound unencoded.
 */
export const placeholderFor = (column: Column, name: string): SQL => sql`${sql.param(sql.placeholder(name), column)}`
