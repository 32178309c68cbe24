import type { Account, ApiClient, Overview, Problem, ProblemKind } from '../client'
import type { AccessKey, Bucket, Me, Webhook } from '../api'
import type { Share } from '../api'
import { shareEqual } from './equal'
import { accountRows, accountsReducer, initialAccountsView, type AccountsAction, type AccountsView, type MutationRequest, type MutationResult } from './accounts'
import { accountsExtraReducer, type AccountsExtraAction } from './accounts-extra'
import { dialogReducer, fieldValues, type Dialog, type DialogAction, type Notice } from './dialog'
import { filterIn, moveIn, selectedRow, type FilterAction, type ListState, type MoveTo, type RowRef } from './list'
import { ACCOUNT_OPS, type OpRequest, type OpResult } from './ops'
import { settleDone, settleFailed } from './settle'
import { submitForm } from './forms'
import { copied, listOf, startOp, tableHeight, withList } from './common'
import { keyRows, keysReducer, type KeysAction } from './keys'
import { bucketRows, bucketsReducer, selectedBucket, type BucketsAction } from './buckets'
import { fileRows, filesBack, filesReducer, FILES_HOME, selectedFile, type FilesAction, type FilesLocation } from './files'
import { tmBack, tmGoto, tmList, tmReducer, tmRows, TM_HOME, type TmAction, type TmLocation } from './timemachine'
import { deliveryRows, webhookRows, webhooksBack, webhooksList, webhooksReducer, type WebhooksAction, type WebhooksLocation } from './webhooks'
import { shareRows, sharesReducer, type SharesAction } from './shares'
import { paletteReducer, type PaletteAction, type PaletteState } from './palette'
import { progress, type Transfer, type TransferAction } from './transfer'

/**
 * Server data the screens show, keyed by resource. The fixed keys are typed here; screens that
 * show data of a place (a folder, a file's versions) use keys such as `objects:<bucket>:<prefix>`
 * and read them with common.resource(). The reducer needs no change for a new resource.
 */
export interface Resources {
  overview: Overview
  accounts: Account[]
  me: Me
  keys: AccessKey[]
  buckets: Bucket[]
  webhooks: Webhook[]
  shares: Share[]
}
export type ResourceKey = keyof Resources

/** How a screen's data is fetched: the key it is stored under and the call. */
export interface ResourceSpec {
  key: string
  load: (client: ApiClient, signal: AbortSignal) => Promise<unknown>
}

export type ScreenId = 'overview' | 'accounts' | 'keys' | 'buckets' | 'files' | 'tm' | 'webhooks' | 'shares'

/** Every list of every screen, each with its own selection, scroll and filter. */
export type ListId =
  | 'accounts' | 'keys' | 'buckets' | 'fileBuckets' | 'files' | 'tmBuckets' | 'tmFiles' | 'tmDeleted' | 'tmVersions'
  | 'webhooks' | 'deliveries' | 'shares'

/**
 * `connecting` until the first answer; then the outcome of the latest request. `unauthorized`
 * covers 401 and 403: in both the server is fine and the credentials are the problem.
 */
export type ConnectionStatus = 'connecting' | 'online' | 'unreachable' | 'unauthorized' | 'failing'

export interface ResourceState<T> {
  /** The last good data; kept (and shown as stale) while requests fail. */
  data: T | null
  problem: Problem | null
  /** When `data` was last fetched successfully (ms since epoch). */
  updatedAt: number | null
}

/** A request the App is sending; `seq` matches its answer to it. */
export type Pending = (MutationRequest | OpRequest) & { seq: number }

