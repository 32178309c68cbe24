/**
 * The list behaviour every screen shares: selection by id (so a refresh that reorders or inserts
 * rows keeps the cursor on the same item), scrolling, and the `/` filter. Pure functions of a
 * list's rows, which come from the screen's own state module. The selection lives among the rows
 * the filter lets through: selectedRow() and moveIn() take all the rows and apply the filter
 * themselves, so what an action acts on is the row the table highlights.
 */

export interface ListState {
  /** The selected row's id; when it disappears, the row now at `index` is selected. */
  selectedId: string | null
  index: number
  /** First visible row. */
  top: number
  /** Rows must contain this (case-insensitive); '' shows all. */
  filter: string
  /** The filter input has the keyboard. */
  filtering: boolean
}

/** A row as the list logic sees it: an id, and the text the filter matches. */
export interface RowRef { id: string; text: string }

export const EMPTY_LIST: ListState = { selectedId: null, index: 0, top: 0, filter: '', filtering: false }

export type MoveTo = 'up' | 'down' | 'pageUp' | 'pageDown' | 'first' | 'last'

/**
 * Rows (or the sorted data they come from) built from a resource's data once per answer: a refresh that brings nothing new keeps the
 * data object (shareEqual), so it gets the same rows array, and the filter's cache and the table's
 * memoized rows hold. No data yet: no rows.
 */
export function cachedRows<D extends object, R>(build: (data: D) => R[]): (data: D | null | undefined) => R[] {
  const cache = new WeakMap<D, R[]>()
  return (data) => {
    if (!data) return []
    let rows = cache.get(data)
    if (!rows) cache.set(data, (rows = build(data)))
    return rows
  }
}

const filtered = new WeakMap<readonly RowRef[], Map<string, readonly RowRef[]>>()

/** The rows the filter lets through; cached per rows array and filter text. */
export function applyFilter<R extends RowRef>(rows: readonly R[], filter: string): readonly R[] {
  const f = filter.trim().toLowerCase()
  if (!f) return rows
  let byText = filtered.get(rows)
  if (!byText) filtered.set(rows, (byText = new Map()))
  let out = byText.get(f)
  if (!out) byText.set(f, (out = rows.filter((r) => r.text.toLowerCase().includes(f))))
  return out as readonly R[]
}

/** Index of the selected row among the rows shown (after the filter); -1 when there are none. */
export function selectedIndex(list: ListState, rows: readonly Pick<RowRef, 'id'>[]): number {
  if (rows.length === 0) return -1
  const i = list.selectedId === null ? -1 : rows.findIndex((r) => r.id === list.selectedId)
  return i >= 0 ? i : Math.min(Math.max(list.index, 0), rows.length - 1)
}

/**
 * The selected row as the user sees it: among `rows` (all of the list's rows) once the filter
 * is applied. Every action on "the selected row" resolves it here.
 */
export function selectedRow<R extends RowRef>(list: ListState, rows: readonly R[]): R | null {
  const shown = applyFilter(rows, list.filter)
  const i = selectedIndex(list, shown)
  return i < 0 ? null : shown[i]
}

/** The smallest scroll that keeps row `sel` visible in `height` rows. */
export function keepVisible(top: number, sel: number, height: number, count: number): number {
  if (height <= 0 || sel < 0) return 0
  let t = Math.min(top, Math.max(0, count - height))
  if (sel < t) t = sel
  if (sel >= t + height) t = sel - height + 1
  return Math.max(0, t)
}

/** The rows to draw, [start, end), for a table of `height` rows. */
export function visibleRange(list: ListState, count: number, sel: number, height: number): { start: number; end: number } {
  if (!Number.isFinite(height)) return { start: 0, end: count }
  const start = keepVisible(list.top, sel, height, count)
  return { start, end: Math.min(count, start + height) }
}

/** Moves the selection among the rows the filter shows; the same object when nothing changes. */
export function moveIn<L extends ListState>(list: L, all: readonly RowRef[], to: MoveTo, height: number): L {
  const rows = applyFilter(all, list.filter)
  if (rows.length === 0) return list
  const cur = selectedIndex(list, rows)
  const page = Math.max(1, height - 1)
  const target = { up: cur - 1, down: cur + 1, pageUp: cur - page, pageDown: cur + page, first: 0, last: rows.length - 1 }[to]
  const index = Math.min(Math.max(target, 0), rows.length - 1)
  const top = keepVisible(list.top, index, height, rows.length)
  if (index === cur && top === list.top && list.selectedId === rows[index].id) return list
  return { ...list, selectedId: rows[index].id, index, top }
}

/** Selects a row by id (e.g. the one just created); unchanged when it is not there. */
export function selectId(list: ListState, id: string): ListState {
  return list.selectedId === id ? list : { ...list, selectedId: id }
}

/** Only printable characters reach an input (no escape codes, no control characters). */
export function printable(text: string): string {
  return [...text].filter((c) => c >= ' ' && c !== '\x7f').join('')
}

export const dropLast = (s: string) => [...s].slice(0, -1).join('')

export type FilterAction =
  | { type: 'open' }
  | { type: 'type'; text: string }
  | { type: 'erase' }
  /** Enter: keep the filter, give the keys back to the list. */
  | { type: 'done' }
  /** Esc: drop the filter. */
  | { type: 'clear' }

/** The filter's keys; `shown` is the row selected before them, which Enter and Esc keep selected. */
export function filterIn<L extends ListState>(list: L, a: FilterAction, shown: RowRef | null = null): L {
  switch (a.type) {
    case 'open': return list.filtering ? list : { ...list, filtering: true }
    case 'type': {
      const t = printable(a.text)
      return t ? { ...list, filter: list.filter + t, index: 0, top: 0, selectedId: null } : list
    }
    case 'erase': return list.filter ? { ...list, filter: dropLast(list.filter), index: 0, top: 0, selectedId: null } : list
    case 'done': return list.filtering ? { ...list, filtering: false, ...keep(list, shown) } : list
    // Without the filter the row moves to its place in the whole list; the cursor goes with it.
    case 'clear': return list.filter || list.filtering ? { ...list, filter: '', filtering: false, ...keep(list, shown) } : list
  }
}

/** Pins the selection to the row that was shown selected (typing reset it to "the first match"). */
const keep = (list: ListState, shown: RowRef | null): Partial<ListState> => (shown && list.selectedId !== shown.id ? { selectedId: shown.id } : {})
