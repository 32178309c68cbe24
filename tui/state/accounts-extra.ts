import type { Account } from '../client'
import type { Me, Plans } from '../api'
import { form, type Dialog } from './dialog'
import { openDialog, resource, startOp } from './common'
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

/** The plan form: the appliance's plans to choose from, the account's own first selected. */
export function planForm(req: { id: string; email: string; plan: string }, plans: Plans): Dialog {
  const names = plans.plans.map((p) => p.name)
  // A plan gone from the config is still the account's until changed: it stays a choice.
  const options = names.includes(req.plan) ? names : [req.plan, ...names]
  return form('accountPlan', `Plan of ${req.email} (now ${req.plan})`, [
    { name: 'plan', label: 'Plan', kind: 'choice', value: req.plan, options, hint: `←/→ to choose; new accounts get ${plans.defaultPlan}` },
  ], { id: req.id, email: req.email })
}

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
      // The plans come from the appliance's config: read them, then offer them (settle.ts).
      return startOp(state, { op: 'accountPlans', id: a.id, email: a.email, plan: a.plan })
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
