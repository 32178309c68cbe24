import type { Deps } from '../deps'

/** Appliance-wide numbers for the admin API (the TUI overview, the dashboard's admin page). */
export function adminService(d: Deps) {
  return {
    totals() {
      const t = d.repos.accounts.usageTotals()
      return {
        accounts: t.accounts,
        buckets: d.repos.buckets.count(),
        multipartUploads: d.repos.multipart.count(),
        storage: { logicalBytes: t.logicalBytes, storedBytes: t.storedBytes, objects: t.objects },
      }
    },
  }
}