export interface TuiState {
  screen: ScreenId
  helpOpen: boolean
  connection: ConnectionStatus
  /** The latest failure across resources, or null once a request succeeds. */
  problem: Problem | null
  /** When the current problem started, so "down since 14:02" survives repeated failures. */
  problemSince: number | null
  /**
   * The resource whose failure the problem is: another resource loading fine does not hide it
   * (a screen may poll two), only that one loading again, or the screen no longer polling it.
   */
  problemResource: string | null
  /** Last successful refresh of any resource. */
  lastRefresh: number | null
  resources: { [K in ResourceKey]: ResourceState<Resources[K]> } & { [key: string]: ResourceState<unknown> }
  /** The Accounts screen: selection, scroll, open dialog, last action's outcome. */
  accounts: AccountsView
  /** The account whose keys, buckets and usage the Accounts screen shows (Enter); null: the list. */
  accountDetail: string | null
  /** A change the App is sending to the server; screens wait for its answer. */
  pending: Pending | null
  /** Numbers mutations, so an answer is matched to the request that is still waiting for it. */
  nextSeq: number
  /** Rows the screen body has (measured by the App); null until known. */
  bodyRows: number | null
  /** The lists of the newer screens (the Accounts list is part of `accounts`). */
  lists: Partial<Record<Exclude<ListId, 'accounts'>, ListState>>
  files: FilesLocation
  tm: TmLocation
  webhooks: WebhooksLocation
  /** The open dialog of the newer screens (Accounts keeps its own for its older actions). */
  dialog: Dialog | null
  /** The outcome of the last action on the newer screens. */
  notice: Notice | null
  palette: PaletteState | null
  transfer: Transfer | null
  /** Text the App copies to the terminal's clipboard (OSC 52) when `seq` changes. */
  clipboard: { seq: number; text: string; what: string } | null
  /** Where Esc returns to from a screen entered by a drill-in (Buckets → Files). */
  returnTo: ScreenId | null
  /** The S3 URL when known without asking (server.json); for key snippets. */
  s3Url: string | null
  /**
   * Whether the caller administers the appliance: the admin token always does; a remote login
   * or key is known once GET /api/me answers. Admin screens are hidden otherwise.
   */
  isAdmin: boolean
  /** On the appliance itself (the admin token): no API budget to keep, more may be polled. */
  local: boolean
}

type LoadedAction = { [K in ResourceKey]: { type: 'loaded'; resource: K; data: Resources[K]; at: number; background?: boolean } }[ResourceKey]

export type Action =
  | LoadedAction
  | { type: 'loaded'; resource: string; data: unknown; at: number; background?: boolean }
  /** The resources the screen polls now: a problem of one it no longer polls is over. */
  | { type: 'polling'; keys: string[] }
  | { type: 'failed'; resource: string; problem: Problem; at: number }
  | { type: 'toggleHelp' }
  | { type: 'closeHelp' }
  | { type: 'showScreen'; screen: ScreenId; returnTo?: ScreenId | null }
  | { type: 'layout'; rows: number }
  /** Esc on a screen: out of a filter, a drill-in, back to where it came from. */
  | { type: 'back' }
  | { type: 'list/move'; to: MoveTo }
  | { type: 'list/filter'; filter: FilterAction }
  | { type: 'copy'; text: string; what: string }
  /** A place on another screen (the palette, drill-ins across screens). */
  | { type: 'goto'; place: Place; returnTo?: ScreenId | null }
  | { type: 'mutationDone'; seq: number; result: MutationResult | OpResult }
  | { type: 'mutationFailed'; seq: number; problem: Problem }
  | AccountsAction | AccountsExtraAction | DialogAction | PaletteAction | TransferAction
  | KeysAction | BucketsAction | FilesAction | TmAction | WebhooksAction | SharesAction

const emptyResource = <T>(): ResourceState<T> => ({ data: null, problem: null, updatedAt: null })

export function initialState(screen: ScreenId = 'overview', s3Url: string | null = null, isAdmin = true, local = isAdmin): TuiState {
  return {
    screen,
    helpOpen: false,
    connection: 'connecting',
    problem: null,
    problemSince: null,
    problemResource: null,
    lastRefresh: null,
    resources: { overview: emptyResource(), accounts: emptyResource(), me: emptyResource(), keys: emptyResource(), buckets: emptyResource(), webhooks: emptyResource(), shares: emptyResource() },
    accounts: initialAccountsView(),
    accountDetail: null,
    pending: null,
    nextSeq: 1,
    bodyRows: null,
    lists: {},
    files: FILES_HOME,
    tm: TM_HOME,
    webhooks: { id: null },
    dialog: null,
    notice: null,
    palette: null,
    transfer: null,
    clipboard: null,
    returnTo: null,
    s3Url,
    isAdmin,
    local,
  }
}

export type Place =
  | { screen: 'files'; bucket: string | null; prefix: string }
  | { screen: 'tm'; bucket: string | null; key: string | null }

function goto(state: TuiState, place: Place, returnTo: ScreenId | null): TuiState {
  const moved = place.screen === 'files' ? filesReducer(state, { type: 'files/goto', bucket: place.bucket, prefix: place.prefix })
    : tmGoto(state, place.bucket, place.key)
  return { ...moved, screen: place.screen, returnTo, helpOpen: false, palette: null, notice: null, dialog: null }
}

