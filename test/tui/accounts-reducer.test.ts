import { describe, expect, test } from 'bun:test'
import type { Account, Problem } from '../../tui/client'
import { initialState, reducer, type Action, type TuiState } from '../../tui/state/reducer'
import {
  chromeHeight, keepVisible, selectedIndex, sortedAccounts, tableRows, visibleRange,
  type AccountsAction, type AccountsMode, type MutationResult,
} from '../../tui/state/accounts'
import { shareEqual } from '../../tui/state/equal'
import { selectedAccount } from '../../tui/state/accounts-extra'
import { account, apiProblem } from './ink-harness'

const GiB = 1024 ** 3

/** Accounts in a deliberately unsorted order (the API lists them by creation). */
function sample(): Account[] {
  return [
    account('root@test.local', { isAdmin: true }),
    account('Carol@example.com'),
    account('alice@example.com'),
    account('bob@example.com', { status: 'suspended' }),
  ]
}

const loaded = (data: Account[], at = 1000): Action => ({ type: 'loaded', resource: 'accounts', data, at })

/** State on the Accounts screen with data, measured at `height` rows. */
function withAccounts(data = sample(), height: number | null = null): TuiState {
  let s = reducer(initialState(), { type: 'showScreen', screen: 'accounts' })
  s = reducer(s, loaded(data))
  if (height !== null) s = reducer(s, { type: 'accounts/viewport', height })
  return s
}

function run(s: TuiState, ...actions: AccountsAction[]): TuiState {
  for (const a of actions) s = reducer(s, a)
  return s
}

const type = (text: string): AccountsAction => ({ type: 'accounts/type', text })
const move = (to: 'up' | 'down' | 'pageUp' | 'pageDown' | 'first' | 'last'): AccountsAction => ({ type: 'accounts/move', to })
const selectedEmail = (s: TuiState) => sortedAccounts(s.resources.accounts.data)[selectedIndex(s.accounts, sortedAccounts(s.resources.accounts.data))]?.email
const mode = <K extends AccountsMode['kind']>(s: TuiState, kind: K) => {
  expect(s.accounts.mode.kind).toBe(kind)
  return s.accounts.mode as Extract<AccountsMode, { kind: K }>
}

/** The server's answer to the pending change. */
function answer(s: TuiState, result: MutationResult): TuiState {
  expect(s.pending).not.toBeNull()
  return reducer(s, { type: 'mutationDone', seq: s.pending!.seq, result })
}
function refuse(s: TuiState, problem: Problem): TuiState {
  expect(s.pending).not.toBeNull()
  return reducer(s, { type: 'mutationFailed', seq: s.pending!.seq, problem })
}

const validation = (detail: string) => apiProblem('http://127.0.0.1:9001', 400, 'ValidationError', detail)

