import type { Account, AccountPatch, CreatedAccount, NewAccount, Problem } from '../client'
import { formatBytes } from '../format'
import { applyFilter, cachedRows, keepVisible as keepInView, moveIn, selectedIndex, visibleRange as rangeOf, type ListState, type RowRef } from './list'
import type { TuiState } from './reducer'

export { selectedIndex }

/**
 * The Accounts screen's own state: which account is selected, the scroll position, and the
 * dialog or input that is open. Pure, like the main reducer: keys become actions, actions
 * become state, and a change to the server is only *described* here (`TuiState.pending`); the
 * App performs it and reports back with mutationDone / mutationFailed.
 */

export type CreateField = 'email' | 'password' | 'admin'
export const CREATE_FIELDS: readonly CreateField[] = ['email', 'password', 'admin']

export type AccountsMode =
  | { kind: 'list' }
  /** y/N before suspending or re-activating. */
  | { kind: 'status'; id: string; email: string; to: 'active' | 'suspended' }
  /** The inline quota input; kept open (with its text) when the server rejects the value. */
  | { kind: 'quota'; id: string; email: string; current: number; text: string }
  /** Deleting takes all the account's data, so the email must be typed, exactly. */
  | { kind: 'delete'; id: string; email: string; text: string; mismatch: boolean }
  | { kind: 'create'; field: CreateField; email: string; password: string; isAdmin: boolean }
  /** The new account's keys: the one time the secret is shown. Closing drops it from memory. */
  | { kind: 'secret'; email: string; accessKey: string; secretKey: string; bucket: string }

export type DialogKind = Exclude<AccountsMode['kind'], 'list' | 'secret'>

/** The outcome of the last action, shown until the next one starts. */
export interface Notice {
  tone: 'ok' | 'error'
  text: string
  /** For errors: what the server (or the network) said. */
  problem?: Problem
}

/**
 * A list like the other screens' (selection by id, scroll, the `/` filter: list.ts, whose
 * functions it goes through), plus the screen's own dialogs.
 */
export interface AccountsView extends ListState {
  /** The screen's measured height in rows; null until measured (or when the terminal has none). */
  height: number | null
  mode: AccountsMode
  notice: Notice | null
}

type WithSeq<T> = T & { seq: number }

/** A change to make on the server, described as data so the reducer stays pure. */
export type MutationRequest =
  | { op: 'updateAccount'; id: string; patch: AccountPatch }
  | { op: 'createAccount'; input: NewAccount }
  | { op: 'deleteAccount'; id: string }
export type Mutation = WithSeq<MutationRequest>

export type MutationResult =
  | { op: 'updateAccount'; account: Account }
  | { op: 'createAccount'; created: CreatedAccount }
  | { op: 'deleteAccount'; id: string }

export type MoveTo = 'up' | 'down' | 'pageUp' | 'pageDown' | 'first' | 'last'

export type AccountsAction =
  | { type: 'accounts/move'; to: MoveTo }
  | { type: 'accounts/viewport'; height: number }
  | { type: 'accounts/open'; dialog: DialogKind }
  /** Typed text for the focused input. */
  | { type: 'accounts/type'; text: string }
  | { type: 'accounts/erase' }
  | { type: 'accounts/field'; step: 1 | -1 }
  | { type: 'accounts/admin'; value: boolean | 'toggle' }
  /** Enter: save, next field, or close. */
  | { type: 'accounts/submit' }
  /** y in a yes/no question. */
  | { type: 'accounts/confirm' }
  /** Esc (and n in a yes/no question). */
  | { type: 'accounts/cancel' }
  | { type: 'mutationDone'; seq: number; result: MutationResult }
  | { type: 'mutationFailed'; seq: number; problem: Problem }

export function initialAccountsView(): AccountsView {
  return { selectedId: null, index: 0, top: 0, filter: '', filtering: false, height: null, mode: LIST, notice: null }
}

