import type { DeletedFiles, VersionedFiles, VersionList } from '../api'
import { formatBytes, formatSeconds } from '../format'
import { listOf, openDialog, resource, startOp, typedName, withList } from './common'
import { typed } from './dialog'
import { cachedRows, EMPTY_LIST, selectedRow, type RowRef } from './list'
import { bucketRows, bucketsResources } from './buckets'
import { pageResources, pagedRows, type MoreRow, type Paged } from './paging'
import type { ListId, ResourceSpec, TuiState } from './reducer'

/**
 * The Time Machine screen: bucket → files with history → a file's versions; preview, metadata,
 * diff of two versions, restore; the deleted files with undelete; purging a file's history.
 */

export interface TmLocation {
  bucket: string | null
  /** The file whose versions are shown; null: the bucket's files. */
  key: string | null
  /** The bucket's deleted files instead of its files with history. */
  deleted: boolean
  /** A version marked (space) to diff against the selected one. */
  mark: string | null
  /** Further pages of the files (or deleted files) asked for ("more…"); kept while a file's versions are shown. */
  pages: string[]
}

export const TM_HOME: TmLocation = { bucket: null, key: null, deleted: false, mark: null, pages: [] }

export type TmAction =
  | { type: 'tm/open' }
  | { type: 'tm/deleted' }
  | { type: 'tm/undelete' }
  | { type: 'tm/purge' }
  | { type: 'tm/restore' }
  | { type: 'tm/mark' }
  | { type: 'tm/diff' }
  | { type: 'tm/meta' }
  | { type: 'tm/goto'; bucket: string | null; key: string | null }

type FileRow = RowRef & { kind: 'file'; key: string; versions: number; deleted: boolean; at: string | null }
export type TmRow = FileRow | MoreRow | (RowRef & { kind: 'version'; versionId: string; versionNumber: number; size: number; createdAt: string; isCurrent: boolean })

/** A bucket's files with history, and its deleted files: listings read a page at a time. */
const withHistory = (b: string): Paged<VersionedFiles> => ({ key: (cursor) => `tmFiles:${b}${cursor && `:${cursor}`}`, load: (c, q, s) => c.versionedFiles(b, q, s) })
const deletedFiles = (b: string): Paged<DeletedFiles> => ({ key: (cursor) => `tmDeleted:${b}${cursor && `:${cursor}`}`, load: (c, q, s) => c.deletedFiles(b, q, s) })
const versionsKey = (b: string, k: string) => `tmVersions:${b}:${k}`

export function tmResources(state: TuiState): ResourceSpec[] {
  const { bucket, key, deleted, pages } = state.tm
  if (bucket === null) return bucketsResources()
  if (key !== null) return [{ key: versionsKey(bucket, key), load: (c, s) => c.versions(bucket, key, s) }]
  return deleted ? pageResources(deletedFiles(bucket), pages) : pageResources(withHistory(bucket), pages)
}

/** The list the screen shows now. */
export function tmList(state: TuiState): ListId {
  const { bucket, key, deleted } = state.tm
  return bucket === null ? 'tmBuckets' : key !== null ? 'tmVersions' : deleted ? 'tmDeleted' : 'tmFiles'
}

const versionRows = cachedRows((d: VersionList): TmRow[] => d.versions.map((v) => ({
  id: v.versionId, text: `v${v.versionNumber} ${v.createdAt}`, kind: 'version' as const,
  versionId: v.versionId, versionNumber: v.versionNumber, size: v.size, createdAt: v.createdAt, isCurrent: v.isCurrent,
})))

export function tmRows(state: TuiState): TmRow[] {
  const { bucket, key, deleted, pages } = state.tm
  if (bucket === null) return []
  if (key !== null) return versionRows(resource<VersionList>(state, versionsKey(bucket, key)).data)
  if (deleted) {
    return pagedRows(state, deletedFiles(bucket), pages, (p) => p.files.map((f): FileRow => ({ id: f.key, text: f.key, kind: 'file', key: f.key, versions: f.versions, deleted: true, at: f.deletedAt }))) ?? []
  }
  return pagedRows(state, withHistory(bucket), pages, (p) => p.files.map((f): FileRow => ({ id: f.key, text: f.key, kind: 'file', key: f.key, versions: f.versions, deleted: f.deleted, at: f.updatedAt }))) ?? []
}

export const selectedTm = (state: TuiState): TmRow | null => selectedRow(listOf(state, tmList(state)), tmRows(state))

