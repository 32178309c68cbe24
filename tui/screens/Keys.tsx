import React, { memo } from 'react'
import { Box } from 'ink'
import type { Binding } from '../keymap'
import { formatWhen } from '../format'
import { keyRows, type KeyRow } from '../state/keys'
import type { TuiState } from '../state/reducer'
import type { Column } from '../components/Table'
import { ListTable } from '../components/ListTable'
import { bind, listScreenKeys } from './list-keys'
import type { ScreenKeys, ScreenProps } from './types'

const OWN: Binding[] = [
  bind(['n'], 'n', 'new access key', { type: 'keys/new' }, { hint: true, short: 'new' }),
  bind(['d'], 'd', 'revoke the key', { type: 'keys/revoke' }, { hint: true, short: 'revoke' }),
]

export const keysKeys = (state: TuiState): ScreenKeys => listScreenKeys(state, 'keys', OWN)

const COLUMNS: Column<KeyRow>[] = [
  { title: 'name', width: 0, cell: (r) => r.key.name || '—' },
  { title: 'access key', width: 22, cell: (r) => r.key.accessKey },
  { title: 'created', width: 16, cell: (r) => formatWhen(r.key.createdAt) },
  { title: 'last used', width: 16, cell: (r) => (r.key.lastUsedAt ? formatWhen(r.key.lastUsedAt) : 'never'), color: (r) => (r.key.lastUsedAt ? undefined : 'gray') },
]

/** The caller's access keys (the admin token: the first administrator's). */
export const Keys = memo(function Keys({ state, width, rows }: ScreenProps) {
  return (
    <Box flexDirection="column" flexGrow={1}>
      <ListTable state={state} id="keys" rows={keyRows(state)} resource="keys" loading="loading keys…"
        columns={COLUMNS} width={width} height={rows} noun="key" empty="no access keys: n creates one" />
    </Box>
  )
})
