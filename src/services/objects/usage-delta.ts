import type { Deps } from '../deps'
import type { BucketRow } from '../../db/repos/buckets'
import { quotaOf } from '../accounts/plans'
import { quotaError } from '../../limits/quota'
import { checkQuotaWarnings } from '../usage/quota'

/**
 * Usage changes accumulated during one transaction and applied once at its end, after the
 * quota check: logical bytes (every kept version and part), stored bytes (distinct blobs) and
 * the count of current objects.
 */
export class UsageDelta {
  logical = 0
  stored = 0
  objects = 0

  constructor(readonly bucket: BucketRow) {}

  /**
   * Applies the delta to the bucket and account counters. When the change grows usage, it
   * must fit in the quota next to other writes' in-flight reservations (minus our own).
   */
  apply(d: Deps, opts: { enforceQuota: boolean; otherReservations?: number } = { enforceQuota: false }) {
    const accountId = this.bucket.accountId
    if (opts.enforceQuota && this.logical > 0) {
      const account = d.repos.accounts.byId(accountId)
      const usage = d.repos.accounts.usage(accountId)
      if (account && usage) {
        const quota = quotaOf(d, account)
        if (usage.logicalBytes + (opts.otherReservations ?? 0) + this.logical > quota) throw quotaError(usage.logicalBytes, quota, this.logical)
      }
    }
    if (this.logical || this.objects) d.repos.buckets.addUsage(this.bucket.id, this.logical, this.objects)
    if (this.logical || this.stored || this.objects) d.repos.accounts.addUsage(accountId, { logical: this.logical, stored: this.stored, objects: this.objects })
    if (this.logical) checkQuotaWarnings(d, accountId)
  }
}
