import type { Bucket, ObjectPage } from '../api'
import { formatBytes } from '../format'
import { form, typed, type Dialog } from './dialog'
import { baseName, listOf, openDialog, parentPrefix, resource, selectIn, startOp, typedName, withList } from './common'
import { EMPTY_LIST, selectedRow, type RowRef } from './list'
import { bucketRows, bucketsResources } from './buckets'
import { pageResources, pagedRows, type MoreRow, type Paged } from './paging'
import type { ResourceSpec, TuiState } from './reducer'

/**
 * The Files screen: a bucket browsed like a file manager (folders are common prefixes at '/'),
 * object details, upload and download with progress, delete, presigned URLs.
 */

export interface FilesLocation {
  /** null: choosing a bucket. */
  bucket: string | null
  prefix: string
  /** Cursors of the further pages the user asked for ("more…"). */
  pages: string[]
}

export const FILES_HOME: FilesLocation = { bucket: null, prefix: '', pages: [] }

export type FilesAction =
  | { type: 'files/open' }
  | { type: 'files/upload' }
  | { type: 'files/download' }
  | { type: 'files/delete' }
  | { type: 'files/copyUrl' }
  | { type: 'files/goto'; bucket: string | null; prefix: string }
  /** The selected file in the Time Machine screen, or a share link for it (the root reducer's). */
  | { type: 'files/tm' }
  | { type: 'files/share' }

type Entry = RowRef & (
  | { kind: 'up' }
  | { kind: 'folder'; prefix: string }
  | { kind: 'file'; key: string; size: number; lastModified: string; contentType: string }
)
export type FileRow = Entry | MoreRow

/** A folder's listing, a page at a time. */
const folder = (bucket: string, prefix: string): Paged<ObjectPage> => ({
  key: (cursor) => `objects:${bucket}:${prefix}:${cursor}`,
  load: (c, q, s) => c.listObjects(bucket, { prefix, delimiter: '/', ...q }, s),
})

export function filesResources(state: TuiState): ResourceSpec[] {
  const { bucket, prefix, pages } = state.files
  if (bucket === null) return bucketsResources()
  return [
    ...pageResources(folder(bucket, prefix), pages),
    // Whether a delete can be undone depends on the bucket's Time Machine setting.
    ...bucketsResources(),
  ]
}

const entries = (p: ObjectPage): Entry[] => [
  ...p.prefixes.map((f): Entry => ({ id: `d:${f}`, text: baseName(f), kind: 'folder', prefix: f })),
  ...p.objects.map((o): Entry => ({ id: `f:${o.key}`, text: baseName(o.key), kind: 'file', key: o.key, size: o.size, lastModified: o.lastModified, contentType: o.contentType })),
]
const UP: Entry[] = [{ id: '..', text: '..', kind: 'up' }]

/** The rows of the current folder: up, folders, files, then "more…" when the listing goes on. */
export function fileRows(state: TuiState): FileRow[] {
  const { bucket, prefix, pages } = state.files
  if (bucket === null) return []
  return pagedRows(state, folder(bucket, prefix), pages, entries, prefix ? UP : []) ?? []
}

export const selectedFile = (state: TuiState): FileRow | null => selectedRow(listOf(state, 'files'), fileRows(state))

function go(state: TuiState, loc: FilesLocation, select: string | null = null): TuiState {
  const next = { ...state, files: loc }
  return withList(next, 'files', select ? { ...EMPTY_LIST, selectedId: select } : EMPTY_LIST)
}

/** Esc: up one folder, then back to the bucket list; null at the top (the App goes back further). */
export function filesBack(state: TuiState): TuiState | null {
  const { bucket, prefix } = state.files
  if (bucket === null) return null
  if (prefix) return go(state, { bucket, prefix: parentPrefix(prefix), pages: [] }, `d:${prefix}`)
  return selectIn(go(state, FILES_HOME), 'fileBuckets', bucket)
}

/** Deleting in a bucket with Time Machine (or S3 versioning) keeps the history: undoable. */
function reversible(state: TuiState, bucket: string): boolean {
  const b = resource<Bucket[]>(state, 'buckets').data?.find((x) => x.name === bucket)
  return !!b && (b.timeMachine || b.versioning === 'Enabled')
}

function deleteDialog(state: TuiState, bucket: string, key: string): Dialog {
  const request = { op: 'deleteObject' as const, bucket, key }
  if (reversible(state, bucket)) {
    return { kind: 'confirm', tone: 'warn', title: `Delete ${key}?`, lines: ['Time Machine keeps its history: undelete it from the Time Machine screen (6, x).'], request }
  }
  return typed(`Delete ${key} for good?`, typedName(key), ['This bucket keeps no history: the file cannot be brought back.'], request)
}

export function filesReducer(state: TuiState, action: FilesAction): TuiState {
  const { bucket, prefix } = state.files
  if (action.type === 'files/goto') return go(state, { bucket: action.bucket, prefix: action.prefix, pages: [] })
  if (bucket === null) {
    if (action.type !== 'files/open') return state
    const b = selectedRow(listOf(state, 'fileBuckets'), bucketRows(state))
    return b ? go(state, { bucket: b.id, prefix: '', pages: [] }) : state
  }
  if (action.type === 'files/upload') {
    return openDialog(state, form('upload', `Upload to ${bucket}/${prefix}`, [
      { name: 'path', label: 'Local file', kind: 'text', value: '', hint: 'a path on this machine; ~ is your home' },
      { name: 'key', label: 'Name', kind: 'text', value: '', hint: `empty: the file's name, in ${prefix || 'the top folder'}` },
    ], { bucket, prefix }))
  }
  const row = selectedFile(state)
  if (!row) return state
  switch (action.type) {
    case 'files/open':
      if (row.kind === 'up') return filesBack(state) ?? state
      if (row.kind === 'folder') return go(state, { bucket, prefix: row.prefix, pages: [] })
      if (row.kind === 'more') return { ...state, files: { ...state.files, pages: [...state.files.pages, row.cursor] } }
      return startOp(state, { op: 'objectDetails', bucket, key: row.key })
    case 'files/download':
      if (row.kind !== 'file') return state
      return openDialog(state, form('download', `Download ${row.key} (${formatBytes(row.size)})`, [
        { name: 'path', label: 'Save as', kind: 'text', value: `./${baseName(row.key)}`, hint: 'an existing file is replaced' },
      ], { bucket, key: row.key }))
    case 'files/delete':
      return row.kind === 'file' ? openDialog(state, deleteDialog(state, bucket, row.key)) : state
    case 'files/copyUrl':
      if (row.kind !== 'file') return state
      return openDialog(state, form('copyUrl', `Presigned URL for ${row.key}`, [
        { name: 'expires', label: 'Valid for', kind: 'choice', value: '1 hour', options: ['1 hour', '1 day', '7 days'], hint: '←/→ to choose; anyone with the URL can download the file' },
      ], { bucket, key: row.key }))
    default:
      return state
  }
}
