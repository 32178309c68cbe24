/**
 * Counters over recent time slots (epoch seconds, epoch minutes) in a fixed ring: the entry of a
 * slot is reused when the ring comes round to it again, so memory stays constant and a slot
 * older than the ring reads as 0. One ring holds several counters per slot (requests, errors).
 */
export class SlotRing {
  /** The slot each entry currently counts; -1 when unused. */
  private readonly slots: Float64Array
  private readonly counts: Uint32Array[]
  /** The latest slot counted, -1 before the first. */
  newest = -1

  constructor(readonly size: number, counters = 1) {
    this.slots = new Float64Array(size).fill(-1)
    this.counts = Array.from({ length: counters }, () => new Uint32Array(size))
  }

  /** Counts one event of `counter` in `slot`. */
  add(slot: number, counter = 0) {
    const i = this.index(slot)
    if (this.slots[i] !== slot) {
      this.slots[i] = slot
      for (const c of this.counts) c[i] = 0
    }
    this.counts[counter][i]++
    if (slot > this.newest) this.newest = slot
  }

  /** The events of `counter` in `slot`; 0 for a slot the ring no longer (or never) held. */
  count(slot: number, counter = 0): number {
    const i = this.index(slot)
    return this.slots[i] === slot ? this.counts[counter][i] : 0
  }

  private index(slot: number) {
    return ((slot % this.size) + this.size) % this.size
  }
}
