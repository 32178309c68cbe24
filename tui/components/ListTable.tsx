import React from 'react'
import { listOf, resource } from '../state/common'
import { applyFilter, type RowRef } from '../state/list'
import { isStale, type ListId, type TuiState } from '../state/reducer'
import { Table, type TableProps } from './Table'

type ListTableProps<R extends RowRef> = Omit<TableProps<R>, 'rows' | 'total' | 'list' | 'stale' | 'loading'> & {
  state: TuiState
  /** The list whose selection, scroll and filter the table shows. */
  id: ListId
  /** All of the list's rows, before the filter. */
  rows: readonly R[]
  /** The resource the rows come from. */
  resource: string
  /** Shown until its first answer ("no data yet" once a request for it has failed). */
  loading: string
}

/**
 * A screen's list as a table: its rows through the list's filter, marked stale while the resource
 * they come from fails to refresh, a placeholder before its first answer. Every list screen
 * showed its Table this way, each wiring the same six props by hand.
 */
export function ListTable<R extends RowRef>({ state, id, rows, resource: key, loading, ...table }: ListTableProps<R>) {
  const list = listOf(state, id)
  const r = resource(state, key)
  return (
    <Table {...table} rows={applyFilter(rows, list.filter)} total={rows.length} list={list}
      stale={isStale(state, key)} loading={r.data ? null : r.problem ? 'no data yet' : loading} />
  )
}
