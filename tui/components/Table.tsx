import React, { memo } from 'react'
import { Box, Text } from 'ink'
import { fitText } from '../format'
import { selectedIndex, visibleRange, type ListState, type RowRef } from '../state/list'

export interface Column<R> {
  title: string
  /** Columns; 0 takes what the fixed columns leave (one such column per table). */
  width: number
  align?: 'left' | 'right'
  cell: (row: R) => string
  color?: (row: R) => string | undefined
}

export interface TableProps<R extends RowRef> {
  /** The rows after the filter. */
  rows: readonly R[]
  /** How many there are before the filter. */
  total: number
  list: ListState
  columns: Column<R>[]
  width: number
  /** Rows the table may use; Infinity shows them all. */
  height: number
  /** What a row is called in the caption ("key", "file"). */
  noun: string
  empty: string
  stale?: boolean
  /** Shown instead of the table before the first answer. */
  loading?: string | null
}

const MARKER = 2

function widths<R>(columns: Column<R>[], width: number): number[] {
  const fixed = columns.reduce((n, c) => n + c.width + 1, MARKER)
  const flex = Math.max(6, width - fixed)
  return columns.map((c) => c.width || flex)
}

function Row<R extends RowRef>({ row, selected, columns, w }: { row: R; selected: boolean; columns: Column<R>[]; w: number[] }) {
  return (
    <Text wrap="truncate-end" inverse={selected}>
      {selected ? '› ' : '  '}
      {columns.map((c, i) => {
        const color = c.color?.(row)
        const cell = fitText(c.cell(row), w[i], c.align)
        return <Text key={i} color={color}>{i ? ' ' : ''}{cell}</Text>
      })}
    </Text>
  )
}
const MemoRow = memo(Row) as typeof Row

/** The caption line: counts, the filter, what is shown, staleness. */
export function caption(shown: number, total: number, noun: string, list: ListState, range: { start: number; end: number }, stale: boolean): string {
  const plural = (n: number) => `${n} ${n === 1 ? noun : /[^aeiou]y$/.test(noun) ? noun.slice(0, -1) + 'ies' : noun + 's'}`
  const parts = [list.filter ? `${shown} of ${plural(total)} match “${list.filter}”` : plural(total)]
  if (range.end - range.start < shown && shown > 0) parts.push(`${range.start + 1}–${range.end} shown`)
  if (stale) parts.push('stale: last known data')
  return parts.join(' · ')
}

/** The `/` filter's input, under the rows while it has the keyboard. */
export function FilterLine({ filter }: { filter: string }) {
  return <Text wrap="truncate-end"><Text color="cyan" bold>/</Text>{filter}<Text inverse> </Text><Text dimColor>  enter keeps · esc clears</Text></Text>
}

/** What an empty table says: nothing matches the filter, or the list's own words. */
export const emptyText = (list: ListState, empty: string) => (list.filter ? 'nothing matches the filter (esc clears it)' : empty)

/**
 * A list as a table: a header, the visible window of rows (the selection kept in view), and a
 * caption; the `/` filter's input when it is open. One Text per row, memoized by row object.
 */
export function Table<R extends RowRef>({ rows, total, list, columns, width, height, noun, empty, stale = false, loading }: TableProps<R>) {
  if (loading) return <Box paddingX={1} flexGrow={1}><Text dimColor>{loading}</Text></Box>
  const w = widths(columns, width)
  const sel = selectedIndex(list, rows)
  const bodyRows = Number.isFinite(height) ? Math.max(1, height - 2 - (list.filtering ? 1 : 0)) : Infinity
  const range = visibleRange(list, rows.length, sel, bodyRows)
  return (
    <Box flexDirection="column" flexGrow={1} flexShrink={1} overflow="hidden">
      <Text wrap="truncate-end" bold dimColor>
        {'  '}{columns.map((c, i) => (i ? ' ' : '') + fitText(c.title, w[i], c.align)).join('')}
      </Text>
      <Box flexDirection="column" flexGrow={1} flexShrink={1} overflow="hidden">
        {rows.length === 0 ? <Text dimColor>  {emptyText(list, empty)}</Text>
          : rows.slice(range.start, range.end).map((r, i) => <MemoRow key={r.id} row={r} selected={range.start + i === sel} columns={columns} w={w} />)}
      </Box>
      {list.filtering ? <FilterLine filter={list.filter} /> : null}
      <Text dimColor wrap="truncate-end">{caption(rows.length, total, noun, list, range, stale)}</Text>
    </Box>
  )
}
