import type { AppContext } from '../app'
import type { Logger } from '../log/logger'

const INTERVAL_MS = 60_000

/**
 * Periodic jobs: flush key last-used times, GC dead blobs, abort stale uploads, prune expired
 * Time Machine history, and (once, after start) sweep orphaned blob files from before start.
 */
export function startBackgroundJobs(ctx: AppContext, log: Logger, opts: { startedAt: number }) {
  // The orphan sweep spares files newer than this. The appliance's start, not this call: the
  // listeners are up before the jobs start, so a write may already be in flight by now.
  const { startedAt } = opts
  let orphanSweepDone = false
  let running: Promise<void> | null = null

  async function tick() {
    try {
      // Last-used times are a nicety: failing to write them (disk full) must not stop the GC
      // pass below, which is what gives the space back.
      try { ctx.services.keyUsage.flush() } catch (e) { log.error('flushing key last-used times failed', e) }
      // Retention runs apart from GC: a failing GC pass must not keep expired history forever,
      // and the overview reports each job's last outcome on its own.
      let pruned = 0
      try {
        pruned = ctx.services.gc.pruneExpiredHistory()
        ctx.services.admin.recordPass('retention', true, `${pruned} expired version${pruned === 1 ? '' : 's'} pruned`)
      } catch (e) {
        ctx.services.admin.recordPass('retention', false, (e as Error).message)
        log.error('retention pass failed', e)
      }
      const dead = await ctx.services.gc.collectDeadBlobs()
      const stale = ctx.services.gc.abortStaleUploads()
      const renditions = ctx.services.images.sweepCache()
      let orphans = 0
      const startup = !orphanSweepDone
      if (startup) {
        orphans = await ctx.services.gc.removeOrphanFiles(startedAt)
        orphanSweepDone = true
      }
      const counts = { deadBlobs: dead, staleUploads: stale, prunedVersions: pruned, orphanFiles: orphans, imageRenditions: renditions }
      ctx.services.admin.recordPass('gc', true, `${dead} dead blobs, ${stale} stale uploads, ${renditions} image renditions${startup ? `, ${orphans} orphan files` : ''} removed`)
      // The startup sweep always reports (the end of crash recovery); later passes only when they did something.
      if (startup) log.info('gc startup sweep finished', counts)
      else if (dead || stale || pruned || renditions) log.info('gc', counts)
    } catch (e) {
      ctx.services.admin.recordPass('gc', false, (e as Error).message)
      log.error('background job failed', e)
    }
  }

  // Every pass clears `running` when it ends: a first pass that left it set would make every
  // later interval skip, and dead blobs would never be unlinked until a restart.
  const pass = () => (running = tick().finally(() => (running = null)))
  const first = setTimeout(() => { if (!running) pass() }, 2_000)
  const timer = setInterval(() => { if (!running) pass() }, INTERVAL_MS)
  return {
    /** Runs one whole pass now, after the one in progress if any (passes never overlap). */
    async runOnce() {
      while (running) await running
      await pass()
    },
    async stop() {
      clearTimeout(first)
      clearInterval(timer)
      await running
      ctx.services.keyUsage.flush()
    },
  }
}