const LIST: AccountsMode = { kind: 'list' }
/** By email, case-insensitively; cached per data array so each refresh sorts once. */
export const sortedAccounts: (data: readonly Account[] | null) => readonly Account[] = cachedRows((data: readonly Account[]) =>
  [...data].sort((a, b) => a.email.toLowerCase().localeCompare(b.email.toLowerCase()) || a.email.localeCompare(b.email) || a.id.localeCompare(b.id)))

export interface AccountRow extends RowRef { account: Account }

/** The sorted accounts as list rows; the filter matches the email and the plan. */
export const accountRows: (data: readonly Account[] | null) => readonly AccountRow[] = cachedRows((data: readonly Account[]) =>
  sortedAccounts(data).map((a) => ({ id: a.id, text: `${a.email} ${a.plan}`, account: a })))

/** The rows the table shows: sorted, then filtered. */
export const shownAccounts = (state: TuiState): readonly AccountRow[] => applyFilter(accountRows(state.resources.accounts.data), state.accounts.filter)

/** Lines of the screen that are not table rows, for a given mode and notice. */
export function chromeHeight(view: Pick<AccountsView, 'mode' | 'notice' | 'filtering'>): number {
  return TABLE_CHROME + (view.filtering ? 1 : 0) + noticeHeight(view.notice) + dialogHeight(view.mode)
}

/** The column header and the caption line under the table. */
const TABLE_CHROME = 2

export function noticeHeight(notice: Notice | null): number {
  if (!notice) return 0
  // An error is a bordered banner (what failed, and why); success is one line.
  return notice.tone === 'error' ? 4 : 1
}

/** Each dialog is a bordered box of fixed lines (all truncated, never wrapped). */
export function dialogHeight(mode: AccountsMode): number {
  switch (mode.kind) {
    case 'list': return 0
    case 'status': return 4
    case 'quota': return 5
    case 'delete': return 5
    case 'create': return 6
    case 'secret': return 7
  }
}

/** Table rows that fit; null when the terminal's height is unknown (all rows are shown). */
export function tableRows(view: AccountsView): number | null {
  return view.height === null ? null : Math.max(0, view.height - chromeHeight(view))
}

/** The smallest scroll that keeps row `sel` visible (any scroll when the height is unknown). */
export const keepVisible = (top: number, sel: number, rows: number | null, count: number): number => keepInView(top, sel, rows ?? 0, count)

/** The rows to draw: [start, end) of the rows shown. */
export const visibleRange = (view: AccountsView, count: number, sel: number): { start: number; end: number } =>
  rangeOf(view, count, sel, tableRows(view) ?? Infinity)

const withView = (state: TuiState, view: AccountsView): TuiState => (view === state.accounts ? state : { ...state, accounts: view })

/** Re-derives the scroll position after anything that changes the rows available. */
function rescroll(state: TuiState, view: AccountsView): AccountsView {
  const list = applyFilter(accountRows(state.resources.accounts.data), view.filter)
  const top = keepVisible(view.top, selectedIndex(view, list), tableRows(view), list.length)
  return top === view.top ? view : { ...view, top }
}

function start(state: TuiState, request: MutationRequest): TuiState {
  return { ...state, pending: { ...request, seq: state.nextSeq } as Mutation, nextSeq: state.nextSeq + 1, accounts: { ...state.accounts, notice: null } }
}

/** Only printable characters reach an input (no escape codes, no control characters). */
function printable(text: string): string {
  return [...text].filter((c) => c >= ' ' && c !== '\x7f').join('')
}

const dropLast = (s: string) => [...s].slice(0, -1).join('')

/** The server's words when it explained itself (a rejected value); the transport's otherwise. */
export function problemText(p: Problem): string {
  if (p.kind === 'server' && p.detail) return `${p.detail} (${p.code})`
  return p.message
}

function failureTitle(mode: AccountsMode): string {
  switch (mode.kind) {
    case 'status': return `could not ${mode.to === 'suspended' ? 'suspend' : 'activate'} ${mode.email}`
    case 'quota': return `quota of ${mode.email} not changed`
    case 'delete': return `${mode.email} not deleted`
    case 'create': return `account ${mode.email.trim() || '(no email)'} not created`
    default: return 'the request failed'
  }
}

