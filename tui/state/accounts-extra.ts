import type { Account } from '../client'
import type { Me } from '../api'
import { form } from './dialog'
import { openDialog, resource } from './common'
import { accountRows } from './accounts'
import { selectedRow } from './list'
import type { ResourceSpec, TuiState } from './reducer'

/**
 * The Accounts screen's newer actions, on the shared dialogs: plan, admin flag, password reset,
 * and Enter, which shows the account's keys, buckets and usage.
 */

export type AccountsExtraAction =
  | { type: 'acct/open' }
  | { type: 'acct/plan' }
  | { type: 'acct/admin' }
  | { type: 'acct/password' }

export const acctKeysKey = (id: string) => `acctKeys:${id}`
export const acctBucketsKey = (id: string) => `acctBuckets:${id}`

export function accountsResources(state: TuiState): ResourceSpec[] {
  const id = state.accountDetail
  const list: ResourceSpec = { key: 'accounts', load: (c, s) => c.listAccounts(s) }
  if (!id) return [list]
  return [list, { key: acctKeysKey(id), load: (c, s) => c.accountKeys(id, s) }, { key: acctBucketsKey(id), load: (c, s) => c.accountBuckets(id, s) }]
}

/** The account under the cursor, as the table shows it (the filter applied). */
export const selectedAccount = (state: TuiState): Account | null =>
  selectedRow(state.accounts, accountRows(state.resources.accounts.data))?.account ?? null

export const detailAccount = (state: TuiState): Account | null =>
  state.accountDetail ? state.resources.accounts.data?.find((a) => a.id === state.accountDetail) ?? null : null

/** The account the TUI acts as: an administrator must not demote itself. */
const selfId = (state: TuiState) => resource<Me>(state, 'me').data?.account.id ?? null

export function accountsExtraReducer(state: TuiState, action: AccountsExtraAction): TuiState {
  if (state.accounts.mode.kind !== 'list') return state
  const a = state.accountDetail ? detailAccount(state) : selectedAccount(state)
  if (!a) return state
  const ctx = { id: a.id, email: a.email }
  switch (action.type) {
    case 'acct/open':
      return state.accountDetail ? state : { ...state, accountDetail: a.id, notice: null }
    case 'acct/plan':
      return openDialog(state, form('accountPlan', `Plan of ${a.email} (now ${a.plan})`, [
        { name: 'plan', label: 'Plan', kind: 'text', value: a.plan, hint: "a plan from the appliance's config; empty: the default plan" },
      ], ctx))
    case 'acct/admin': {
      if (a.id === selfId(state) && a.isAdmin) return { ...state, notice: { tone: 'error', text: 'you cannot take away your own admin rights' } }
      const to = !a.isAdmin
      return openDialog(state, {
        kind: 'confirm', tone: to ? 'danger' : 'warn', title: to ? `Make ${a.email} an administrator?` : `Take admin rights from ${a.email}?`,
        lines: [to ? 'It can then manage every account, including yours.' : 'It keeps its own data and keys.'],
        request: { op: 'setAccount', id: a.id, email: a.email, patch: { isAdmin: to }, done: `${a.email} is ${to ? 'now an administrator' : 'no longer an administrator'}` },
      })
    }
    case 'acct/password':
      return openDialog(state, form('accountPassword', `New password for ${a.email}`, [
        { name: 'password', label: 'Password', kind: 'secret', value: '', hint: 'at least 10 characters; its sessions end, its keys keep working' },
      ], ctx))
  }
}
