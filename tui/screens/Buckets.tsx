import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { Binding } from '../keymap'
import { formatBytes, formatCountShort } from '../format'
import { bucketRows, retentionText, type BucketRow } from '../state/buckets'
import { listOf } from '../state/common'
import { applyFilter } from '../state/list'
import type { ListId, TuiState } from '../state/reducer'
import { Table, type Column } from '../components/Table'
import { ListTable } from '../components/ListTable'
import { bind, listScreenKeys } from './list-keys'
import type { ScreenKeys, ScreenProps } from './types'

const OWN: Binding[] = [
  bind(['enter'], 'enter', 'browse its files', { type: 'buckets/files' }, { hint: true, short: 'files' }),
  bind(['n'], 'n', 'new bucket', { type: 'buckets/new' }, { hint: true, short: 'new' }),
  bind(['d'], 'd', 'delete the bucket (type its name)', { type: 'buckets/delete' }, { hint: true, short: 'delete' }),
  bind(['v'], 'v', 'Time Machine on / off', { type: 'buckets/toggle', setting: 'timeMachine' }, { hint: true, short: 'versions' }),
  bind(['p'], 'p', 'public read on / off', { type: 'buckets/toggle', setting: 'publicRead' }, { hint: true, short: 'public' }),
  bind(['e'], 'e', 'edit Time Machine retention', { type: 'buckets/retention' }, { short: 'retention' }),
  bind(['c'], 'c', 'edit CORS rules (JSON)', { type: 'buckets/cors' }, { short: 'cors' }),
  bind(['t'], 't', 'Time Machine of this bucket', { type: 'buckets/tm' }, { short: 'history' }),
]

export const bucketsKeys = (state: TuiState): ScreenKeys => listScreenKeys(state, 'buckets', OWN)

const on = (b: boolean) => (b ? 'on' : 'off')

export function bucketColumns(width: number): Column<BucketRow>[] {
  const cols: Column<BucketRow>[] = [
    { title: 'name', width: 0, cell: (r) => r.bucket.name + (r.bucket.isDefault ? ' *' : '') },
    { title: 'objects', width: 7, align: 'right', cell: (r) => formatCountShort(r.bucket.usage.objects) },
    { title: 'size', width: 9, align: 'right', cell: (r) => formatBytes(r.bucket.usage.bytes) },
    { title: 'on disk', width: 9, align: 'right', cell: (r) => formatBytes(r.bucket.usage.storedBytes) },
    { title: 'TM', width: 3, cell: (r) => on(r.bucket.timeMachine), color: (r) => (r.bucket.timeMachine ? 'green' : 'yellow') },
    { title: 'S3 vers.', width: 9, cell: (r) => r.bucket.versioning || 'never' },
    { title: 'public', width: 6, cell: (r) => (r.bucket.publicRead ? 'PUBLIC' : 'no'), color: (r) => (r.bucket.publicRead ? 'red' : undefined) },
  ]
  if (width >= 96) cols.push({ title: 'retention', width: 22, cell: (r) => retentionText(r.bucket) })
  return cols
}

/** Buckets with usage and settings; * marks the account's default bucket. */
export const Buckets = memo(function Buckets({ state, width, rows }: ScreenProps) {
  return (
    <ListTable state={state} id="buckets" rows={bucketRows(state)} resource="buckets" loading="loading buckets…"
      columns={bucketColumns(width)} width={width} height={rows} noun="bucket" empty="no buckets: n creates one" />
  )
})

/**
 * Where the Files and Time Machine screens start: a bucket to open. Unlike the Buckets screen it
 * says "loading" until the list first comes and never marks it stale.
 */
export function BucketPicker({ state, id, title, width, rows }: { state: TuiState; id: ListId; title: string; width: number; rows: number }) {
  const list = listOf(state, id)
  const all = bucketRows(state)
  return (
    <Box flexDirection="column" flexGrow={1}>
      <Text bold>{title}</Text>
      <Table rows={applyFilter(all, list.filter)} total={all.length} list={list} columns={bucketColumns(width)} width={width} height={rows - 1} noun="bucket"
        empty="no buckets" loading={state.resources.buckets.data ? null : 'loading buckets…'} />
    </Box>
  )
}
