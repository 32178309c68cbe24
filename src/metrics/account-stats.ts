/**
 * Requests and errors per account over the last hour, in one-minute slots: what the dashboard's
 * overview shows an account about its own traffic (both ports, any credential). In memory, a
 * fixed ring per active account (60 slots × 3 counters); accounts idle for an hour are dropped.
 */
const SLOT_MS = 60_000
const SLOTS = 60

interface Ring {
  /** The slot number (epoch minutes) each ring entry currently counts; -1 when unused. */
  slot: Float64Array
  requests: Uint32Array
  clientErrors: Uint32Array
  serverErrors: Uint32Array
  newest: number
}

export interface AccountTraffic {
  windowSeconds: number
  requests: number
  clientErrors: number
  serverErrors: number
  /** Oldest first, one entry per minute of the window (the last one is the current minute). */
  perMinute: Array<{ at: string; requests: number; clientErrors: number; serverErrors: number }>
}

export class AccountStats {
  private readonly rings = new Map<string, Ring>()

  record(accountId: string, status: number, at: number) {
    const slot = Math.floor(at / SLOT_MS)
    let r = this.rings.get(accountId)
    if (!r) {
      if (this.rings.size >= 10_000) this.evict(slot)
      r = { slot: new Float64Array(SLOTS).fill(-1), requests: new Uint32Array(SLOTS), clientErrors: new Uint32Array(SLOTS), serverErrors: new Uint32Array(SLOTS), newest: slot }
      this.rings.set(accountId, r)
    }
    const i = slot % SLOTS
    if (r.slot[i] !== slot) {
      r.slot[i] = slot
      r.requests[i] = r.clientErrors[i] = r.serverErrors[i] = 0
    }
    r.requests[i]++
    if (status >= 500) r.serverErrors[i]++
    else if (status >= 400) r.clientErrors[i]++
    if (slot > r.newest) r.newest = slot
  }

  read(accountId: string, at: number): AccountTraffic {
    const now = Math.floor(at / SLOT_MS)
    const r = this.rings.get(accountId)
    const out: AccountTraffic = { windowSeconds: (SLOTS * SLOT_MS) / 1000, requests: 0, clientErrors: 0, serverErrors: 0, perMinute: [] }
    for (let slot = now - SLOTS + 1; slot <= now; slot++) {
      const i = ((slot % SLOTS) + SLOTS) % SLOTS
      const live = r !== undefined && r.slot[i] === slot
      const m = { at: new Date(slot * SLOT_MS).toISOString(), requests: live ? r.requests[i] : 0, clientErrors: live ? r.clientErrors[i] : 0, serverErrors: live ? r.serverErrors[i] : 0 }
      out.requests += m.requests
      out.clientErrors += m.clientErrors
      out.serverErrors += m.serverErrors
      out.perMinute.push(m)
    }
    return out
  }

  /** Drops accounts with no request in the window. */
  private evict(now: number) {
    for (const [id, r] of this.rings) if (r.newest <= now - SLOTS) this.rings.delete(id)
  }
}