/** The list the current screen moves and filters; null on screens without one. */
export function currentList(state: TuiState): ListId | null {
  switch (state.screen) {
    case 'accounts': return state.accountDetail ? null : 'accounts'
    case 'keys': return 'keys'
    case 'buckets': return 'buckets'
    case 'files': return state.files.bucket === null ? 'fileBuckets' : 'files'
    case 'tm': return tmList(state)
    case 'webhooks': return webhooksList(state)
    case 'shares': return 'shares'
    default: return null
  }
}

/** The rows of a list, as the list logic needs them (before the filter). */
export function rowsOf(state: TuiState, id: ListId): readonly RowRef[] {
  switch (id) {
    case 'accounts': return accountRows(state.resources.accounts.data)
    case 'keys': return keyRows(state)
    case 'buckets': case 'fileBuckets': case 'tmBuckets': return bucketRows(state)
    case 'files': return fileRows(state)
    case 'tmFiles': case 'tmDeleted': case 'tmVersions': return tmRows(state)
    case 'webhooks': return webhookRows(state)
    case 'deliveries': return deliveryRows(state)
    case 'shares': return shareRows(state)
  }
}

const STATUS_FOR: Record<ProblemKind, ConnectionStatus> = {
  unreachable: 'unreachable',
  timeout: 'unreachable',
  unauthorized: 'unauthorized',
  forbidden: 'unauthorized',
  server: 'failing',
  protocol: 'failing',
}

export function statusForProblem(p: Problem): ConnectionStatus {
  return STATUS_FOR[p.kind]
}

/** Same Problem apart from per-request noise (request ids differ on every failure). */
function sameProblem(a: Problem | null, b: Problem | null): boolean {
  if (a === null || b === null) return a === b
  return a.kind === b.kind && a.code === b.code && a.message === b.message && a.status === b.status && a.hint === b.hint
}

/** Sends the open dialog's answer: a form's request or transfer, a typed confirmation, the editor's rules. */
function submitDialog(state: TuiState): TuiState {
  const d = state.dialog
  if (!d || state.pending) return state
  switch (d.kind) {
    case 'confirm': return state
    case 'typed':
      if (d.text !== d.expect) return d.mismatch ? state : { ...state, dialog: { ...d, mismatch: true } }
      return startOp(state, d.request)
    case 'form': {
      // Enter moves through the text fields; on the last one it submits.
      if (d.focus < d.fields.length - 1 && (d.fields[d.focus].kind === 'text' || d.fields[d.focus].kind === 'secret')) return { ...state, dialog: { ...d, focus: d.focus + 1 } }
      const out = submitForm(state, d.form, fieldValues(d.fields), d.context)
      if ('error' in out) return { ...state, dialog: { ...d, error: out.error } }
      if ('transfer' in out) return startTransfer({ ...state, dialog: null }, out.transfer)
      return startOp(state, out.request)
    }
    case 'editor': {
      let rules: unknown
      try { rules = JSON.parse(d.lines.join('\n') || '[]') } catch (e) { return { ...state, dialog: { ...d, error: `not JSON: ${(e as Error).message}` } } }
      if (!Array.isArray(rules)) return { ...state, dialog: { ...d, error: 'CORS rules are a JSON array: [{ "allowedOrigins": [...], "allowedMethods": [...] }]' } }
      return startOp(state, { op: 'updateBucket', name: d.bucket, patch: { cors: rules as never }, done: `CORS rules of ${d.bucket} saved (${rules.length} rule${rules.length === 1 ? '' : 's'})` })
    }
    case 'text': return { ...state, dialog: null }
  }
}

function startTransfer(state: TuiState, request: Transfer['request']): TuiState {
  if (state.transfer?.status === 'running') return { ...state, notice: { tone: 'error', text: 'a transfer is running; wait for it or cancel it (X)' } }
  const transfer: Transfer = { id: state.nextSeq, request, status: 'running', total: null, done: 0, startedAt: 0, at: 0, rate: 0, error: null }
  return { ...state, transfer, nextSeq: state.nextSeq + 1, notice: null }
}

