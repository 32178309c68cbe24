import type { ReactNode } from 'react'

/**
 * A listing as a table that becomes one card per row on a phone (styles.css: table.stack; each
 * cell names its column with data-label). The caption is for screen readers; `actions` adds the
 * last column of row buttons, its header named only for them. With `empty`, no rows shows that
 * line instead of an empty table.
 */
export function DataTable<T>({ caption, columns, actions, rows, row, empty }: {
  caption: ReactNode; columns: string[]; actions?: boolean; rows: T[]; row: (item: T) => ReactNode; empty?: string
}) {
  if (empty && rows.length === 0) return <p className="muted">{empty}</p>
  return (
    <div className="table-wrap">
      <table className="stack">
        <caption className="offscreen">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => <th key={c} scope="col">{c}</th>)}
            {actions ? <th scope="col"><span className="offscreen">Actions</span></th> : null}
          </tr>
        </thead>
        <tbody>{rows.map(row)}</tbody>
      </table>
    </div>
  )
}
