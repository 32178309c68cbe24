import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { Binding } from '../keymap'
import { formatBytes, formatWhen } from '../format'
import { tmList, tmResources, tmRows, type TmRow } from '../state/timemachine'
import { MORE_TEXT } from '../state/paging'
import type { TuiState } from '../state/reducer'
import type { Column } from '../components/Table'
import { ListTable } from '../components/ListTable'
import { BucketPicker } from './Buckets'
import { bind, listScreenKeys } from './list-keys'
import type { ScreenKeys, ScreenProps } from './types'

const PICK: Binding[] = [bind(['enter'], 'enter', 'open the bucket', { type: 'tm/open' }, { hint: true, short: 'open' })]
const FILES: Binding[] = [
  bind(['enter'], 'enter', "the file's versions", { type: 'tm/open' }, { hint: true, short: 'versions' }),
  bind(['x'], 'x', 'deleted files / files with history', { type: 'tm/deleted' }, { hint: true, short: 'deleted' }),
  bind(['u'], 'u', 'undelete the file', { type: 'tm/undelete' }, { hint: true, short: 'undelete' }),
  bind(['P'], 'P', "purge the file's history (type its name)", { type: 'tm/purge' }, { short: 'purge' }),
]
const VERSIONS: Binding[] = [
  bind(['enter'], 'enter', 'preview the version (text) or its metadata', { type: 'tm/open' }, { hint: true, short: 'preview' }),
  bind(['R'], 'R', 'restore this version', { type: 'tm/restore' }, { hint: true, short: 'restore' }),
  bind([' '], 'space', 'mark the version for a diff', { type: 'tm/mark' }, { hint: true, short: 'mark' }),
  bind(['D'], 'D', 'diff: marked (or current) against selected', { type: 'tm/diff' }, { hint: true, short: 'diff' }),
  bind(['m'], 'm', "the version's metadata", { type: 'tm/meta' }, { short: 'meta' }),
  bind(['P'], 'P', "purge the file's history (type its name)", { type: 'tm/purge' }, { short: 'purge' }),
]

export function tmKeys(state: TuiState): ScreenKeys {
  const id = tmList(state)
  const own = id === 'tmBuckets' ? PICK : id === 'tmVersions' ? VERSIONS : FILES
  return listScreenKeys(state, id, own)
}

const FILE_COLUMNS: Column<TmRow>[] = [
  { title: 'file', width: 0, cell: (r) => (r.kind === 'file' ? r.key : r.kind === 'more' ? MORE_TEXT : ''), color: (r) => (r.kind === 'more' ? 'gray' : undefined) },
  { title: 'versions', width: 8, align: 'right', cell: (r) => (r.kind === 'file' ? String(r.versions) : '') },
  { title: 'state', width: 8, cell: (r) => (r.kind !== 'file' ? '' : r.deleted ? 'deleted' : 'live'), color: (r) => (r.kind === 'file' && r.deleted ? 'yellow' : undefined) },
  { title: 'changed', width: 16, cell: (r) => (r.kind === 'file' ? formatWhen(r.at) : '') },
]

function versionColumns(mark: string | null): Column<TmRow>[] {
  return [
    { title: 'version', width: 0, cell: (r) => (r.kind === 'version' ? `${r.versionId === mark ? '◆' : ' '} v${r.versionNumber}` : ''), color: (r) => (r.id === mark ? 'magenta' : undefined) },
    { title: 'size', width: 10, align: 'right', cell: (r) => (r.kind === 'version' ? formatBytes(r.size) : '') },
    { title: 'saved', width: 16, cell: (r) => (r.kind === 'version' ? formatWhen(r.createdAt) : '') },
    { title: 'current', width: 7, cell: (r) => (r.kind === 'version' && r.isCurrent ? '● now' : ''), color: () => 'green' },
  ]
}

/** Time Machine: bucket → files with history (or deleted files) → versions. */
export const TimeMachine = memo(function TimeMachine({ state, width, rows }: ScreenProps) {
  const { bucket, key, deleted, mark } = state.tm
  if (bucket === null) return <BucketPicker state={state} id="tmBuckets" title="Time Machine · choose a bucket" width={width} rows={rows} />
  const title = key !== null ? <Text bold><Text color="cyan">{bucket}</Text>/{key} · versions, newest first</Text>
    : <Text bold><Text color="cyan">{bucket}</Text> · {deleted ? 'deleted files (u undeletes)' : 'files with history (x: deleted files)'}</Text>
  return (
    <Box flexDirection="column" flexGrow={1}>
      {title}
      <ListTable state={state} id={tmList(state)} rows={tmRows(state)} resource={tmResources(state)[0].key} loading="loading…"
        columns={key !== null ? versionColumns(mark) : FILE_COLUMNS} width={width} height={rows - 1} noun={key !== null ? 'version' : 'file'}
        empty={key !== null ? 'no versions kept' : deleted ? 'no deleted files to bring back' : 'no file has history yet'} />
    </Box>
  )
})