function transferReducer(state: TuiState, a: TransferAction): TuiState {
  const t = state.transfer
  if (a.type === 'transfer/start') return startTransfer(state, a.request)
  if (!t) return state
  switch (a.type) {
    case 'transfer/progress':
      if (a.id !== t.id || t.status !== 'running') return state
      return { ...state, transfer: t.startedAt === 0 ? { ...t, startedAt: a.at, at: a.at, done: a.done, total: a.total } : progress(t, a.done, a.total, a.at) }
    case 'transfer/finished':
      return a.id === t.id && t.status === 'running' ? { ...state, transfer: { ...t, status: 'done', done: t.total ?? t.done, at: a.at } } : state
    case 'transfer/failed':
      return a.id === t.id && t.status === 'running' ? { ...state, transfer: { ...t, status: 'failed', error: a.error, at: a.at } } : state
    case 'transfer/cancel':
      return t.status === 'running' ? { ...state, transfer: { ...t, status: 'cancelled' } } : state
    case 'transfer/dismiss':
      return t.status === 'running' ? state : { ...state, transfer: null }
  }
}

/** A filter key on a list; the row the user saw selected stays selected when the filter closes. */
function filterList(state: TuiState, id: ListId, a: FilterAction): TuiState {
  const list = listOf(state, id)
  return withList(state, id, filterIn(list, a, selectedRow(list, rowsOf(state, id))))
}

/** Esc on a screen: clear the filter, leave a drill-in, or return to the screen it came from. */
function back(state: TuiState): TuiState {
  const id = currentList(state)
  if (id && listOf(state, id).filter) return filterList(state, id, { type: 'clear' })
  const out = state.screen === 'files' ? filesBack(state)
    : state.screen === 'tm' ? tmBack(state)
    : state.screen === 'webhooks' ? webhooksBack(state)
    : state.screen === 'accounts' && state.accountDetail ? { ...state, accountDetail: null }
    : null
  if (out) return { ...out, notice: null }
  return state.returnTo ? { ...state, screen: state.returnTo, returnTo: null, notice: null } : state.notice ? { ...state, notice: null } : state
}

/**
 * Pure. Returns the previous state object (or sub-objects) whenever nothing visible changed, so
 * a poll that brings identical data, or the same failure again, does not re-render anything.
 */