/** Which form field an account-creation error is about, so the cursor lands there. */
function fieldFor(code: string, current: CreateField): CreateField {
  if (code === 'InvalidEmail' || code === 'AccountAlreadyExists') return 'email'
  if (code === 'WeakPassword') return 'password'
  return current
}

function setData(state: TuiState, data: Account[] | null): TuiState['resources'] {
  const r = state.resources.accounts
  return data === r.data ? state.resources : { ...state.resources, accounts: { ...r, data } }
}

/** Enter: save the input, go to the next form field, or close, depending on the dialog. */
function submit(state: TuiState): TuiState {
  const view = state.accounts
  const mode = view.mode
  switch (mode.kind) {
    case 'quota': {
      // Empty means "no override": the account falls back to its plan's quota.
      const text = mode.text.trim()
      return start(state, { op: 'updateAccount', id: mode.id, patch: { quota: text === '' ? null : text } })
    }
    case 'delete':
      if (mode.text !== mode.email) return mode.mismatch ? state : withView(state, { ...view, mode: { ...mode, mismatch: true } })
      return start(state, { op: 'deleteAccount', id: mode.id })
    case 'create':
      if (mode.field !== 'admin') return withView(state, { ...view, mode: { ...mode, field: CREATE_FIELDS[CREATE_FIELDS.indexOf(mode.field) + 1] } })
      return start(state, { op: 'createAccount', input: { email: mode.email.trim(), password: mode.password, isAdmin: mode.isAdmin } })
    case 'status':
      // Enter takes the default answer of [y/N]: no.
      return withView(state, rescroll(state, { ...view, mode: LIST }))
    case 'secret':
      return withView(state, rescroll(state, { ...view, mode: LIST }))
    case 'list':
      return state
  }
}

