import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { Binding } from '../keymap'
import { formatBytes, formatWhen } from '../format'
import { fileRows, type FileRow } from '../state/files'
import { MORE_TEXT } from '../state/paging'
import type { TuiState } from '../state/reducer'
import type { Column } from '../components/Table'
import { ListTable } from '../components/ListTable'
import { BucketPicker } from './Buckets'
import { bind, listScreenKeys } from './list-keys'
import type { ScreenKeys, ScreenProps } from './types'

const PICK: Binding[] = [bind(['enter'], 'enter', 'open the bucket', { type: 'files/open' }, { hint: true, short: 'open' })]

const BROWSE: Binding[] = [
  bind(['enter'], 'enter', 'open the folder / show the file', { type: 'files/open' }, { hint: true, short: 'open' }),
  bind(['u'], 'u', 'upload a local file here', { type: 'files/upload' }, { hint: true, short: 'upload' }),
  bind(['s'], 's', 'save (download) the file', { type: 'files/download' }, { hint: true, short: 'download' }),
  bind(['d'], 'd', 'delete the file', { type: 'files/delete' }, { hint: true, short: 'delete' }),
  bind(['c'], 'c', 'copy a presigned URL of the file', { type: 'files/copyUrl' }, { hint: true, short: 'url' }),
  bind(['t'], 't', 'versions of the file (Time Machine)', { type: 'files/tm' }, { short: 'versions' }),
  bind(['S'], 'S', 'share link for the file', { type: 'files/share' }, { short: 'share' }),
  bind(['backspace', 'left', 'h'], '⌫ ←', 'up one folder', { type: 'back' }),
]

export function filesKeys(state: TuiState): ScreenKeys {
  return state.files.bucket === null ? listScreenKeys(state, 'fileBuckets', PICK) : listScreenKeys(state, 'files', BROWSE)
}

const icon = (r: FileRow) => (r.kind === 'up' ? '↰ ..' : r.kind === 'folder' ? `▸ ${r.text}` : r.kind === 'more' ? MORE_TEXT : `  ${r.text}`)

const COLUMNS: Column<FileRow>[] = [
  { title: 'name', width: 0, cell: icon, color: (r) => (r.kind === 'folder' || r.kind === 'up' ? 'cyan' : r.kind === 'more' ? 'gray' : undefined) },
  { title: 'size', width: 9, align: 'right', cell: (r) => (r.kind === 'file' ? formatBytes(r.size) : '') },
  { title: 'modified', width: 16, cell: (r) => (r.kind === 'file' ? formatWhen(r.lastModified) : '') },
  { title: 'type', width: 18, cell: (r) => (r.kind === 'file' ? r.contentType : r.kind === 'folder' ? 'folder' : '') },
]

/** A bucket like a file manager: the path on top, folders first. */
export const Files = memo(function Files({ state, width, rows }: ScreenProps) {
  const { bucket, prefix } = state.files
  if (bucket === null) return <BucketPicker state={state} id="fileBuckets" title="Choose a bucket" width={width} rows={rows} />
  return (
    <Box flexDirection="column" flexGrow={1}>
      <Text wrap="truncate-start" bold><Text color="cyan">{bucket}</Text>/{prefix}</Text>
      <ListTable state={state} id="files" rows={fileRows(state)} resource={`objects:${bucket}:${prefix}:`} loading="loading…"
        columns={COLUMNS} width={width} height={rows - 1} noun="item" empty="an empty folder: u uploads a file" />
    </Box>
  )
})
