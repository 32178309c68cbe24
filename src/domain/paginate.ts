import { commonPrefixOf, skipPast } from './listing'

/**
 * The one paginator behind every S3 listing (ListObjects V1/V2, ListObjectVersions,
 * ListMultipartUploads) and the REST file listing.
 *
 * A listing is a sequence of rows in (key, sub) order: keys in UTF-8 byte order, then a
 * listing-specific position inside the key (nothing for live objects, newest-first version order
 * for versions, initiation order for uploads). A cursor is a POSITION in that order, never a
 * reference to a row: `{ key, sub }` means "after the row of `key` at `sub`" and `{ key, sub:
 * null }` means "after every row of `key`". A row named by a marker may have been deleted since
 * (the cleanup loop every tool runs deletes exactly the rows it was just given); the next page
 * still starts where that row was.
 *
 * CommonPrefixes take the position of their prefix string: a page that ends on one resumes after
 * every key under it, and a marker inside (or equal to) a prefix means that prefix was already
 * returned. Rolled-up keys are jumped over in the index, so a page costs O(page), not O(bucket).
 */

export interface Cursor<S> {
  key: string
  /** Position inside `key` (exclusive); null: past every row of `key`. */
  sub: S | null
}

export interface RowSource<R, S> {
  /**
   * Up to `limit` rows strictly after `cursor`, with key >= `from` (the prefix: where its rows
   * start), in listing order.
   */
  fetch(cursor: Cursor<S>, from: string, limit: number): R[]
  keyOf(row: R): string
  /** The row's position inside its key; null where a key has one row only. */
  subOf(row: R): S | null
}

export interface PageQuery<S> {
  prefix: string
  /** '' for none. */
  delimiter: string
  /** The page starts after this position (exclusive). */
  after: Cursor<S>
  /** 0 answers an empty page that is not truncated, as S3 does for max-keys=0. */
  maxKeys: number
}

export type PageItem<R> = { kind: 'row'; row: R } | { kind: 'prefix'; prefix: string }

export interface Page<R, S> {
  rows: R[]
  commonPrefixes: string[]
  /** True only when at least one more row or CommonPrefix follows this page. */
  isTruncated: boolean
  /** The last row or CommonPrefix returned (null for an empty page). */
  last: PageItem<R> | null
  /** Where the next page starts: the position of `last` (null for an empty page). */
  next: Cursor<S> | null
}

/** Rows fetched at once while plain rows keep coming. */
export const BATCH = 1000

export function paginate<R, S>(source: RowSource<R, S>, q: PageQuery<S>): Page<R, S> {
  const out: Page<R, S> = { rows: [], commonPrefixes: [], isTruncated: false, last: null, next: null }
  if (q.maxKeys <= 0) return out
  const marker = q.after.key
  let count = 0
  let cursor = q.after
  // Never fetch much more than the page still needs (one extra row tells whether it is
  // truncated). After jumping over a common prefix the next row is often another prefix, so
  // fetch a single row then, growing back to a full batch while plain rows keep coming.
  let batch = BATCH
  for (;;) {
    const limit = Math.max(1, Math.min(batch, q.maxKeys - count + 1))
    const rows = source.fetch(cursor, q.prefix, limit)
    let jumped = false
    for (const row of rows) {
      const key = source.keyOf(row)
      if (!key.startsWith(q.prefix)) return out
      const cp = commonPrefixOf(key, q.prefix, q.delimiter)
      if (cp !== null && (marker.startsWith(cp) || out.commonPrefixes[out.commonPrefixes.length - 1] === cp)) {
        // Returned on an earlier page (or just now): jump over the rest of it.
        cursor = { key: skipPast(cp, key), sub: null }
        jumped = true
        break
      }
      if (count >= q.maxKeys) {
        out.isTruncated = true
        return out
      }
      count++
      if (cp !== null) {
        out.commonPrefixes.push(cp)
        out.last = { kind: 'prefix', prefix: cp }
        out.next = { key: cp, sub: null }
        cursor = { key: skipPast(cp, key), sub: null }
        jumped = true
        break
      }
      out.rows.push(row)
      out.last = { kind: 'row', row }
      out.next = { key, sub: source.subOf(row) }
      cursor = out.next
    }
    if (!jumped && rows.length < limit) return out
    batch = jumped ? 1 : Math.min(BATCH, batch * 4)
  }
}