describe('the list', () => {
  test('sorted by email, ignoring case; sorted once per data array', () => {
    const s = withAccounts()
    const list = sortedAccounts(s.resources.accounts.data)
    expect(list.map((a) => a.email)).toEqual(['alice@example.com', 'bob@example.com', 'Carol@example.com', 'root@test.local'])
    expect(sortedAccounts(s.resources.accounts.data)).toBe(list)
    expect(sortedAccounts(null)).toEqual([])
  })

  test('the first account is selected until the user moves', () => {
    expect(selectedEmail(withAccounts())).toBe('alice@example.com')
  })

  test('up and down move one row and stop at the ends', () => {
    let s = withAccounts()
    s = run(s, move('down'), move('down'))
    expect(selectedEmail(s)).toBe('Carol@example.com')
    s = run(s, move('down'), move('down'), move('down'))
    expect(selectedEmail(s)).toBe('root@test.local')
    const atEnd = reducer(s, move('down'))
    expect(atEnd).toBe(s)
    s = run(s, move('first'))
    expect(selectedEmail(s)).toBe('alice@example.com')
    expect(reducer(s, move('up'))).toBe(s)
    expect(selectedEmail(run(s, move('last')))).toBe('root@test.local')
  })

  test('the selection follows the account, not the row, when a refresh inserts or reorders', () => {
    let s = run(withAccounts(), move('down'))
    expect(selectedEmail(s)).toBe('bob@example.com')
    s = reducer(s, loaded([account('aaron@example.com'), ...s.resources.accounts.data!], 3000))
    expect(selectedEmail(s)).toBe('bob@example.com')
    expect(selectedIndex(s.accounts, sortedAccounts(s.resources.accounts.data))).toBe(2)
  })

  test('when the selected account disappears, the row now in its place is selected', () => {
    let s = run(withAccounts(), move('down'))
    const data = s.resources.accounts.data!.filter((a) => a.email !== 'bob@example.com')
    s = reducer(s, loaded(data, 3000))
    expect(selectedEmail(s)).toBe('Carol@example.com')
    // The last row going away selects the new last row.
    s = run(s, move('last'))
    s = reducer(s, loaded(s.resources.accounts.data!.filter((a) => a.email !== 'root@test.local'), 5000))
    expect(selectedEmail(s)).toBe('Carol@example.com')
  })

  test('an empty list ignores moves and actions on a selection', () => {
    const s = withAccounts([])
    expect(selectedIndex(s.accounts, [])).toBe(-1)
    expect(reducer(s, move('down'))).toBe(s)
    expect(reducer(s, { type: 'accounts/open', dialog: 'status' })).toBe(s)
    expect(reducer(s, { type: 'accounts/open', dialog: 'create' }).accounts.mode.kind).toBe('create')
  })

  test('a refresh with the same values keeps each account object; a changed account alone is new', () => {
    const first = withAccounts()
    const before = first.resources.accounts.data!
    const same = reducer(first, loaded(sample().map((a, i) => ({ ...before[i], usage: { ...a.usage } })), 3000))
    expect(same.resources.accounts.data).toBe(before)
    const changed = before.map((a) => (a.email === 'bob@example.com' ? { ...a, usage: { ...a.usage, objects: 9 } } : structuredClone(a)))
    const next = reducer(first, loaded(changed, 5000)).resources.accounts.data!
    expect(next).not.toBe(before)
    for (let i = 0; i < before.length; i++) {
      if (before[i].email === 'bob@example.com') expect(next[i]).not.toBe(before[i])
      else expect(next[i]).toBe(before[i])
    }
  })
})

describe('the / filter', () => {
  type FilterAction = Extract<Action, { type: 'list/filter' }>['filter']
  const keys = (s: TuiState, ...filters: FilterAction[]) => filters.reduce((x, filter) => reducer(x, { type: 'list/filter', filter }), s)
  const typed = (text: string): FilterAction[] => [{ type: 'open' }, { type: 'type', text }, { type: 'done' }]

  test('typing narrows the list to matching emails; moves and actions take the accounts shown', () => {
    let s = keys(withAccounts(), { type: 'open' })
    expect(s.accounts.filtering).toBe(true)
    s = keys(s, { type: 'type', text: 'EXAMPLE' })
    // alice, bob and Carol match; the first of them is selected.
    expect(selectedAccount(s)?.email).toBe('alice@example.com')
    s = keys(s, { type: 'type', text: '.com' }, { type: 'erase' })
    s = run(s, move('last'))
    expect(selectedAccount(s)?.email).toBe('Carol@example.com')
    s = keys(s, { type: 'done' })
    expect(s.accounts).toMatchObject({ filter: 'EXAMPLE.co', filtering: false })
    expect(mode(reducer(s, { type: 'accounts/open', dialog: 'delete' }), 'delete').email).toBe('Carol@example.com')
    expect(reducer(s, { type: 'acct/open' }).accountDetail).toBe(selectedAccount(s)!.id)
  })

  test('bob, typed, is what s suspends, not the first row; esc clears the filter and keeps bob', () => {
    let s = keys(withAccounts(), ...typed('bob'))
    expect(mode(reducer(s, { type: 'accounts/open', dialog: 'status' }), 'status').email).toBe('bob@example.com')
    s = reducer(s, { type: 'back' })
    expect(s.accounts.filter).toBe('')
    expect(selectedEmail(s)).toBe('bob@example.com')
  })

  test('the input line takes a row from the table', () => {
    const s = withAccounts(sample(), 20)
    expect(tableRows(keys(s, { type: 'open' }).accounts)).toBe(tableRows(s.accounts)! - 1)
  })
})

