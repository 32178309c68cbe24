import type { Deps } from '../deps'
import { UsageDelta } from '../objects/usage-delta'
import { dropUpload } from '../multipart/drop-upload'
import { removeVersion } from '../objects/commit'

/**
 * Background collection: unlinks dead blobs after the grace period (so in-flight GETs finish),
 * aborts stale multipart uploads, applies Time Machine's age limit, and removes blob files
 * that no row references (crash leftovers between rename and commit).
 */
export function gcService(d: Deps) {
  return {
    async collectDeadBlobs(limit = 1000): Promise<number> {
      const ids = d.repos.blobs.deadBefore(d.now() - d.config.gcGraceSeconds * 1000, limit)
      for (const id of ids) {
        await d.blobs.delete(id)
        d.db.tx(() => d.repos.blobs.remove(id), { freesSpace: true })
      }
      return ids.length
    },

    abortStaleUploads(limit = 100): number {
      const ids = d.repos.multipart.staleBefore(d.now() - d.config.staleUploadDays * 86_400_000, limit)
      for (const id of ids) {
        d.db.tx(() => {
          const u = d.repos.multipart.get(id)
          const bucket = u && d.repos.buckets.byId(u.bucketId)
          if (!u || !bucket) return
          const delta = new UsageDelta(bucket)
          dropUpload(d, u, delta)
          delta.apply(d)
        }, { freesSpace: true })
      }
      return ids.length
    },

    /** History past its bucket's age limit (the same versions applyRetention would prune). */
    pruneExpiredHistory(limit = 1000): number {
      const rows = d.repos.objects.expiredHistory(d.config.retention.maxAgeDays, d.now(), limit)
      for (const r of rows) {
        d.db.tx(() => {
          const v = d.repos.objects.version(r.id)
          const bucket = d.repos.buckets.byId(r.bucketId)
          if (!v || !bucket) return
          const delta = new UsageDelta(bucket)
          removeVersion(d, v, delta)
          if (d.repos.objects.countVersions(v.objectId) === 0) d.repos.objects.deleteObject(v.objectId)
          delta.apply(d)
        }, { freesSpace: true })
      }
      return rows.length
    },

    /** Blob files without a row, older than `before` (ms): never a write still in progress. */
    async removeOrphanFiles(before: number): Promise<number> {
      let n = 0
      for await (const id of d.blobs.list()) {
        if (d.repos.blobs.exists(id)) continue
        const st = await d.blobs.stat(id)
        if (!st || st.mtimeMs >= before) continue
        await d.blobs.delete(id)
        n++
      }
      return n
    },
  }
}
export type GcService = ReturnType<typeof gcService>