export function tmGoto(state: TuiState, bucket: string | null, key: string | null, deleted = false, pages: string[] = []): TuiState {
  const next = { ...state, tm: { bucket, key, deleted, mark: null, pages } }
  return withList(next, tmList(next), EMPTY_LIST)
}

/** Esc: versions → files, deleted → files, files → buckets; null at the top. */
export function tmBack(state: TuiState): TuiState | null {
  const { bucket, key, deleted } = state.tm
  if (bucket === null) return null
  if (key !== null || deleted) {
    // From a file's versions: back to the list it was opened from, with the pages it had.
    const next = key !== null ? tmGoto(state, bucket, null, deleted, state.tm.pages) : tmGoto(state, bucket, null)
    return withList(next, tmList(next), { ...EMPTY_LIST, selectedId: key })
  }
  const next = tmGoto(state, null, null)
  return withList(next, 'tmBuckets', { ...listOf(state, 'tmBuckets'), selectedId: bucket })
}

function purge(state: TuiState, bucket: string, key: string): TuiState {
  return openDialog(state, typed(`Purge the history of ${key}?`, typedName(key),
    ['Every version but the current one is removed for good (a deleted file: all of it).'], { op: 'purge', bucket, key }))
}

export function tmReducer(state: TuiState, action: TmAction): TuiState {
  const { bucket, key, deleted, mark } = state.tm
  if (action.type === 'tm/goto') return tmGoto(state, action.bucket, action.key)
  if (bucket === null) {
    if (action.type !== 'tm/open') return state
    const b = selectedRow(listOf(state, 'tmBuckets'), bucketRows(state))
    return b ? tmGoto(state, b.id, null) : state
  }
  if (action.type === 'tm/deleted') return key === null ? tmGoto(state, bucket, null, !deleted) : state
  const row = selectedTm(state)
  if (!row) return state
  if (row.kind === 'more') return action.type === 'tm/open' ? { ...state, tm: { ...state.tm, pages: [...state.tm.pages, row.cursor] } } : state
  if (row.kind === 'file') {
    switch (action.type) {
      case 'tm/open':
        // Remembers the view and its pages, so Esc goes back there.
        return tmGoto(state, bucket, row.key, deleted, state.tm.pages)
      case 'tm/undelete':
        if (!row.deleted) return state
        return openDialog(state, { kind: 'confirm', tone: 'warn', title: `Undelete ${row.key}?`, lines: ['Its newest kept version becomes the current file again.'], request: { op: 'undelete', bucket, key: row.key } })
      case 'tm/purge':
        return purge(state, bucket, row.key)
      default:
        return state
    }
  }
  const file = key!
  switch (action.type) {
    case 'tm/open':
      return startOp(state, { op: 'preview', versionId: row.versionId, key: file, versionNumber: row.versionNumber })
    case 'tm/meta':
      return startOp(state, { op: 'objectDetails', bucket, key: file, versionId: row.versionId })
    case 'tm/mark':
      return { ...state, tm: { ...state.tm, mark: mark === row.versionId ? null : row.versionId } }
    case 'tm/diff': {
      // The marked version against the selected one; without a mark, the selected against the current.
      const rows = tmRows(state)
      const current = rows.find((r) => r.kind === 'version' && r.isCurrent)
      const from = mark ?? row.versionId
      const to = mark ? row.versionId : current && current.id !== row.versionId ? current.id : null
      if (!to || from === to) return { ...state, notice: { tone: 'error', text: 'mark a version with space, then select another to diff (or select an older one to diff with the current)' } }
      const [a, b] = [rows.find((r) => r.id === from), rows.find((r) => r.id === to)]
      const older = a && b && a.kind === 'version' && b.kind === 'version' && a.versionNumber > b.versionNumber
      return startOp(state, { op: 'compare', from: older ? to : from, to: older ? from : to, key: file })
    }
    case 'tm/restore':
      if (row.isCurrent) return { ...state, notice: { tone: 'error', text: `version ${row.versionNumber} is already the current one` } }
      return openDialog(state, {
        kind: 'confirm', tone: 'warn', title: `Restore version ${row.versionNumber} of ${file}?`,
        lines: [`Its content (${formatBytes(row.size)}, ${formatSeconds(row.createdAt)}) becomes a new current version; nothing is lost.`],
        request: { op: 'restore', versionId: row.versionId, key: file, versionNumber: row.versionNumber },
      })
    case 'tm/purge':
      return purge(state, bucket, file)
    default:
      return state
  }
}
