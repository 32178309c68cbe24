import type { ApiClient } from '../client'
import { resource } from './common'
import type { ResourceSpec, TuiState } from './reducer'

/**
 * Listings read a page at a time (a folder in Files, the Time Machine's files): the first page
 * is polled, then each further page the user asked for with the "more…" row at the end, each
 * page under its own resource key.
 */

/** Rows per page: the API's largest. */
export const PAGE = 1000

/** What every page answers: where the next one starts (null: this was the last). */
export interface Page { nextCursor: string | null }

/** The last row of a listing that goes on: Enter on it asks for the page at `cursor`. */
export interface MoreRow { id: string; text: string; kind: 'more'; cursor: string }

/** A listing: the key of each page ('' is the first page's cursor) and how to read one. */
export interface Paged<P extends Page> {
  key: (cursor: string) => string
  load: (client: ApiClient, q: { cursor?: string; limit: number }, signal: AbortSignal) => Promise<P>
}

/** The first page and the further pages asked for (their cursors, in order). */
export function pageResources<P extends Page>(paged: Paged<P>, pages: readonly string[]): ResourceSpec[] {
  return ['', ...pages].map((cursor) => ({
    key: paged.key(cursor),
    load: (c: ApiClient, s: AbortSignal) => paged.load(c, cursor ? { cursor, limit: PAGE } : { limit: PAGE }, s),
  }))
}

const cache = new WeakMap<object, unknown[]>()

/**
 * The rows of the pages loaded so far (`head`, then each page's, then "more…" once every page
 * asked for has come and the last goes on); null before the first page. Built once per answer
 * while the first page is all there is (the usual case), so a refresh bringing the same data
 * re-renders nothing.
 */
export function pagedRows<P extends Page, R>(state: TuiState, paged: Paged<P>, pages: readonly string[], rowsOf: (page: P) => R[], head: R[] = []): Array<R | MoreRow> | null {
  const first = resource<P>(state, paged.key('')).data
  if (!first) return null
  const all = [first, ...pages.map((c) => resource<P>(state, paged.key(c)).data)]
  const loaded = all.filter((p): p is P => p !== null)
  const cacheKey = loaded.length === 1 ? first : null
  const cached = cacheKey ? cache.get(cacheKey) : undefined
  if (cached) return cached as Array<R | MoreRow>
  const rows: Array<R | MoreRow> = [...head, ...loaded.flatMap(rowsOf)]
  const next = loaded.length === all.length ? loaded.at(-1)!.nextCursor : null
  if (next) rows.push({ id: `more:${next}`, text: '', kind: 'more', cursor: next })
  if (cacheKey) cache.set(cacheKey, rows)
  return rows
}

/** What the "more…" row says. */
export const MORE_TEXT = `… more (next ${PAGE})`
