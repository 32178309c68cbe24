import type { Config } from '../config/config'
import type { Services } from '../services'
import type { Metrics } from '../metrics/metrics'
import type { InflightGate } from '../limits/inflight-gate'

/**
 * What a surface (S3, JSON API, REST files, images) gets: the use cases and the read-only
 * settings, never the database, repos, blob store or event bus. A feature is written once, in a
 * service; surfaces only translate requests and answers (test/unit/import-rules.test.ts keeps it so).
 */
export interface SurfaceContext {
  services: Services
  config: Config
  metrics: Metrics
  /** Global cap on requests being handled, shared by both listeners. */
  gate: InflightGate
  now: () => number
  /**
   * The ports the listeners are bound to (an ephemeral port is known only once bound); absent
   * when a surface runs without listeners (unit tests): the configured ports then.
   */
  ports?: { s3: number; http: number }
}
