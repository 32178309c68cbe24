import { AppError } from '../../errors/app-error'
import { QuotaLedger, quotaError } from '../../limits/quota'
import type { Deps } from '../deps'
import type { BucketRow } from '../../db/repos/buckets'
import { quotaOf } from '../accounts/plans'

export interface Reservation {
  /**
   * Unknown lengths: called with the body bytes received so far, before they are written.
   * Grows the reservation to cover them (a step ahead, never past the quota) or throws
   * QuotaExceeded, so concurrent uploads of unknown length cannot jointly overrun the quota
   * on disk. A no-op for declared lengths (reserved up front).
   */
  cover(seen: number): void
  /** Other writes' in-flight bytes, for the commit's re-check. */
  others(): number
  release(): void
}

/** How far ahead an unknown-length upload reserves: one statement per MiB, at most 1 MiB unused. */
const GROW_STEP = 1024 * 1024

/**
 * Quota enforcement shared by every write path: reserve before the body is read, reserve
 * unknown lengths as they stream (cut off at the remaining quota), and report rejections as `quota.exceeded` events (at most
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
      let own = bytes === null ? 0 : Math.max(0, bytes - credit)
      try {
        ledger.add(accountId, own, used, quota)
      } catch (e) {
        service.rejected(accountId, e)
        throw e
      }
      let released = false
      return {
        cover(seen: number) {
          if (bytes !== null || released) return
          const needed = Math.max(0, seen - credit)
          if (needed <= own) return
          const now = state(accountId)
          const room = now.quota - now.used - (ledger.inFlight(accountId) - own)
          if (needed > room) throw quotaError(now.used, now.quota, needed)
          const target = Math.min(room, needed + GROW_STEP)
          ledger.add(accountId, target - own, now.used, now.quota)
          own = target
        },
        others: () => ledger.inFlight(accountId) - own,
        release() {
          if (released) return
          released = true
          ledger.free(accountId, own)
        },
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
        d.report('quota.exceeded event not recorded', err)
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
