import type { Deps } from '../deps'

/** Appliance-wide numbers for the admin API (the TUI overview, the dashboard's admin page). */
export function adminService(d: Deps) {
  return {
    totals() {
      const t = d.repos.stats.overview()
      return {
        accounts: t.accounts,
        buckets: t.buckets,
        multipartUploads: t.uploads,
        storage: { logicalBytes: t.logical, storedBytes: t.stored, objects: t.objects },
      }
    },
  }
}
