import type { Db } from '../db/client'
import type { EventsRepo } from '../db/repos/events'
import type { AppEvent, EventType } from './catalog'
import type { ErrorReporter } from '../log/logger'

type Listener = (e: AppEvent) => void

/**
 * In-process fan-out. The durable record is the outbox row written inside the change's
 * transaction; the bus only wakes subscribers (webhook worker, metrics) after commit.
 */
export class EventBus {
  private listeners = new Set<Listener>()

  constructor(private readonly db: Db, private readonly events: EventsRepo, private readonly report: ErrorReporter) {}

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /** Must be called inside a transaction: writes the outbox row, publishes after commit. */
  emit(type: EventType, accountId: string | null, data: Record<string, unknown>, now = Date.now()): void {
    const id = this.events.insert(type, accountId, data, now)
    const event: AppEvent = { id, type, accountId, timestamp: new Date(now).toISOString(), data }
    this.db.afterCommit(() => {
      for (const l of this.listeners) {
        try { l(event) } catch (e) { this.report('event listener failed', e) }
      }
    })
  }
}