describe('plan', () => {
  test('p reads the plans, then offers them to choose from; saving puts the account on the chosen one', () => {
    let s = run(withAccounts(), move('down'))
    s = reducer(s, { type: 'acct/plan' })
    expect(s.pending).toMatchObject({ op: 'accountPlans', email: 'bob@example.com' })
    const plans = { defaultPlan: 'default', plans: ['default', 'gold', 'silver'].map((name) => ({ name, quotaBytes: GiB, maxBuckets: 10, maxKeys: 5, rates: { write: 0, read: 0, list: 0, dashboardPerMinute: 30 } })) }
    s = reducer(s, { type: 'mutationDone', seq: s.pending!.seq, result: { op: 'accountPlans', value: plans } })
    expect(s.pending).toBeNull()
    expect(s.dialog).toMatchObject({ kind: 'form', form: 'accountPlan', title: 'Plan of bob@example.com (now default)' })
    const field = (s.dialog as Extract<TuiState['dialog'], { kind: 'form' }>).fields[0]
    expect(field).toMatchObject({ kind: 'choice', value: 'default', options: ['default', 'gold', 'silver'] })
    s = reducer(s, { type: 'dialog/cycle', step: 1 })
    s = reducer(s, { type: 'dialog/submit' })
    expect(s.pending).toMatchObject({ op: 'setAccount', email: 'bob@example.com', patch: { plan: 'gold' } })
  })

  test('plans that cannot be read say so, and nothing opens', () => {
    let s = reducer(withAccounts(), { type: 'acct/plan' })
    s = reducer(s, { type: 'mutationFailed', seq: s.pending!.seq, problem: apiProblem('http://127.0.0.1:9001', 503, 'ServiceUnavailable', 'busy') })
    expect(s.dialog).toBeNull()
    expect(s.notice).toMatchObject({ tone: 'error', text: 'the plans could not be read' })
  })
})

