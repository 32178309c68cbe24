import type { PlanConfig } from '../../config/config'
import type { AccountRow } from '../../db/repos/accounts'
import type { Deps } from '../deps'

/** The account's plan (falling back to the default plan if its plan left the config). */
export function planOf(d: Deps, account: Pick<AccountRow, 'plan'>): PlanConfig {
  return d.config.plans[account.plan ?? d.config.defaultPlan] ?? d.config.plans[d.config.defaultPlan]
}

/** Storage quota in bytes: the admin's override, else the plan's. */
export function quotaOf(d: Deps, account: Pick<AccountRow, 'plan' | 'quotaOverride'>): number {
  return account.quotaOverride ?? planOf(d, account).quotaBytes
}

/** Mirrors configured plans into the plans table (for the admin API and reporting). */
export function syncPlans(d: Deps) {
  d.db.tx(() => {
    for (const p of Object.values(d.config.plans)) {
      d.repos.accounts.upsertPlan({ name: p.name, quotaBytes: p.quotaBytes, maxBuckets: p.maxBuckets, maxKeys: p.maxKeys, ratesJson: JSON.stringify(p.rates) })
    }
  })
}
