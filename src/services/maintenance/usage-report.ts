import type { Deps } from '../deps'

interface Sums { logical: number; stored: number; objects: number }

/**
 * Recomputes usage from the rows themselves and compares it with the counters kept by every
 * transaction. `recompute` repairs any drift (it should never happen; the report says if it did).
 */
export function usageReportService(d: Deps) {
  const q = (sql: string) => d.db.sqlite.query(sql).all() as Array<{ id: string; n: number }>

  function actualByAccount(): Map<string, Sums> {
    const m = new Map<string, Sums>()
    const get = (id: string) => m.get(id) ?? m.set(id, { logical: 0, stored: 0, objects: 0 }).get(id)!
    for (const r of q('SELECT b.account_id AS id, coalesce(sum(v.size), 0) AS n FROM object_versions v JOIN buckets b ON b.id = v.bucket_id WHERE v.is_delete_marker = 0 GROUP BY b.account_id')) get(r.id).logical += r.n
    for (const r of q('SELECT u.account_id AS id, coalesce(sum(p.size), 0) AS n FROM multipart_parts p JOIN multipart_uploads u ON u.id = p.upload_id GROUP BY u.account_id')) get(r.id).logical += r.n
    for (const r of q('SELECT account_id AS id, coalesce(sum(size), 0) AS n FROM blobs WHERE state = \'live\' GROUP BY account_id')) get(r.id).stored += r.n
    for (const r of q('SELECT b.account_id AS id, count(*) AS n FROM objects o JOIN buckets b ON b.id = o.bucket_id WHERE o.is_live = 1 GROUP BY b.account_id')) get(r.id).objects += r.n
    return m
  }

  function actualByBucket(): Map<string, { bytes: number; objects: number }> {
    const m = new Map<string, { bytes: number; objects: number }>()
    const get = (id: string) => m.get(id) ?? m.set(id, { bytes: 0, objects: 0 }).get(id)!
    for (const r of q('SELECT bucket_id AS id, coalesce(sum(size), 0) AS n FROM object_versions WHERE is_delete_marker = 0 GROUP BY bucket_id')) get(r.id).bytes += r.n
    for (const r of q('SELECT u.bucket_id AS id, coalesce(sum(p.size), 0) AS n FROM multipart_parts p JOIN multipart_uploads u ON u.id = p.upload_id GROUP BY u.bucket_id')) get(r.id).bytes += r.n
    for (const r of q('SELECT bucket_id AS id, count(*) AS n FROM objects WHERE is_live = 1 GROUP BY bucket_id')) get(r.id).objects += r.n
    return m
  }

  return {
    report(opts: { recompute: boolean }) {
      return d.db.tx(() => {
        const actual = actualByAccount()
        const buckets = actualByBucket()
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
