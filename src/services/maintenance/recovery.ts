import type { Deps } from '../deps'
import type { UsageReportService } from './usage-report'

/**
 * Startup recovery: drop partial writes (temp files), then verify the usage counters against
 * the rows and repair any drift, and free share download slots of downloads cut off by the stop. Orphaned blob files are swept by the first GC pass.
 */
export function recoveryService(d: Deps, usage: UsageReportService) {
  return {
    async run() {
      const { tempFilesRemoved } = await d.blobs.recover()
      const report = usage.report({ recompute: true })
      const drifted = report.accounts.filter((a) => a.drift).map((a) => a.email)
      // Share download slots held by downloads the previous run never finished are free again.
      d.db.tx(() => d.repos.shares.resetReservations())
      return { tempFilesRemoved, usageCorrected: drifted }
    },
  }
}
