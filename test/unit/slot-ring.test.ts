/** The fixed ring behind the overview's request rate and each account's hour of traffic. */
import { describe, expect, test } from 'bun:test'
import { SlotRing } from '../../src/metrics/slot-ring'

describe('SlotRing', () => {
  test('counts per slot and per counter; other counters of the slot stay apart', () => {
    const r = new SlotRing(4, 2)
    r.add(10)
    r.add(10)
    r.add(10, 1)
    r.add(11)
    expect([r.count(10), r.count(10, 1), r.count(11), r.count(11, 1), r.count(12)]).toEqual([2, 1, 1, 0, 0])
    expect(r.newest).toBe(11)
  })

  test('a slot the ring came round to again starts from 0, and the old slot reads 0', () => {
    const r = new SlotRing(4, 2)
    r.add(3)
    r.add(3, 1)
    r.add(7) // same entry as 3
    expect([r.count(3), r.count(3, 1), r.count(7), r.count(7, 1)]).toEqual([0, 0, 1, 0])
  })

  test('a slot never counted reads 0, also slot 0 and negative slots', () => {
    const r = new SlotRing(3)
    expect([r.count(0), r.count(-1), r.count(5)]).toEqual([0, 0, 0])
    expect(r.newest).toBe(-1)
  })
})