describe('scrolling', () => {
  const many = () => Array.from({ length: 30 }, (_, i) => account(`user${String(i).padStart(2, '0')}@example.com`))

  test('keepVisible scrolls as little as possible', () => {
    expect(keepVisible(0, 5, 10, 30)).toBe(0)
    expect(keepVisible(0, 10, 10, 30)).toBe(1)
    expect(keepVisible(5, 3, 10, 30)).toBe(3)
    expect(keepVisible(25, 29, 10, 30)).toBe(20)
    expect(keepVisible(7, 3, null, 30)).toBe(0)
    expect(keepVisible(3, 0, 0, 30)).toBe(0)
  })

  test('rows = measured height minus header, caption, notice and dialog', () => {
    const s = withAccounts(many(), 20)
    expect(chromeHeight(s.accounts)).toBe(2)
    expect(tableRows(s.accounts)).toBe(18)
    const quota = reducer(s, { type: 'accounts/open', dialog: 'quota' })
    expect(tableRows(quota.accounts)).toBe(13)
    const create = reducer(s, { type: 'accounts/open', dialog: 'create' })
    expect(tableRows(create.accounts)).toBe(12)
    expect(tableRows(withAccounts(many()).accounts)).toBeNull()
  })

  test('moving past the last visible row scrolls by one; page keys move a page', () => {
    let s = withAccounts(many(), 12)
    expect(tableRows(s.accounts)).toBe(10)
    for (let i = 0; i < 10; i++) s = reducer(s, move('down'))
    expect(selectedEmail(s)).toBe('user10@example.com')
    expect(s.accounts.top).toBe(1)
    expect(visibleRange(s.accounts, 30, 10)).toEqual({ start: 1, end: 11 })
    s = reducer(s, move('pageDown'))
    expect(selectedEmail(s)).toBe('user19@example.com')
    expect(s.accounts.top).toBe(10)
    s = reducer(s, move('pageUp'))
    expect(selectedEmail(s)).toBe('user10@example.com')
    expect(s.accounts.top).toBe(10)
    s = reducer(s, move('last'))
    expect(s.accounts.top).toBe(20)
    s = reducer(s, move('first'))
    expect(s.accounts.top).toBe(0)
  })

  test('a dialog that takes rows keeps the selected row on screen', () => {
    let s = withAccounts(many(), 12)
    for (let i = 0; i < 9; i++) s = reducer(s, move('down'))
    expect(s.accounts.top).toBe(0)
    s = reducer(s, { type: 'accounts/open', dialog: 'status' })
    // 12 - 2 - 4 = 6 rows: row 9 is visible from top 4.
    expect(s.accounts.top).toBe(4)
    expect(reducer(s, { type: 'accounts/viewport', height: 12 })).toBe(s)
  })

  test('all rows when the height is unknown', () => {
    const s = withAccounts(many())
    expect(visibleRange(s.accounts, 30, 0)).toEqual({ start: 0, end: 30 })
  })
})

describe('suspend / activate', () => {
  test('s asks first; y sends the change; the answer updates the row and says so', () => {
    let s = run(withAccounts(), move('down'), { type: 'accounts/open', dialog: 'status' })
    expect(mode(s, 'status')).toMatchObject({ email: 'bob@example.com', to: 'active' })
    s = run(withAccounts(), { type: 'accounts/open', dialog: 'status' })
    const m = mode(s, 'status')
    expect(m).toMatchObject({ email: 'alice@example.com', to: 'suspended' })
    expect(s.pending).toBeNull()
    s = reducer(s, { type: 'accounts/confirm' })
    expect(s.pending).toEqual({ seq: 1, op: 'updateAccount', id: m.id, patch: { status: 'suspended' } })
    // Keys wait for the answer.
    expect(reducer(s, { type: 'accounts/cancel' })).toBe(s)
    expect(reducer(s, move('down'))).toBe(s)
    const alice = s.resources.accounts.data!.find((a) => a.id === m.id)!
    s = answer(s, { op: 'updateAccount', account: { ...alice, status: 'suspended' } })
    expect(s.pending).toBeNull()
    expect(s.accounts.mode.kind).toBe('list')
    expect(s.accounts.notice).toEqual({ tone: 'ok', text: 'alice@example.com suspended' })
    expect(s.resources.accounts.data!.find((a) => a.id === m.id)!.status).toBe('suspended')
    expect(s.nextSeq).toBe(2)
  })

  test('n, Esc and Enter (the default answer) all say no', () => {
    const open = run(withAccounts(), { type: 'accounts/open', dialog: 'status' })
    expect(reducer(open, { type: 'accounts/cancel' }).accounts.mode.kind).toBe('list')
    const entered = reducer(open, { type: 'accounts/submit' })
    expect(entered.accounts.mode.kind).toBe('list')
    expect(entered.pending).toBeNull()
  })

  test('a refusal closes the question and shows what the server said', () => {
    let s = run(withAccounts(), move('last'), { type: 'accounts/open', dialog: 'status' }, { type: 'accounts/confirm' })
    const problem = validation('Administrators cannot suspend or demote themselves.')
    s = refuse(s, problem)
    expect(s.accounts.mode.kind).toBe('list')
    expect(s.accounts.notice).toEqual({ tone: 'error', text: 'could not suspend root@test.local', problem })
    expect(s.resources.accounts.data!.find((a) => a.email === 'root@test.local')!.status).toBe('active')
  })

  test('an answer to an older request is ignored', () => {
    const s = run(withAccounts(), { type: 'accounts/open', dialog: 'status' }, { type: 'accounts/confirm' })
    const a = s.resources.accounts.data![0]
    expect(reducer(s, { type: 'mutationDone', seq: 99, result: { op: 'updateAccount', account: a } })).toBe(s)
    expect(reducer(s, { type: 'mutationFailed', seq: 99, problem: validation('x') })).toBe(s)
  })
})

