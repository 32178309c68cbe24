import type { Db } from '../client'

export interface BlobRow {
  id: string
  accountId: string
  size: number
  sha256: string | null
  md5: string | null
  state: 'live' | 'dead'
  refcount: number
  createdAt: number
  deadAt: number | null
}

const COLS = 'id, account_id AS accountId, size, sha256, md5, state, refcount, created_at AS createdAt, dead_at AS deadAt'

/**
 * Blob bookkeeping. Refcounts change only inside the transaction that adds or removes a
 * reference; the returned stored-bytes deltas feed the account's stored-bytes counter.
 */
export function blobsRepo(db: Db) {
  const s = db.sqlite
  const insert = s.prepare('INSERT INTO blobs (id, account_id, size, sha256, md5, state, refcount, created_at) VALUES (?, ?, ?, ?, ?, \'live\', 1, ?)')
  const get = s.prepare(`SELECT ${COLS} FROM blobs WHERE id = ?`)
  const incRef = s.prepare('UPDATE blobs SET refcount = refcount + 1 WHERE id = ? AND state = \'live\'')
  const decRef = s.prepare('UPDATE blobs SET refcount = refcount - 1 WHERE id = ? AND state = \'live\' RETURNING refcount, size')
  const kill = s.prepare('UPDATE blobs SET state = \'dead\', dead_at = ? WHERE id = ?')
  const dedup = s.prepare(`SELECT ${COLS} FROM blobs WHERE account_id = ? AND sha256 = ? AND size = ? AND state = 'live' LIMIT 1`)
  const deadBefore = s.prepare('SELECT id FROM blobs WHERE state = \'dead\' AND dead_at <= ? LIMIT ?')
  const remove = s.prepare('DELETE FROM blobs WHERE id = ?')
  const exists = s.prepare('SELECT 1 AS x FROM blobs WHERE id = ?')
  const liveWithHash = s.prepare('SELECT id, size, sha256 FROM blobs WHERE state = \'live\' AND id > ? ORDER BY id LIMIT ?')

  return {
    /** First reference to freshly written bytes. Returns the stored-bytes delta. */
    insertLive(id: string, accountId: string, size: number, sha256: string | null, md5: string | null, now: number): number {
      insert.run(id, accountId, size, sha256, md5, now)
      return size
    },
    get: (id: string) => get.get(id) as BlobRow | null,
    /** Adds a reference to a live blob (copies, dedup hits). */
    addRef(id: string): void {
      if (incRef.run(id).changes !== 1) throw new Error(`blob ${id} is not live`)
    },
    /** Drops a reference; at zero the blob is dead (GC unlinks it later). Returns the stored-bytes delta. */
    release(id: string, now: number): number {
      const r = decRef.get(id) as { refcount: number; size: number } | null
      if (!r || r.refcount > 0) return 0
      kill.run(now, id)
      return -r.size
    },
    findDuplicate: (accountId: string, sha256: string, size: number) => dedup.get(accountId, sha256, size) as BlobRow | null,
    deadBefore: (t: number, limit: number) => (deadBefore.all(t, limit) as Array<{ id: string }>).map((r) => r.id),
    remove: (id: string) => remove.run(id),
    exists: (id: string) => exists.get(id) !== null,
    /** Live blobs in id order, for scrub. */
    livePage: (afterId: string, limit: number) => liveWithHash.all(afterId, limit) as Array<{ id: string; size: number; sha256: string | null }>,
  }
}
export type BlobsRepo = ReturnType<typeof blobsRepo>
