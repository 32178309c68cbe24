import type { Binding, Command } from '../keymap'
import type { AccountsAction } from '../state/accounts'
import type { TuiState } from '../state/reducer'
import { FILTER_OPEN, overlayKeys } from './list-keys'
import type { ScreenKeys } from './types'

/**
 * The Accounts screen's keys, one fixed set per mode: the input handler resolves keys from
 * these, and the hint bar and help show them, so what is shown is what the keys do.
 */

const act = (action: AccountsAction): Command => ({ type: 'dispatch', action })
const typeText = (text: string): AccountsAction => ({ type: 'accounts/type', text })

/** Plan, admin flag and password: on the list and in an account's detail alike. */
const ACCOUNT_BINDINGS: Binding[] = [
  { keys: ['p'], label: 'p', description: 'change the plan', short: 'plan', command: { type: 'dispatch', action: { type: 'acct/plan' } }, hint: true },
  { keys: ['a'], label: 'a', description: 'administrator or not', short: 'admin', command: { type: 'dispatch', action: { type: 'acct/admin' } }, hint: true },
  { keys: ['w'], label: 'w', description: 'reset the password', short: 'password', command: { type: 'dispatch', action: { type: 'acct/password' } }, hint: true },
]

/**
 * The hints are what fits 80 columns beside quit and help (the hint bar drops what does not
 * fit): Enter, new, plan, admin, password. Suspend, quota, delete and the filter are in the help.
 */
export const LIST_BINDINGS: Binding[] = [
  { keys: ['up', 'k'], label: '↑ k', description: 'previous account', command: act({ type: 'accounts/move', to: 'up' }) },
  { keys: ['down', 'j'], label: '↓ j', description: 'next account', command: act({ type: 'accounts/move', to: 'down' }) },
  { keys: ['pageup'], label: 'pgup', description: 'page up', command: act({ type: 'accounts/move', to: 'pageUp' }) },
  { keys: ['pagedown'], label: 'pgdn', description: 'page down', command: act({ type: 'accounts/move', to: 'pageDown' }) },
  { keys: ['home', 'g'], label: 'g', description: 'first account', command: act({ type: 'accounts/move', to: 'first' }) },
  { keys: ['end', 'G'], label: 'G', description: 'last account', command: act({ type: 'accounts/move', to: 'last' }) },
  { keys: ['enter'], label: 'enter', description: "the account's keys, buckets and usage", short: 'show', command: { type: 'dispatch', action: { type: 'acct/open' } }, hint: true },
  { keys: ['n'], label: 'n', description: 'new account', short: 'new', command: act({ type: 'accounts/open', dialog: 'create' }), hint: true },
  ...ACCOUNT_BINDINGS,
  { keys: ['s'], label: 's', description: 'suspend / activate', short: 'suspend', command: act({ type: 'accounts/open', dialog: 'status' }) },
  { keys: ['e'], label: 'e', description: 'edit quota', short: 'quota', command: act({ type: 'accounts/open', dialog: 'quota' }) },
  { keys: ['d'], label: 'd', description: 'delete with all data', short: 'delete', command: act({ type: 'accounts/open', dialog: 'delete' }) },
  { ...FILTER_OPEN, hint: false },
]

const DETAIL: ScreenKeys = { modal: false, bindings: ACCOUNT_BINDINGS }

const cancel: Binding = { keys: ['escape'], label: 'esc', description: 'cancel', command: act({ type: 'accounts/cancel' }), hint: true }
const erase: Binding = { keys: ['backspace', 'delete'], label: '⌫', description: 'erase', command: act({ type: 'accounts/erase' }) }
const nextField: Binding = { keys: ['tab', 'down'], label: 'tab', description: 'next field', command: act({ type: 'accounts/field', step: 1 }), hint: true }
const prevField: Binding = { keys: ['shift+tab', 'up'], label: 'shift+tab', description: 'previous field', command: act({ type: 'accounts/field', step: -1 }) }

const LIST: ScreenKeys = { bindings: LIST_BINDINGS, modal: false }

const STATUS: ScreenKeys = {
  modal: true,
  bindings: [
    { keys: ['y'], label: 'y', description: 'yes', command: act({ type: 'accounts/confirm' }), hint: true },
    // [y/N]: anything that says no, including Enter (the default answer).
    { keys: ['n', 'escape', 'enter'], label: 'n', description: 'no', command: act({ type: 'accounts/cancel' }), hint: true },
  ],
}

const QUOTA: ScreenKeys = {
  modal: true,
  text: typeText,
  bindings: [{ keys: ['enter'], label: 'enter', description: 'save', command: act({ type: 'accounts/submit' }), hint: true }, cancel, erase],
}

const DELETE: ScreenKeys = {
  modal: true,
  text: typeText,
  bindings: [{ keys: ['enter'], label: 'enter', description: 'delete', command: act({ type: 'accounts/submit' }), hint: true }, cancel, erase],
}

const CREATE_TEXT: ScreenKeys = {
  modal: true,
  text: typeText,
  bindings: [{ keys: ['enter'], label: 'enter', description: 'next', command: act({ type: 'accounts/submit' }), hint: true }, nextField, prevField, cancel, erase],
}

const CREATE_ADMIN: ScreenKeys = {
  modal: true,
  bindings: [
    { keys: ['enter'], label: 'enter', description: 'create', command: act({ type: 'accounts/submit' }), hint: true },
    { keys: ['y'], label: 'y', description: 'admin', command: act({ type: 'accounts/admin', value: true }), hint: true },
    { keys: ['n'], label: 'n', description: 'not admin', command: act({ type: 'accounts/admin', value: false }), hint: true },
    { keys: [' '], label: 'space', description: 'toggle admin', command: act({ type: 'accounts/admin', value: 'toggle' }) },
    nextField, prevField, cancel,
  ],
}

const SECRET: ScreenKeys = {
  modal: true,
  bindings: [{ keys: ['enter', 'escape'], label: 'enter', description: 'close (the secret is not shown again)', short: 'close', command: act({ type: 'accounts/submit' }), hint: true }],
}

export function accountsKeys(state: TuiState): ScreenKeys {
  const overlay = overlayKeys(state, state.accounts.filtering && !state.accountDetail)
  if (overlay) return overlay
  const mode = state.accounts.mode
  switch (mode.kind) {
    case 'list': return state.accountDetail ? DETAIL : LIST
    case 'status': return STATUS
    case 'quota': return QUOTA
    case 'delete': return DELETE
    case 'create': return mode.field === 'admin' ? CREATE_ADMIN : CREATE_TEXT
    case 'secret': return SECRET
  }
}

/** Every mode's key set, for the conflict test. */
export const ALL_ACCOUNTS_KEYS: ScreenKeys[] = [LIST, DETAIL, STATUS, QUOTA, DELETE, CREATE_TEXT, CREATE_ADMIN, SECRET]