describe('quota', () => {
  test('typing, erasing, saving; the answer shows the new quota', () => {
    let s = run(withAccounts(), move('down'), { type: 'accounts/open', dialog: 'quota' }, type('5'), type('0GX'), { type: 'accounts/erase' }, type('iB'))
    const m = mode(s, 'quota')
    expect(m).toMatchObject({ email: 'bob@example.com', text: '50GiB', current: 10 * GiB })
    s = reducer(s, { type: 'accounts/submit' })
    expect(s.pending).toMatchObject({ op: 'updateAccount', id: m.id, patch: { quota: '50GiB' } })
    const bob = s.resources.accounts.data!.find((a) => a.id === m.id)!
    s = answer(s, { op: 'updateAccount', account: { ...bob, quotaBytes: 50 * GiB } })
    expect(s.accounts.mode.kind).toBe('list')
    expect(s.accounts.notice?.text).toBe('quota of bob@example.com is now 50.0 GiB')
    expect(s.resources.accounts.data!.find((a) => a.id === m.id)!.quotaBytes).toBe(50 * GiB)
  })

  test('a rejected value keeps the input open, with its text, and the error', () => {
    let s = run(withAccounts(), { type: 'accounts/open', dialog: 'quota' }, type('lots'), { type: 'accounts/submit' })
    const problem = validation('quota must be a size such as "10GiB" or a byte count.')
    s = refuse(s, problem)
    expect(mode(s, 'quota').text).toBe('lots')
    expect(s.accounts.notice).toEqual({ tone: 'error', text: 'quota of alice@example.com not changed', problem })
    // Esc abandons the edit and its error.
    s = reducer(s, { type: 'accounts/cancel' })
    expect(s.accounts.mode.kind).toBe('list')
    expect(s.accounts.notice).toBeNull()
  })

  test('an empty value goes back to the plan quota', () => {
    const s = run(withAccounts(), { type: 'accounts/open', dialog: 'quota' }, type('  '), { type: 'accounts/submit' })
    expect(s.pending).toMatchObject({ patch: { quota: null } })
  })

  test('only printable text is typed', () => {
    const s = run(withAccounts(), { type: 'accounts/open', dialog: 'quota' }, type('1\u001B[A0\tG'))
    expect(mode(s, 'quota').text).toBe('1[A0G')
    expect(reducer(s, type('\u0007'))).toBe(s)
  })
})

