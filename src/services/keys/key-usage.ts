import type { Deps } from '../deps'

/**
 * Access keys' "last used" times, kept in memory and written at most once a minute: a write
 * transaction (and its fsync) per request would cost more than the request itself.
 */
export function keyUsageService(d: Deps) {
  const pending = new Map<string, number>()
  const written = new Map<string, number>()
  return {
    touch(accessKeyId: string, now: number) {
      if (now - (written.get(accessKeyId) ?? 0) < 60_000) return
      pending.set(accessKeyId, now)
    },
    /** A use not yet written (so listings are not up to a minute stale). */
    pendingFor(accessKeyId: string): number | undefined {
      return pending.get(accessKeyId)
    },
    flush() {
      if (pending.size === 0) return
      const batch = [...pending]
      pending.clear()
      d.db.tx(() => {
        for (const [id, t] of batch) {
          d.repos.accessKeys.touch(id, t)
          written.set(id, t)
        }
      })
    },
  }
}
export type KeyUsageService = ReturnType<typeof keyUsageService>
