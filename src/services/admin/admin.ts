import { statfsSync } from 'node:fs'
import type { Deps } from '../deps'

/** How the last pass of a periodic job went, for the overview ("GC 14:02 ok: 3 dead blobs"). */
export interface PassResult {
  /** ISO 8601. */
  at: string
  ok: boolean
  /** What it did, or why it failed. */
  detail: string
}

export type BackgroundJob = 'gc' | 'retention'

/** Appliance-wide numbers for the admin API (the TUI overview, the dashboard's admin page). */
export function adminService(d: Deps) {
  // Process memory: a restart starts with "no pass yet", which is what happened.
  const passes: Record<BackgroundJob, PassResult | null> = { gc: null, retention: null }
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

    /** Free and total bytes of the file system holding the data dir (null when it cannot be read). */
    disk(): { freeBytes: number; totalBytes: number } | null {
      try {
        const s = statfsSync(d.config.dataDir)
        return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize }
      } catch {
        return null
      }
    },

    /** Webhook deliveries waiting to be sent, retries included. */
    webhookQueueDepth: (): number => d.repos.webhooks.pendingCount(),

    /** The background jobs report each pass here. */
    recordPass(job: BackgroundJob, ok: boolean, detail: string) {
      passes[job] = { at: new Date(d.now()).toISOString(), ok, detail }
    },

    background: () => ({ gc: passes.gc, retention: passes.retention }),
  }
}
