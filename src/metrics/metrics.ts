/**
 * Prometheus counters and histograms for the request path, plus gauges read on scrape.
 * Kept in-process; `GET /metrics` renders the text exposition format and the TUI overview
 * reads the same numbers through the API.
 */
import { AccountStats } from './account-stats'
import { SlotRing } from './slot-ring'

/** Seconds the overview's request rate averages over. */
export const RATE_WINDOW = 10

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

type Labels = Record<string, string>
const labelKey = (l: Labels) => Object.keys(l).sort().map((k) => `${k}="${String(l[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')

// The label strings of the per-request series, built once per combination (hot path).
const keyCache = new Map<string, string>()
const requestKey = (surface: string, operation: string, status: number) => {
  const id = `${surface}\0${operation}\0${status}`
  let k = keyCache.get(id)
  if (k === undefined) keyCache.set(id, (k = labelKey({ surface, operation, status: String(status) })))
  return k
}
const opKey = (surface: string, operation: string) => {
  const id = `${surface}\0${operation}`
  let k = keyCache.get(id)
  if (k === undefined) keyCache.set(id, (k = labelKey({ surface, operation })))
  return k
}

class Counter {
  readonly values = new Map<string, number>()
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels, by = 1) {
    this.incKey(labelKey(labels), by)
  }
  incKey(k: string, by = 1) {
    this.values.set(k, (this.values.get(k) ?? 0) + by)
  }
  total(): number {
    let t = 0
    for (const v of this.values.values()) t += v
    return t
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`
    for (const [k, v] of this.values) out += `${this.name}{${k}} ${v}\n`
    return out
  }
}

class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>()
  constructor(readonly name: string, readonly help: string) {}
  observe(labels: Labels, seconds: number) {
    this.observeKey(labelKey(labels), seconds)
  }
  observeKey(k: string, seconds: number) {
    let s = this.series.get(k)
    if (!s) this.series.set(k, (s = { counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 }))
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (seconds <= LATENCY_BUCKETS[i]) s.counts[i]++
    s.sum += seconds
    s.count++
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`
    for (const [k, s] of this.series) {
      const sep = k ? ',' : ''
      LATENCY_BUCKETS.forEach((b, i) => (out += `${this.name}_bucket{${k}${sep}le="${b}"} ${s.counts[i]}\n`))
      out += `${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}\n${this.name}_sum{${k}} ${s.sum}\n${this.name}_count{${k}} ${s.count}\n`
    }
    return out
  }
}

export interface Gauge {
  name: string
  help: string
  read: () => Array<{ labels: Labels; value: number }>
}

export class Metrics {
  readonly startedAt = Date.now()
  readonly requests = new Counter('cloudstorage_requests_total', 'Requests by surface, operation and status code.')
  readonly latency = new Histogram('cloudstorage_request_duration_seconds', 'Request latency by surface and operation.')
  readonly bytesIn = new Counter('cloudstorage_bytes_received_total', 'Request body bytes received by surface.')
  readonly bytesOut = new Counter('cloudstorage_bytes_sent_total', 'Response body bytes sent by surface.')
  readonly rateLimited = new Counter('cloudstorage_rate_limited_total', 'Requests refused by rate limits, by surface.')
  readonly quotaRejected = new Counter('cloudstorage_quota_rejections_total', 'Writes refused for quota, by surface.')
  /** Per-account requests and errors of the last hour (the dashboard's overview). */
  readonly accounts = new AccountStats()
  private readonly gauges: Gauge[] = []
  /** Answers with a 5xx status (server faults), for the overview. */
  private serverErrors = 0
  /** Requests per second over the last RATE_WINDOW seconds: one slot per second, by epoch second. */
  private readonly window = new SlotRing(RATE_WINDOW + 1)
  /** The clock for the request rate and the accounts' traffic (tests pass one). */
  constructor(private readonly clock: () => number = Date.now) {}

  addGauge(g: Gauge) {
    this.gauges.push(g)
  }

  /**
   * `error`: the error code answered, if any (QuotaExceeded counts as a quota rejection, whichever
   * write path refused). `accountId`: the authenticated account, counted in its own traffic.
   */
  recordRequest(r: { surface: string; operation: string; status: number; seconds: number; bytesIn: number; bytesOut: number; error?: string; accountId?: string | null }) {
    // One clock read for both windows (it is the appliance clock: tests advance it).
    const at = this.clock()
    if (r.accountId) this.accounts.record(r.accountId, r.status, at)
    this.requests.incKey(requestKey(r.surface, r.operation, r.status))
    this.latency.observeKey(opKey(r.surface, r.operation), r.seconds)
    if (r.bytesIn) this.bytesIn.inc({ surface: r.surface }, r.bytesIn)
    if (r.bytesOut) this.bytesOut.inc({ surface: r.surface }, r.bytesOut)
    if (r.status === 429) this.rateLimited.inc({ surface: r.surface })
    if (r.error === 'QuotaExceeded') this.quotaRejected.inc({ surface: r.surface })
    if (r.status >= 500) this.serverErrors++
    this.window.add(Math.floor(at / 1000))
  }

  /** Requests per second, averaged over the last RATE_WINDOW whole seconds (the current one excluded: it is not over). */
  perSecond(): number {
    const now = Math.floor(this.clock() / 1000)
    let n = 0
    for (let sec = now - RATE_WINDOW; sec < now; sec++) n += this.window.count(sec)
    return Math.round((n / RATE_WINDOW) * 100) / 100
  }

  /** The overview's request numbers: totals since start and the recent rate. */
  requestSummary() {
    return { total: this.requests.total(), errors: this.serverErrors, perSecond: this.perSecond() }
  }

  /** Compact numbers for the TUI overview and the admin API. */
  snapshot() {
    return {
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      requests: this.requests.total(),
      bytesIn: this.bytesIn.total(),
      bytesOut: this.bytesOut.total(),
      rateLimited: this.rateLimited.total(),
      quotaRejected: this.quotaRejected.total(),
    }
  }

  render(): string {
    let out = this.requests.render() + this.latency.render() + this.bytesIn.render() + this.bytesOut.render() + this.rateLimited.render() + this.quotaRejected.render()
    for (const g of this.gauges) {
      out += `# HELP ${g.name} ${g.help}\n# TYPE ${g.name} gauge\n`
      for (const { labels, value } of g.read()) {
        const k = labelKey(labels)
        out += `${g.name}${k ? `{${k}}` : ''} ${value}\n`
      }
    }
    out += `# HELP cloudstorage_uptime_seconds Seconds since the process started.\n# TYPE cloudstorage_uptime_seconds gauge\ncloudstorage_uptime_seconds ${Math.round((Date.now() - this.startedAt) / 1000)}\n`
    return out
  }
}