export function accountsReducer(state: TuiState, action: AccountsAction): TuiState {
  const view = state.accounts
  const mode = view.mode
  switch (action.type) {
    case 'accounts/viewport': {
      if (view.height === action.height) return state
      return withView(state, rescroll(state, { ...view, height: action.height }))
    }
    case 'mutationDone': {
      if (state.pending?.seq !== action.seq) return state
      const data = state.resources.accounts.data
      const r = action.result
      let next: TuiState = { ...state, pending: null }
      if (r.op === 'updateAccount') {
        const what = mode.kind === 'status' ? `${r.account.email} ${r.account.status === 'suspended' ? 'suspended' : 'activated'}`
          : mode.kind === 'quota' ? `quota of ${r.account.email} is now ${formatBytes(r.account.quotaBytes)}`
          : `${r.account.email} updated`
        next.resources = setData(state, data ? data.map((a) => (a.id === r.account.id ? r.account : a)) : data)
        next.accounts = { ...view, mode: LIST, notice: { tone: 'ok', text: what } }
      } else if (r.op === 'createAccount') {
        const a = r.created.account
        next.resources = setData(state, data ? [...data.filter((x) => x.id !== a.id), a] : data)
        next.accounts = {
          ...view,
          selectedId: a.id,
          mode: { kind: 'secret', email: a.email, accessKey: r.created.accessKey, secretKey: r.created.secretKey, bucket: r.created.bucket },
          notice: { tone: 'ok', text: `created ${a.email}` },
        }
      } else {
        const gone = data?.find((a) => a.id === r.id)
        const email = gone?.email ?? (mode.kind === 'delete' ? mode.email : 'the account')
        // The selection stays on the deleted id: selectedIndex() then picks the row now at its place.
        next.resources = setData(state, data ? data.filter((a) => a.id !== r.id) : data)
        next.accounts = { ...view, mode: LIST, notice: { tone: 'ok', text: `deleted ${email} and all its data` } }
      }
      next.accounts = rescroll(next, next.accounts)
      return next
    }
    case 'mutationFailed': {
      if (state.pending?.seq !== action.seq) return state
      const notice: Notice = { tone: 'error', text: failureTitle(mode), problem: action.problem }
      // A rejected quota or form stays open to be corrected; a yes/no or a delete is over.
      const nextMode: AccountsMode = mode.kind === 'quota' ? mode
        : mode.kind === 'create' ? { ...mode, field: fieldFor(action.problem.code, mode.field) }
        : LIST
      const next: TuiState = { ...state, pending: null, accounts: { ...view, mode: nextMode, notice } }
      next.accounts = rescroll(next, next.accounts)
      return next
    }
  }

  // Keys wait while a change is on its way: the dialog shows it is saving.
  if (state.pending) return state
  const list = shownAccounts(state)

  switch (action.type) {
    case 'accounts/move':
      // The shared list move, by the rows this screen measured (a page of 10 while unknown;
      // then every row is drawn and the scroll does not matter). At an end: the same state.
      if (mode.kind !== 'list') return state
      return withView(state, moveIn(view, accountRows(state.resources.accounts.data), action.to, tableRows(view) ?? 11))
    case 'accounts/open': {
      if (mode.kind !== 'list') return state
      if (action.dialog === 'create') {
        return withView(state, rescroll(state, { ...view, notice: null, mode: { kind: 'create', field: 'email', email: '', password: '', isAdmin: false } }))
      }
      const i = selectedIndex(view, list)
      if (i < 0) return state
      const a = list[i].account
      const next: AccountsMode = action.dialog === 'status' ? { kind: 'status', id: a.id, email: a.email, to: a.status === 'active' ? 'suspended' : 'active' }
        : action.dialog === 'quota' ? { kind: 'quota', id: a.id, email: a.email, current: a.quotaBytes, text: '' }
        : { kind: 'delete', id: a.id, email: a.email, text: '', mismatch: false }
      // Pin the selection to this account, so a refresh cannot move it while the dialog is open.
      return withView(state, rescroll(state, { ...view, selectedId: a.id, index: i, notice: null, mode: next }))
    }
    case 'accounts/type': {
      const text = printable(action.text)
      if (!text) return state
      if (mode.kind === 'quota') return withView(state, { ...view, mode: { ...mode, text: mode.text + text } })
      if (mode.kind === 'delete') return withView(state, { ...view, mode: { ...mode, text: mode.text + text, mismatch: false } })
      if (mode.kind === 'create' && mode.field !== 'admin') return withView(state, { ...view, mode: { ...mode, [mode.field]: mode[mode.field] + text } })
      return state
    }
    case 'accounts/erase': {
      if (mode.kind === 'quota' && mode.text) return withView(state, { ...view, mode: { ...mode, text: dropLast(mode.text) } })
      if (mode.kind === 'delete' && (mode.text || mode.mismatch)) return withView(state, { ...view, mode: { ...mode, text: dropLast(mode.text), mismatch: false } })
      if (mode.kind === 'create' && mode.field !== 'admin' && mode[mode.field]) return withView(state, { ...view, mode: { ...mode, [mode.field]: dropLast(mode[mode.field]) } })
      return state
    }
    case 'accounts/field': {
      if (mode.kind !== 'create') return state
      const i = CREATE_FIELDS.indexOf(mode.field)
      const field = CREATE_FIELDS[(i + action.step + CREATE_FIELDS.length) % CREATE_FIELDS.length]
      return withView(state, { ...view, mode: { ...mode, field } })
    }
    case 'accounts/admin': {
      if (mode.kind !== 'create' || mode.field !== 'admin') return state
      const isAdmin = action.value === 'toggle' ? !mode.isAdmin : action.value
      return isAdmin === mode.isAdmin ? state : withView(state, { ...view, mode: { ...mode, isAdmin } })
    }
    case 'accounts/confirm': {
      if (mode.kind !== 'status') return state
      return start(state, { op: 'updateAccount', id: mode.id, patch: { status: mode.to } })
    }
    case 'accounts/submit':
      return submit(state)
    case 'accounts/cancel': {
      if (mode.kind === 'list') return view.notice ? withView(state, rescroll(state, { ...view, notice: null })) : state
      // Closing the secret keeps "created …"; abandoning a dialog clears what it reported.
      const notice = mode.kind === 'secret' ? view.notice : null
      return withView(state, rescroll(state, { ...view, mode: LIST, notice }))
    }
  }
}
