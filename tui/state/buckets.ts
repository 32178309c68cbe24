import type { Bucket } from '../api'
import { formatBytes, formatCount } from '../format'
import { form, typed, type Dialog } from './dialog'
import { listOf, openDialog, resource, startOp } from './common'
import { cachedRows, selectedRow, type RowRef } from './list'
import type { ResourceSpec, TuiState } from './reducer'

/** The Buckets screen: usage and settings; create, delete, toggle settings, retention, CORS. */

export type BucketsAction =
  | { type: 'buckets/new' }
  | { type: 'buckets/delete' }
  | { type: 'buckets/toggle'; setting: 'timeMachine' | 'publicRead' }
  | { type: 'buckets/retention' }
  | { type: 'buckets/cors' }
  /** Enter: the Files screen in this bucket (the root reducer moves there). */
  | { type: 'buckets/files' }
  | { type: 'buckets/tm' }

export interface BucketRow extends RowRef { bucket: Bucket }

const rowsOf = cachedRows((data: Bucket[]): BucketRow[] =>
  [...data].sort((a, b) => a.name.localeCompare(b.name)).map((b) => ({ id: b.name, text: b.name, bucket: b })))

export const bucketRows = (state: TuiState): BucketRow[] => rowsOf(resource<Bucket[]>(state, 'buckets').data)

export const bucketsResources = (): ResourceSpec[] => [{ key: 'buckets', load: (c, s) => c.listBuckets(s) }]

export const selectedBucket = (state: TuiState, list: 'buckets' | 'fileBuckets' | 'tmBuckets' = 'buckets'): Bucket | null =>
  selectedRow(listOf(state, list), bucketRows(state))?.bucket ?? null

/** "keep 10 versions, 30 days" with the appliance defaults written as such. */
export function retentionText(b: Bucket): string {
  const v = b.retention.maxVersions
  const d = b.retention.maxAgeDays
  return `${v === null ? 'default' : v} versions · ${d === null ? 'default' : `${d}d`}`
}

function deleteDialog(b: Bucket): Dialog {
  const empty = b.usage.objects === 0
  return typed(`Delete bucket ${b.name}?`, b.name,
    empty ? ['The bucket is empty. Its name becomes free for anyone to take.']
      : [`It is not empty: ${formatCount(b.usage.objects)} object${b.usage.objects === 1 ? '' : 's'} (${formatBytes(b.usage.bytes)}) and all their history go with it, for good.`],
    { op: 'deleteBucket', name: b.name, force: !empty })
}

export function bucketsReducer(state: TuiState, action: BucketsAction): TuiState {
  if (action.type === 'buckets/new') {
    return openDialog(state, form('newBucket', 'New bucket', [{ name: 'name', label: 'Name', kind: 'text', value: '', hint: '3-63 lower-case letters, digits, dots, hyphens' }]))
  }
  const b = selectedBucket(state)
  if (!b) return state
  switch (action.type) {
    case 'buckets/delete':
      if (b.isDefault) return { ...state, notice: { tone: 'error', text: `${b.name} is the account's default bucket; it cannot be deleted` } }
      return openDialog(state, deleteDialog(b))
    case 'buckets/toggle': {
      if (action.setting === 'timeMachine') {
        const on = !b.timeMachine
        const request = { op: 'updateBucket' as const, name: b.name, patch: { versioning: on }, done: `Time Machine ${on ? 'on' : 'off'} for ${b.name}` }
        if (on) return startOp(state, request)
        return openDialog(state, { kind: 'confirm', tone: 'warn', title: `Turn Time Machine off for ${b.name}?`, lines: ['New changes no longer keep the previous version; the history kept so far stays.'], request })
      }
      const on = !b.publicRead
      const request = { op: 'updateBucket' as const, name: b.name, patch: { publicRead: on }, done: `${b.name} is ${on ? 'public (anyone can read)' : 'private'}` }
      if (!on) return startOp(state, request)
      return openDialog(state, { kind: 'confirm', tone: 'danger', title: `Make ${b.name} public?`, lines: ['Anyone who knows a file\'s URL can read it, without credentials.'], request })
    }
    case 'buckets/retention':
      return openDialog(state, form('retention', `Time Machine retention of ${b.name}`, [
        { name: 'maxVersions', label: 'Versions', kind: 'text', value: b.retention.maxVersions === null ? '' : String(b.retention.maxVersions), hint: 'versions kept per file, 1-100000; empty: the appliance default' },
        { name: 'maxAgeDays', label: 'Days', kind: 'text', value: b.retention.maxAgeDays === null ? '' : String(b.retention.maxAgeDays), hint: 'days old versions are kept, 0-36500; empty: the default' },
      ], { bucket: b.name }))
    case 'buckets/cors':
      return startOp(state, { op: 'editCors', name: b.name })
    default:
      return state
  }
}