export function reducer(state: TuiState, action: Action): TuiState {
  switch (action.type) {
    case 'loaded': {
      const prev = (state.resources[action.resource] ?? emptyResource()) as ResourceState<unknown>
      // Unchanged parts keep their identity (rows by id), so only what changed re-renders.
      const data = shareEqual(prev.data, action.data)
      const isAdmin = action.resource === 'me' ? (data as Me).account.isAdmin : state.isAdmin
      const next: ResourceState<unknown> = { data, problem: null, updatedAt: action.at }
      const resources = { ...state.resources, [action.resource]: next } as TuiState['resources']
      // A one-off read (who am I) says nothing about the connection the screen shows.
      if (action.background) return data === prev.data && isAdmin === state.isAdmin ? state : { ...state, isAdmin, resources }
      const otherFailing = state.problem !== null && state.problemResource !== null && state.problemResource !== action.resource
      const unchanged = data === prev.data && prev.problem === null && prev.updatedAt === action.at &&
        (state.connection === 'online' || otherFailing) && state.lastRefresh === action.at
      if (unchanged) return state
      if (otherFailing) return { ...state, isAdmin, lastRefresh: action.at, resources }
      return { ...state, isAdmin, connection: 'online', problem: null, problemSince: null, problemResource: null, lastRefresh: action.at, resources }
    }
    case 'polling':
      if (state.problemResource === null || action.keys.includes(state.problemResource)) return state
      return { ...state, problem: null, problemSince: null, problemResource: null, connection: state.lastRefresh === null ? 'connecting' : 'online' }
    case 'failed': {
      const prev = (state.resources[action.resource] ?? emptyResource()) as ResourceState<unknown>
      const connection = statusForProblem(action.problem)
      if (sameProblem(prev.problem, action.problem) && sameProblem(state.problem, action.problem) && state.connection === connection && state.problemResource === action.resource) return state
      const problem = sameProblem(state.problem, action.problem) ? state.problem : action.problem
      const continuing = state.problem !== null && state.connection === connection
      return {
        ...state,
        connection,
        problem,
        problemSince: continuing ? state.problemSince : action.at,
        problemResource: action.resource,
        resources: { ...state.resources, [action.resource]: { ...prev, problem: action.problem } } as TuiState['resources'],
      }
    }
    case 'toggleHelp':
      return { ...state, helpOpen: !state.helpOpen }
    case 'closeHelp':
      return state.helpOpen ? { ...state, helpOpen: false } : state
    case 'showScreen': {
      if (state.screen === action.screen && !state.helpOpen) return state
      const returnTo = action.returnTo === undefined ? null : action.returnTo
      return { ...state, screen: action.screen, helpOpen: false, returnTo, notice: null, palette: null }
    }
    case 'layout':
      return state.bodyRows === action.rows ? state : { ...state, bodyRows: action.rows }
    case 'back':
      return back(state)
    case 'list/move': {
      const id = currentList(state)
      if (!id) return state
      return withList(state, id, moveIn(listOf(state, id), rowsOf(state, id), action.to, tableHeight(state)))
    }
    case 'list/filter': {
      const id = currentList(state)
      return id ? filterList(state, id, action.filter) : state
    }
    case 'goto':
      return goto(state, action.place, action.returnTo ?? null)
    case 'buckets/files':
    case 'buckets/tm': {
      const b = state.pending || state.dialog ? null : selectedBucket(state)
      if (!b) return state
      return goto(state, action.type === 'buckets/files' ? { screen: 'files', bucket: b.name, prefix: '' } : { screen: 'tm', bucket: b.name, key: null }, state.screen)
    }
    case 'files/tm':
    case 'files/share': {
      const f = state.pending || state.dialog || state.files.bucket === null ? null : selectedFile(state)
      if (!f || f.kind !== 'file') return state
      if (action.type === 'files/share') return sharesReducer(state, { type: 'shares/new', bucket: state.files.bucket!, key: f.key })
      return goto(state, { screen: 'tm', bucket: state.files.bucket, key: f.key }, 'files')
    }
    case 'copy':
      return copied(state, action.text, action.what)
    case 'mutationDone':
    case 'mutationFailed': {
      const p = state.pending
      if (!p || p.seq !== action.seq) return state
      if (ACCOUNT_OPS.has(p.op)) return accountsReducer(state, action as AccountsAction)
      const req = p as OpRequest & { seq: number }
      return action.type === 'mutationDone' ? settleDone(state, req, (action.result as OpResult).value) : settleFailed(state, req, action.problem)
    }
  }
  const kind = action.type.slice(0, action.type.indexOf('/') + 1)
  switch (kind) {
    case 'dialog/': {
      const d = state.dialog
      if (!d) return state
      const a = action as DialogAction
      if (a.type === 'dialog/submit') return submitDialog(state)
      if (a.type === 'dialog/confirm') return d.kind === 'confirm' ? startOp(state, d.request) : state
      if (a.type === 'dialog/cancel') return state.pending ? state : { ...state, dialog: null }
      if (a.type === 'dialog/copy') {
        const c = d.kind === 'text' ? d.copy.find((x) => x.key === a.key) : undefined
        return c ? copied(state, c.text, c.label.replace(/^copy /, '')) : state
      }
      if (state.pending) return state
      const next = dialogReducer(d, a)
      return next === null || next === d ? state : { ...state, dialog: next }
    }
    case 'palette/': {
      const p = paletteReducer(state.palette, action as PaletteAction, state)
      return p === state.palette ? state : { ...state, palette: p }
    }
    case 'transfer/': return transferReducer(state, action as TransferAction)
    // Screen keys wait while a request is on its way or a dialog is open.
    case 'keys/': return state.pending || state.dialog ? state : keysReducer(state, action as KeysAction)
    case 'buckets/': return state.pending || state.dialog ? state : bucketsReducer(state, action as BucketsAction)
    case 'files/': return state.pending || state.dialog ? state : filesReducer(state, action as FilesAction)
    case 'tm/': return state.pending || state.dialog ? state : tmReducer(state, action as TmAction)
    case 'webhooks/': return state.pending || state.dialog ? state : webhooksReducer(state, action as WebhooksAction)
    case 'shares/': return state.pending || state.dialog ? state : sharesReducer(state, action as SharesAction)
    case 'acct/': return state.pending || state.dialog ? state : accountsExtraReducer(state, action as AccountsExtraAction)
    default: return accountsReducer(state, action as AccountsAction)
  }
}

/** Data that is shown although the latest refresh failed. */
export function isStale(state: TuiState, key: string): boolean {
  const r = state.resources[key]
  if (!r) return false
  return r.data !== null && r.problem !== null
}
