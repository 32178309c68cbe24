/**
 * Requests and errors per account over the last hour, in one-minute slots: what the dashboard's
 * overview shows an account about its own traffic (both ports, any credential). In memory, a
 * fixed ring per active account (60 slots × 3 counters); accounts idle for an hour are dropped.
 */
import { SlotRing } from './slot-ring'

const SLOT_MS = 60_000
const SLOTS = 60
/** The counters of each account's ring. */
const REQUESTS = 0
const CLIENT_ERRORS = 1
const SERVER_ERRORS = 2

export interface AccountTraffic {
  windowSeconds: number
  requests: number
  clientErrors: number
  serverErrors: number
  /** Oldest first, one entry per minute of the window (the last one is the current minute). */
  perMinute: Array<{ at: string; requests: number; clientErrors: number; serverErrors: number }>
}

export class AccountStats {
  private readonly rings = new Map<string, SlotRing>()

  record(accountId: string, status: number, at: number) {
    const slot = Math.floor(at / SLOT_MS)
    let r = this.rings.get(accountId)
    if (!r) {
      if (this.rings.size >= 10_000) this.evict(slot)
      r = new SlotRing(SLOTS, 3)
      this.rings.set(accountId, r)
    }
    r.add(slot, REQUESTS)
    if (status >= 500) r.add(slot, SERVER_ERRORS)
    else if (status >= 400) r.add(slot, CLIENT_ERRORS)
  }

  read(accountId: string, at: number): AccountTraffic {
    const now = Math.floor(at / SLOT_MS)
    const r = this.rings.get(accountId)
    const out: AccountTraffic = { windowSeconds: (SLOTS * SLOT_MS) / 1000, requests: 0, clientErrors: 0, serverErrors: 0, perMinute: [] }
    for (let slot = now - SLOTS + 1; slot <= now; slot++) {
      const m = { at: new Date(slot * SLOT_MS).toISOString(), requests: r?.count(slot, REQUESTS) ?? 0, clientErrors: r?.count(slot, CLIENT_ERRORS) ?? 0, serverErrors: r?.count(slot, SERVER_ERRORS) ?? 0 }
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