describe('delete', () => {
  test('Enter does nothing but say so until the exact email is typed', () => {
    let s = run(withAccounts(), move('down'), { type: 'accounts/open', dialog: 'delete' }, type('BOB@example.com'), { type: 'accounts/submit' })
    expect(mode(s, 'delete').mismatch).toBe(true)
    expect(s.pending).toBeNull()
    // Typing again clears the complaint.
    s = run(s, { type: 'accounts/erase' })
    expect(mode(s, 'delete').mismatch).toBe(false)
    s = run(s, ...[...'BOB@example.co'].map(() => ({ type: 'accounts/erase' }) as AccountsAction), type('bob@example.co'), { type: 'accounts/submit' })
    expect(mode(s, 'delete')).toMatchObject({ text: 'bob@example.co', mismatch: true })
    s = run(s, type('m'), { type: 'accounts/submit' })
    const m = mode(s, 'delete')
    expect(s.pending).toMatchObject({ op: 'deleteAccount', id: m.id })
    s = answer(s, { op: 'deleteAccount', id: m.id })
    expect(s.accounts.mode.kind).toBe('list')
    expect(s.accounts.notice?.text).toBe('deleted bob@example.com and all its data')
    expect(s.resources.accounts.data!.map((a) => a.email)).not.toContain('bob@example.com')
    // The row that took its place is selected.
    expect(selectedEmail(s)).toBe('Carol@example.com')
  })

  test('a refusal closes the dialog and keeps the account', () => {
    let s = run(withAccounts(), move('last'), { type: 'accounts/open', dialog: 'delete' }, type('root@test.local'), { type: 'accounts/submit' })
    s = refuse(s, validation('Administrators cannot delete their own account.'))
    expect(s.accounts.mode.kind).toBe('list')
    expect(s.accounts.notice).toMatchObject({ tone: 'error', text: 'root@test.local not deleted' })
    expect(s.resources.accounts.data!.map((a) => a.email)).toContain('root@test.local')
  })
})

describe('create', () => {
  const created = (email: string, isAdmin = false): MutationResult => ({
    op: 'createAccount',
    created: { account: account(email, { isAdmin }), accessKey: 'CSNEWKEY', secretKey: 'the-secret', bucket: 'dave' },
  })

  test('typing goes to the focused field; Enter walks the fields, then creates', () => {
    let s = run(withAccounts(), { type: 'accounts/open', dialog: 'create' }, type('dave@example.com'))
    expect(mode(s, 'create')).toEqual({ kind: 'create', field: 'email', email: 'dave@example.com', password: '', isAdmin: false })
    s = run(s, { type: 'accounts/submit' }, type('correct horse'))
    expect(mode(s, 'create')).toMatchObject({ field: 'password', password: 'correct horse' })
    s = run(s, { type: 'accounts/submit' })
    expect(mode(s, 'create').field).toBe('admin')
    // Letters are not typed into the admin field; y/n set it.
    expect(reducer(s, type('x'))).toBe(s)
    s = run(s, { type: 'accounts/admin', value: true })
    expect(mode(s, 'create').isAdmin).toBe(true)
    s = run(s, { type: 'accounts/admin', value: 'toggle' }, { type: 'accounts/admin', value: 'toggle' })
    expect(mode(s, 'create').isAdmin).toBe(true)
    s = reducer(s, { type: 'accounts/submit' })
    expect(s.pending).toMatchObject({ op: 'createAccount', input: { email: 'dave@example.com', password: 'correct horse', isAdmin: true } })
  })

  test('Tab and Shift+Tab move between fields, around the ends', () => {
    let s = run(withAccounts(), { type: 'accounts/open', dialog: 'create' }, { type: 'accounts/field', step: -1 })
    expect(mode(s, 'create').field).toBe('admin')
    s = run(s, { type: 'accounts/field', step: 1 })
    expect(mode(s, 'create').field).toBe('email')
    expect(reducer(s, { type: 'accounts/admin', value: true })).toBe(s)
  })

  test('the answer shows the keys once and selects the new account; closing forgets the secret', () => {
    let s = run(withAccounts(), { type: 'accounts/open', dialog: 'create' }, type('dave@example.com'), { type: 'accounts/submit' }, type('correct horse'), { type: 'accounts/submit' }, { type: 'accounts/submit' })
    const result = created('dave@example.com')
    s = answer(s, result)
    expect(mode(s, 'secret')).toEqual({ kind: 'secret', email: 'dave@example.com', accessKey: 'CSNEWKEY', secretKey: 'the-secret', bucket: 'dave' })
    expect(selectedEmail(s)).toBe('dave@example.com')
    expect(s.accounts.notice?.text).toBe('created dave@example.com')
    s = reducer(s, { type: 'accounts/submit' })
    expect(s.accounts.mode).toEqual({ kind: 'list' })
    expect(JSON.stringify(s)).not.toContain('the-secret')
    expect(JSON.stringify(s)).not.toContain('correct horse')
    expect(s.accounts.notice?.text).toBe('created dave@example.com')
  })

  test('an error keeps the form and puts the cursor on the field it is about', () => {
    let s = run(withAccounts(), { type: 'accounts/open', dialog: 'create' }, type('dave@example.com'), { type: 'accounts/submit' }, type('short'), { type: 'accounts/submit' }, { type: 'accounts/submit' })
    s = refuse(s, apiProblem('http://x', 400, 'WeakPassword', 'The password must be at least 10 characters long.'))
    expect(mode(s, 'create')).toMatchObject({ field: 'password', email: 'dave@example.com', password: 'short' })
    expect(s.accounts.notice).toMatchObject({ tone: 'error', text: 'account dave@example.com not created' })
    s = run(s, type(' but longer'), { type: 'accounts/field', step: 1 }, { type: 'accounts/submit' })
    s = refuse(s, apiProblem('http://x', 409, 'AccountAlreadyExists', 'An account with this email already exists.'))
    expect(mode(s, 'create').field).toBe('email')
  })

  test('Esc cancels and forgets what was typed', () => {
    const s = run(withAccounts(), { type: 'accounts/open', dialog: 'create' }, type('dave@example.com'), { type: 'accounts/cancel' })
    expect(s.accounts.mode).toEqual({ kind: 'list' })
    expect(reducer(s, { type: 'accounts/open', dialog: 'create' }).accounts.mode).toMatchObject({ email: '' })
  })
})

