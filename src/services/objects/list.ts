import { commonPrefixOf, skipPast } from '../../domain/listing'
import type { Deps } from '../deps'

export interface ListEntry {
  id: string
  key: string
  contentType: string
  size: number
  etag: string
  lastModified: number
}

export interface ListResult {
  contents: ListEntry[]
  commonPrefixes: string[]
  isTruncated: boolean
  /** The last key or common prefix returned: where the next page starts (exclusive). */
  last: string | null
}

const BATCH = 1000

/**
 * One page of the live keys under `prefix`, after `after` (exclusive), rolling keys up into
 * CommonPrefixes at `delimiter`. A common prefix at or before `after` was returned on an
 * earlier page and is skipped, so markers may be keys or prefixes. Cost is O(page), not
 * O(bucket): rolled-up prefixes are jumped over in the index.
 */
export function listObjects(d: Deps, bucketId: string, q: { prefix: string; delimiter: string; after: string; maxKeys: number }): ListResult {
  const out: ListResult = { contents: [], commonPrefixes: [], isTruncated: false, last: null }
  let cursor = q.after
  const full = () => out.contents.length + out.commonPrefixes.length >= q.maxKeys
  // After jumping over a common prefix the next row is often another prefix: fetch few rows
  // then, growing back to a full batch while plain keys keep coming.
  let batch = BATCH
  for (;;) {
    const limit = batch
    const rows = d.repos.objects.listLive(bucketId, cursor, q.prefix, limit)
    if (rows.length === 0) return out
    let jumped = false
    for (const row of rows) {
      if (!row.key.startsWith(q.prefix)) return out
      const cp = commonPrefixOf(row.key, q.prefix, q.delimiter)
      if (cp !== null && q.after.startsWith(cp)) {
        cursor = skipPast(cp, row.key) // already returned on an earlier page
        jumped = true
        break
      }
      if (full()) {
        out.isTruncated = true
        return out
      }
      if (cp !== null) {
        if (out.commonPrefixes[out.commonPrefixes.length - 1] !== cp) {
          out.commonPrefixes.push(cp)
          out.last = cp
        }
        cursor = skipPast(cp, row.key)
        jumped = true
        break
      }
      out.contents.push(row)
      out.last = row.key
      cursor = row.key
    }
    if (!jumped && rows.length < limit) return out
    batch = jumped ? 1 : Math.min(BATCH, batch * 4)
  }
}
