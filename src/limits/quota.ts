import { AppError } from '../errors/app-error'

/**
 * In-flight reservations per account. A write reserves its declared size before reading the
 * body; concurrent writes therefore cannot jointly pass the quota. The commit re-checks with
 * the real size while its own reservation is excluded.
 */
export class QuotaLedger {
  private readonly reserved = new Map<string, number>()

  inFlight(accountId: string): number {
    return this.reserved.get(accountId) ?? 0
  }

  /**
   * Reserves `bytes` if usage + other reservations + bytes fits in the quota. Returns the
   * release function (call it in `finally`).
   */
  reserve(accountId: string, bytes: number, usage: number, quota: number): () => void {
    this.add(accountId, bytes, usage, quota)
    let released = false
    return () => {
      if (released) return
      released = true
      this.free(accountId, bytes)
    }
  }

  /** Adds `bytes` to the account's reservations if they fit next to usage and the others; else QuotaExceeded. */
  add(accountId: string, bytes: number, usage: number, quota: number) {
    const current = this.inFlight(accountId)
    if (bytes > 0 && usage + current + bytes > quota) throw quotaError(usage, quota, bytes)
    this.reserved.set(accountId, current + bytes)
  }

  /** Gives back `bytes` reserved through add(). */
  free(accountId: string, bytes: number) {
    const left = (this.reserved.get(accountId) ?? 0) - bytes
    if (left <= 0) this.reserved.delete(accountId)
    else this.reserved.set(accountId, left)
  }

  /** Bytes still available to a write holding `own` reserved bytes. */
  remaining(accountId: string, usage: number, quota: number, own = 0): number {
    return Math.max(0, quota - usage - (this.inFlight(accountId) - own))
  }
}

export function quotaError(usage: number, quota: number, wanted: number): AppError {
  return new AppError('QuotaExceeded', {
    message: `Upload would exceed your plan's storage quota (${usage} of ${quota} bytes used, ${wanted} more requested). Upgrade your plan or delete existing data.`,
  })
}