describe('purity', () => {
  test('does not mutate the previous state', () => {
    const s0 = run(withAccounts(), move('down'), { type: 'accounts/open', dialog: 'quota' }, type('1G'), { type: 'accounts/submit' })
    const frozen = JSON.stringify(s0)
    const bob = s0.resources.accounts.data!.find((a) => a.email === 'bob@example.com')!
    reducer(s0, { type: 'mutationDone', seq: s0.pending!.seq, result: { op: 'updateAccount', account: { ...bob, quotaBytes: GiB } } })
    reducer(s0, { type: 'mutationFailed', seq: s0.pending!.seq, problem: validation('x') })
    expect(JSON.stringify(s0)).toBe(frozen)
  })

  test('an action that changes nothing returns the same state', () => {
    const s = withAccounts(sample(), 20)
    expect(reducer(s, { type: 'accounts/cancel' })).toBe(s)
    expect(reducer(s, { type: 'accounts/submit' })).toBe(s)
    expect(reducer(s, { type: 'accounts/erase' })).toBe(s)
    expect(reducer(s, type('x'))).toBe(s)
    expect(reducer(s, { type: 'accounts/viewport', height: 20 })).toBe(s)
    // A move pins the selection to the account's id (as on every list), even where it stays.
    const pinned = reducer(s, move('first'))
    expect(reducer(pinned, move('up'))).toBe(pinned)
  })
})

describe('shareEqual', () => {
  test('reuses equal parts, matching array members by id', () => {
    const prev = [{ id: 'a', v: { n: 1 } }, { id: 'b', v: { n: 2 } }]
    const next = [{ id: 'z', v: { n: 0 } }, { id: 'a', v: { n: 1 } }, { id: 'b', v: { n: 3 } }]
    const out = shareEqual(prev, next)
    expect(out[1]).toBe(prev[0])
    expect(out[2]).not.toBe(prev[1])
    expect(out).toEqual(next)
    expect(shareEqual(prev, structuredClone(prev))).toBe(prev)
    expect(shareEqual({ x: prev, y: 1 }, { x: structuredClone(prev), y: 2 }).x).toBe(prev)
    expect(shareEqual(null, next)).toBe(next)
  })
})
