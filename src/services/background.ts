import type { AppContext } from '../app'
import type { Logger } from '../http/common/log'

const INTERVAL_MS = 60_000

/**
 * Periodic jobs: flush key last-used times, GC dead blobs, abort stale uploads, prune expired
 * Time Machine history, and (once, after start) sweep orphaned blob files from before start.
 */
export function startBackgroundJobs(ctx: AppContext, log: Logger) {
  const startedAt = Date.now()
  let orphanSweepDone = false
  let running: Promise<void> | null = null

  async function tick() {
    try {
      ctx.services.keyUsage.flush()
      const dead = await ctx.services.gc.collectDeadBlobs()
      const stale = ctx.services.gc.abortStaleUploads()
      const pruned = ctx.services.gc.pruneExpiredHistory()
      const renditions = ctx.services.images.sweepCache()
      let orphans = 0
      if (!orphanSweepDone) {
        orphans = await ctx.services.gc.removeOrphanFiles(startedAt)
        orphanSweepDone = true
      }
      if (dead || stale || pruned || orphans || renditions) log.info('gc', { deadBlobs: dead, staleUploads: stale, prunedVersions: pruned, orphanFiles: orphans, imageRenditions: renditions })
    } catch (e) {
      log.error('background job failed', e)
    }
  }

  const first = setTimeout(() => (running = tick()), 2_000)
  const timer = setInterval(() => {
    if (!running) running = tick().finally(() => (running = null))
  }, INTERVAL_MS)
  return {
    /** Runs one pass now (tests, admin). */
    runOnce: () => tick(),
    async stop() {
      clearTimeout(first)
      clearInterval(timer)
      await running
      ctx.services.keyUsage.flush()
    },
  }
}
