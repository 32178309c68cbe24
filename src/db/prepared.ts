import { Column, is, noopDecoder, sql, SQL, type DriverValueDecoder } from 'drizzle-orm'
import type { SQLiteSelectConfig } from 'drizzle-orm/sqlite-core'

/** A drizzle select query builder with a flat field list: columns and `sql` expressions. */
interface SelectBuilder<T> {
  readonly _: { readonly result: T[]; readonly config: SQLiteSelectConfig }
  prepare(): { values(placeholders?: Record<string, unknown>): unknown[][] }
}

/** A select prepared once; placeholders (`sql.placeholder(name)`) are filled by name per call. */
export interface PreparedSelect<T> {
  /** The first row, or undefined. For lookups by a unique key or with LIMIT 1. */
  get(placeholders?: Record<string, unknown>): T | undefined
  all(placeholders?: Record<string, unknown>): T[]
}

type Decoder = DriverValueDecoder<unknown, unknown>
const identity = Column.prototype.mapFromDriverValue

/**
 * Prepares a drizzle select once (drizzle's `.prepare()`: the SQL is built and the SQLite
 * statement compiled here, not per call) and reads its rows with the prepared query's `.values()`,
 * decoding them with the selected fields' own decoders (booleans, custom types, `mapWith`).
 *
 * This is drizzle's own row mapping (mapResultRow) specialised to one flat field list: per-request
 * lookups run hundreds of thousands of times, and the generic mapper costs as much as the SQLite
 * lookup itself (it re-inspects every field of every row). The result is the same object `.get()`
 * and `.all()` of the prepared query would return: test/unit/prepared.test.ts checks that.
 */
export function prepareSelect<T>(query: SelectBuilder<T>): PreparedSelect<T> {
  const decode = rowDecoder<T>(query._.config.fields)
  const prepared = query.prepare()
  return {
    get(placeholders) {
      const r = prepared.values(placeholders)[0]
      return r === undefined ? undefined : decode(r)
    },
    all: (placeholders) => prepared.values(placeholders).map(decode),
  }
}

/** What `mapWith` set on an sql expression (drizzle keeps it internal; mapResultRow reads it too). */
const decoderOf = (expression: SQL): Decoder => (expression as unknown as { decoder: Decoder }).decoder

/** Maps one raw row (values in field order) to the field names, decoding where a field says so. */
function rowDecoder<T>(fields: Record<string, unknown>): (row: unknown[]) => T {
  const names = Object.keys(fields)
  const decoders = names.map((name): Decoder | null => {
    const f = fields[name]
    const d: Decoder | undefined = is(f, Column) ? f : is(f, SQL) ? decoderOf(f) : is(f, SQL.Aliased) ? decoderOf(f.sql) : undefined
    if (!d) throw new Error(`prepareSelect: field '${name}' is neither a column nor an sql expression (select a flat list of fields)`)
    return d.mapFromDriverValue === identity || d === noopDecoder ? null : d
  })
  return (row) => {
    const out: Record<string, unknown> = {}
    for (let i = 0; i < names.length; i++) {
      const v = row[i]
      const d = decoders[i]
      out[names[i]] = v === null || d === null ? v : d.mapFromDriverValue(v)
    }
    return out as T
  }
}

/**
 * A placeholder for an UPDATE's SET value, encoded like `column` (a boolean becomes 0/1): drizzle's
 * update builder takes data or SQL there, and a placeholder inside plain SQL is bound unencoded.
 */
export const placeholderFor = (column: Column, name: string): SQL => sql`${sql.param(sql.placeholder(name), column)}`
