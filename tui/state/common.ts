import type { Problem } from '../client'
import type { Dialog, Notice } from './dialog'
import { EMPTY_LIST, selectId, type ListState } from './list'
import type { OpRequest } from './ops'
import type { ListId, ResourceState, TuiState } from './reducer'

/** Helpers the screens' state modules share (no screen logic here). */

const EMPTY_RESOURCE: ResourceState<never> = { data: null, problem: null, updatedAt: null }

/** A resource by key, typed by the caller (the key says what it holds). */
export function resource<T>(state: TuiState, key: string): ResourceState<T> {
  return (state.resources[key] as ResourceState<T> | undefined) ?? EMPTY_RESOURCE
}

/** A list's selection, scroll and filter; the Accounts screen keeps its list in its own view. */
export const listOf = (state: TuiState, id: ListId): ListState => (id === 'accounts' ? state.accounts : state.lists[id] ?? EMPTY_LIST)

export function withList(state: TuiState, id: ListId, list: ListState): TuiState {
  if (list === listOf(state, id)) return state
  return id === 'accounts' ? { ...state, accounts: { ...state.accounts, ...list } } : { ...state, lists: { ...state.lists, [id]: list } }
}

/** Puts list `id`'s cursor on row `rowId` (the row just created, the place just left), keeping its filter and scroll. */
export const selectIn = (state: TuiState, id: ListId, rowId: string): TuiState => withList(state, id, selectId(listOf(state, id), rowId))

/** Table rows a list gets: the screen body minus its own header and caption lines. */
export function tableHeight(state: TuiState, chrome = 2): number {
  return Math.max(1, (state.bodyRows ?? 20) - chrome - (state.notice ? 1 : 0))
}

/** Starts a request: the App sends it and answers with mutationDone / mutationFailed. */
export function startOp(state: TuiState, request: OpRequest, keepDialog = true): TuiState {
  if (state.pending) return state
  return { ...state, pending: { ...request, seq: state.nextSeq }, nextSeq: state.nextSeq + 1, notice: null, dialog: keepDialog ? state.dialog : null }
}

export function openDialog(state: TuiState, dialog: Dialog): TuiState {
  return { ...state, dialog, notice: null }
}

/** Asks the App to put `text` on the clipboard (OSC 52), and says so. */
export function copied(state: TuiState, text: string, what: string): TuiState {
  return { ...state, clipboard: { seq: state.nextSeq, text, what }, nextSeq: state.nextSeq + 1, notice: ok(`copied ${what} to the clipboard (OSC 52)`) }
}

export const ok = (text: string): Notice => ({ tone: 'ok', text })
export const failed = (text: string, problem: Problem): Notice => ({ tone: 'error', text, problem })

/** The server's words when it explained itself (a rejected value); the transport's otherwise. */
export function problemText(p: Problem): string {
  if (p.kind === 'server' && p.detail) return `${p.detail} (${p.code})`
  return p.message
}

/** The last path segment of a key ("photos/2024/a.jpg" → "a.jpg"; a folder keeps its slash). */
export function baseName(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key
  const name = trimmed.slice(trimmed.lastIndexOf('/') + 1)
  return key.endsWith('/') ? name + '/' : name
}

/** What a typed confirmation asks for a key: its last path segment ("photos/2024/" → "2024"). */
export const typedName = (key: string): string => baseName(key).replace(/\/$/, '')

/** The folder above a prefix ("a/b/" → "a/", "a/" → ""). */
export function parentPrefix(prefix: string): string {
  const trimmed = prefix.slice(0, -1)
  const i = trimmed.lastIndexOf('/')
  return i < 0 ? '' : trimmed.slice(0, i + 1)
}
