import React, { memo } from 'react'
import type { Binding } from '../keymap'
import { formatWhen } from '../format'
import { shareRows, shareStatus, type ShareRow } from '../state/shares'
import type { TuiState } from '../state/reducer'
import type { Column } from '../components/Table'
import { ListTable } from '../components/ListTable'
import { bind, listScreenKeys } from './list-keys'
import type { ScreenKeys, ScreenProps } from './types'

const OWN: Binding[] = [
  bind(['n'], 'n', 'new share link', { type: 'shares/new' }, { hint: true, short: 'new' }),
  bind(['c'], 'c', 'copy the link', { type: 'shares/copy' }, { hint: true, short: 'copy' }),
  bind(['d'], 'd', 'revoke the link', { type: 'shares/revoke' }, { hint: true, short: 'revoke' }),
]

export const sharesKeys = (state: TuiState): ScreenKeys => listScreenKeys(state, 'shares', OWN)

function columns(now: number): Column<ShareRow>[] {
  return [
    { title: 'file', width: 0, cell: (r) => `${r.share.bucket}/${r.share.key}` },
    { title: 'status', width: 8, cell: (r) => shareStatus(r.share, now), color: (r) => (shareStatus(r.share, now) === 'active' ? 'green' : 'yellow') },
    { title: 'expires', width: 16, cell: (r) => (r.share.expiresAt ? formatWhen(r.share.expiresAt) : 'never') },
    { title: 'downloads', width: 9, align: 'right', cell: (r) => `${r.share.downloads}/${r.share.maxDownloads ?? '∞'}` },
    { title: 'pw', width: 3, cell: (r) => (r.share.hasPassword ? 'yes' : '') },
  ]
}

/** Share links: who can download what, until when. */
export const Shares = memo(function Shares({ state, width, rows }: ScreenProps) {
  return (
    <ListTable state={state} id="shares" rows={shareRows(state)} resource="shares" loading="loading share links…"
      columns={columns(state.lastRefresh ?? Date.now())} width={width} height={rows} noun="link" empty="no share links: n creates one (or S on a file)" />
  )
})
