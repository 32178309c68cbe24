import type { Deps } from '../deps'

/**
 * Recomputes usage from the rows themselves and compares it with the counters kept by every
 * transaction. `recompute` repairs any drift (it should never happen; the report says if it did).
 */
export function usageReportService(d: Deps) {
  return {
    report(opts: { recompute: boolean }) {
      return d.db.tx(() => {
        const actual = d.repos.stats.actualUsageByAccount()
        const buckets = d.repos.stats.actualUsageByBucket()
        const accounts = d.repos.accounts.list().map((a) => {
          const u = d.repos.accounts.usage(a.id)!
          const x = actual.get(a.id) ?? { logical: 0, stored: 0, objects: 0 }
          let corrected = u.logicalBytes !== x.logical || u.storedBytes !== x.stored || u.objects !== x.objects
          if (corrected && opts.recompute) d.repos.accounts.setUsage(a.id, { logicalBytes: x.logical, storedBytes: x.stored, objects: x.objects })
          for (const b of d.repos.buckets.listForAccount(a.id)) {
            const bx = buckets.get(b.id) ?? { bytes: 0, objects: 0 }
            if (b.usageBytes !== bx.bytes || b.usageObjects !== bx.objects) {
              corrected = true
              if (opts.recompute) d.repos.buckets.update(b.id, { usageBytes: bx.bytes, usageObjects: bx.objects })
            }
          }
          return {
            email: a.email, bytes: x.logical, storedBytes: x.stored, objects: x.objects,
            counters: { bytes: u.logicalBytes, storedBytes: u.storedBytes, objects: u.objects },
            corrected: corrected && opts.recompute, drift: corrected,
          }
        })
        return { accounts, recomputed: opts.recompute }
      })
    },
  }
}
export type UsageReportService = ReturnType<typeof usageReportService>
