import { AppError } from '../../errors/app-error'
import { QuotaLedger } from '../../limits/quota'
import type { Deps } from '../deps'
import type { BucketRow } from '../../db/repos/buckets'
import { quotaOf } from '../accounts/plans'

export interface Reservation {
  /** Bytes this write may still add (its reservation, or the remaining quota when unknown). */
  limit: number
  /** Other writes' in-flight bytes, for the commit's re-check. */
  others(): number
  release(): void
}

/**
 * Quota enforcement shared by every write path: reserve before the body is read, cut unknown
 * lengths off at the remaining quota, and report rejections as `quota.exceeded` events (at most
 * one per account per minute). Warnings on threshold crossings come from `checkWarnings`.
 */
export function quotaService(d: Deps) {
  const ledger = new QuotaLedger()
  const lastExceeded = new Map<string, number>()

  const state = (accountId: string) => {
    const account = d.repos.accounts.byId(accountId)
    const usage = d.repos.accounts.usage(accountId)
    if (!account || !usage) throw new AppError('NoSuchAccount')
    return { quota: quotaOf(d, account), used: usage.logicalBytes }
  }

  const service = {
    ledger,

    /**
     * Reserves `bytes` (declared length) or, when unknown, bounds the write by what is left.
     * `credit`: bytes the write's commit will free (the version an overwrite replaces, see
     * `overwriteCredit`), so an overwrite needs room only for its growth. The commit re-checks
     * with the real delta, so a credit that vanished meanwhile cannot overrun the quota.
     */
    reserve(accountId: string, bytes: number | null, credit = 0): Reservation {
      const { quota, used } = state(accountId)
      try {
        const own = bytes === null ? 0 : Math.max(0, bytes - credit)
        const release = ledger.reserve(accountId, own, used, quota)
        return {
          limit: bytes ?? ledger.remaining(accountId, used, quota, own) + credit,
          others: () => ledger.inFlight(accountId) - own,
          release,
        }
      } catch (e) {
        service.rejected(accountId, e)
        throw e
      }
    },

    /** Records a quota rejection: emits quota.exceeded, coalesced per account per minute. */
    rejected(accountId: string, e: unknown) {
      if (!(e instanceof AppError) || e.code !== 'QuotaExceeded') return
      const now = d.now()
      if (now - (lastExceeded.get(accountId) ?? -Infinity) < 60_000) return
      lastExceeded.set(accountId, now)
      // Best effort: a failure to record the event (busy database, account just deleted) must
      // not replace the QuotaExceeded the client is owed.
      try {
        const { quota, used } = state(accountId)
        d.db.tx(() => d.bus.emit('quota.exceeded', accountId, { usedBytes: used, quotaBytes: quota }, now))
      } catch (err) {
        lastExceeded.delete(accountId)
        console.error('quota.exceeded event not recorded:', err)
      }
    },

    /**
     * Bytes a new version of bucket/key frees when it commits: the S3 "null" version it replaces,
     * unless Time Machine keeps that as history or S3 versioning keeps it as a version.
     */
    overwriteCredit(bucket: BucketRow, key: string): number {
      if (bucket.timeMachine || bucket.s3Versioning === 'Enabled') return 0
      const obj = d.repos.objects.byKey(bucket.id, key)
      const old = obj ? d.repos.objects.nullVersion(obj.id) : null
      return old && !old.isDeleteMarker ? old.size : 0
    },

    usage(accountId: string) {
      const { quota, used } = state(accountId)
      return { quotaBytes: quota, usedBytes: used, inFlightBytes: ledger.inFlight(accountId) }
    },
  }
  return service
}
export type QuotaService = ReturnType<typeof quotaService>

/**
 * Emits quota.warning once per threshold crossing (80/90/95% by default); dropping below a
 * threshold re-arms it. Runs inside the transaction that changed usage.
 */
export function checkQuotaWarnings(d: Deps, accountId: string) {
  const account = d.repos.accounts.byId(accountId)
  const usage = d.repos.accounts.usage(accountId)
  if (!account || !usage) return
  const quota = quotaOf(d, account)
  const pct = quota > 0 ? (usage.logicalBytes / quota) * 100 : 100
  const crossed = d.config.quotaWarningThresholds.filter((t) => pct >= t).pop() ?? 0
  if (crossed > usage.warnedPercent) {
    d.bus.emit('quota.warning', accountId, { usedBytes: usage.logicalBytes, quotaBytes: quota, percent: Math.floor(pct), threshold: crossed }, d.now())
  }
  if (crossed !== usage.warnedPercent) d.repos.accounts.setWarnedPercent(accountId, crossed)
}
