/** The typed configuration every module receives. Built and validated by `load.ts`. */
export interface PlanConfig {
  name: string
  quotaBytes: number
  maxBuckets: number
  maxKeys: number
  /** Per-access-key requests per second by class; 0 disables that class's limit. */
  rates: { write: number; read: number; list: number; dashboardPerMinute: number }
}

export interface Config {
  dataDir: string
  /** The config file these settings were read from (absolute path), or null. */
  configFile: string | null
  host: string
  s3Port: number
  port: number
  region: string
  domain: string | null
  /**
   * How clients reach the S3 port from outside (behind a proxy or NAT), e.g.
   * https://s3.example.com; presigned URLs the API hands out point there. Null: the host the API
   * was called on, with the S3 port.
   */
  s3PublicUrl: string | null
  logFormat: 'text' | 'json'
  signup: 'open' | 'closed'
  rateLimits: boolean
  /** Admins are exempt from per-key rate limits. */
  adminRateLimitExempt: boolean
  defaultPlan: string
  /** Quota of plans that do not name one (`default-quota`). */
  defaultQuotaBytes: number
  plans: Record<string, PlanConfig>
  webhookAllowlist: string[]
  /** First webhook retry delay; later ones grow ×4 (1 s, 4 s, 16 s by default). */
  webhookRetryBaseMs: number
  /** Finished deliveries each webhook's log keeps (older ones are pruned). */
  webhookDeliveryLog: number
  /**
   * The HTTP port's public URL (share links, signed image URLs; the S3 port answers CORS for its
   * origin as for the dashboard's own); null: the request's own origin.
   */
  publicUrl: string | null
  /** Share link requests per second per client IP, and per link (0: unlimited); queued like S3 requests. */
  shareRates: { perIp: number; perLink: number }
  blobBackend: 'fs' | 's3'
  upstream: { endpoint: string; region: string; bucket: string; accessKey: string; secretKey: string } | null
  masterKeyFile: string | null
  masterKey: string | null
  /** Bearer token accepted by GET /metrics besides an admin session. */
  metricsToken: string | null
  /** Global cap on concurrently handled requests; beyond it S3 answers 503 SlowDown. */
  maxInflight: number
  /** Time Machine defaults (per-bucket overridable). */
  retention: { maxVersions: number; maxAgeDays: number }
  quotaWarningThresholds: number[]
  /** Refuse blob writes when free disk space falls below this many bytes. */
  diskReserveBytes: number
  /** Seconds a dead blob lingers before GC unlinks it (covers in-flight GETs). */
  gcGraceSeconds: number
  /**
   * Seconds an upload may wait for the next body bytes before it fails (S3's RequestTimeout):
   * a body shorter than its Content-Length, or a stalled client, does not hold the request.
   */
  bodyIdleTimeoutSeconds: number
  /** Smallest multipart part but the last (S3: 5 MiB; lower only for tests and special clients). */
  minPartSize: number
  /** Multipart uploads untouched for this long are aborted by GC. */
  staleUploadDays: number
  secureCookies: boolean
  trustProxy: boolean
  sessionIdleMinutes: number
  sessionAbsoluteHours: number
  image: { maxInputBytes: number; maxInputPixels: number; maxOutputDimension: number; timeoutSeconds: number; cacheDays: number }
  root: { email: string | null; password: string | null; accessKey: string | null; secretKey: string | null }
}
