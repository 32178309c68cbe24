import { resolve } from 'node:path'
import { existsSync, readFileSync } from 'node:fs'
import type { Config, PlanConfig } from './config'
import { ConfigError, domain, int, list, nonEmpty, oneOf, onOff, origin, port, region, size, str } from './settings'

/**
 * One row per top-level setting. `name` is the config-file key (the flag's name without dashes);
 * `flag` and `env` are the contract's names. Precedence: flag > env > file > default.
 */
interface Setting {
  name: string
  flag?: string
  env?: string
  parse: (raw: unknown, label: string) => unknown
  default: unknown
  apply: (c: Config, v: any) => void
  /** The config file's section already set this (a flat default must not overwrite it). */
  inSection?: (file: Record<string, any>) => boolean
}

const S: Setting[] = [
  { name: 'data', flag: '--data', env: 'CLOUDSTORAGE_DATA', parse: nonEmpty, default: './data', apply: (c, v) => (c.dataDir = resolve(v)) },
  { name: 'host', flag: '--host', env: 'CLOUDSTORAGE_HOST', parse: nonEmpty, default: '0.0.0.0', apply: (c, v) => (c.host = v) },
  { name: 's3-port', flag: '--s3-port', env: 'CLOUDSTORAGE_S3_PORT', parse: port, default: 9000, apply: (c, v) => (c.s3Port = v) },
  { name: 'port', flag: '--port', env: 'CLOUDSTORAGE_PORT', parse: port, default: 9001, apply: (c, v) => (c.port = v) },
  { name: 'region', flag: '--region', env: 'CLOUDSTORAGE_REGION', parse: region, default: 'eu-central-1', apply: (c, v) => (c.region = v) },
  { name: 'domain', flag: '--domain', env: 'CLOUDSTORAGE_DOMAIN', parse: domain, default: null, apply: (c, v) => (c.domain = v) },
  { name: 'log-format', flag: '--log-format', env: 'CLOUDSTORAGE_LOG_FORMAT', parse: oneOf('text', 'json'), default: 'text', apply: (c, v) => (c.logFormat = v) },
  { name: 'signup', env: 'CLOUDSTORAGE_SIGNUP', parse: oneOf('open', 'closed'), default: 'closed', apply: (c, v) => (c.signup = v) },
  // Applied after the loop (see resolvePlanQuotas): plans without their own quota get it.
  { name: 'default-quota', env: 'CLOUDSTORAGE_DEFAULT_QUOTA', parse: size, default: 10 * 2 ** 30, apply: (c, v) => (c.defaultQuotaBytes = v) },
  { name: 'rate-limits', env: 'CLOUDSTORAGE_RATE_LIMITS', parse: onOff, default: true, apply: (c, v) => (c.rateLimits = v) },
  { name: 'admin-rate-limit-exempt', env: 'CLOUDSTORAGE_ADMIN_RATE_LIMIT_EXEMPT', parse: onOff, default: false, apply: (c, v) => (c.adminRateLimitExempt = v) },
  { name: 'webhook-allowlist', env: 'CLOUDSTORAGE_WEBHOOK_ALLOWLIST', parse: list, default: [], apply: (c, v) => (c.webhookAllowlist = v) },
  { name: 'webhook-retry-base-ms', env: 'CLOUDSTORAGE_WEBHOOK_RETRY_BASE_MS', parse: int(1, 3_600_000), default: 1000, apply: (c, v) => (c.webhookRetryBaseMs = v) },
  { name: 'blob-backend', flag: '--blob-backend', env: 'CLOUDSTORAGE_BLOB_BACKEND', parse: oneOf('fs', 's3'), default: 'fs', apply: (c, v) => (c.blobBackend = v) },
  { name: 'master-key-file', flag: '--master-key-file', parse: nonEmpty, default: null, apply: (c, v) => (c.masterKeyFile = v === null ? null : resolve(v)) },
  { name: 'master-key', env: 'CLOUDSTORAGE_MASTER_KEY', parse: nonEmpty, default: null, apply: (c, v) => (c.masterKey = v) },
  { name: 'metrics-token', env: 'CLOUDSTORAGE_METRICS_TOKEN', parse: nonEmpty, default: null, apply: (c, v) => (c.metricsToken = v) },
  { name: 'max-inflight', env: 'CLOUDSTORAGE_MAX_INFLIGHT', parse: int(1, 100000), default: 512, apply: (c, v) => (c.maxInflight = v) },
  { name: 'retention-max-versions', env: 'CLOUDSTORAGE_RETENTION_MAX_VERSIONS', parse: int(1, 100000), default: 10, apply: (c, v) => (c.retention.maxVersions = v), inSection: (f) => f.retention?.['max-versions'] !== undefined },
  { name: 'retention-days', env: 'CLOUDSTORAGE_RETENTION_DAYS', parse: int(0, 36500), default: 30, apply: (c, v) => (c.retention.maxAgeDays = v), inSection: (f) => f.retention?.['max-age-days'] !== undefined },
  { name: 'disk-reserve', env: 'CLOUDSTORAGE_DISK_RESERVE', parse: size, default: 256 * 2 ** 20, apply: (c, v) => (c.diskReserveBytes = v) },
  { name: 'gc-grace-seconds', env: 'CLOUDSTORAGE_GC_GRACE_SECONDS', parse: int(0, 7 * 86400), default: 600, apply: (c, v) => (c.gcGraceSeconds = v) },
  // Below the server's 255 s connection idle timeout, which would otherwise end the request first.
  { name: 'body-idle-timeout', env: 'CLOUDSTORAGE_BODY_IDLE_TIMEOUT', parse: int(1, 250), default: 20, apply: (c, v) => (c.bodyIdleTimeoutSeconds = v) },
  { name: 'multipart-min-part-size', env: 'CLOUDSTORAGE_MULTIPART_MIN_PART_SIZE', parse: size, default: 5 * 2 ** 20, apply: (c, v) => (c.minPartSize = v) },
  { name: 'stale-upload-days', env: 'CLOUDSTORAGE_STALE_UPLOAD_DAYS', parse: int(1, 3650), default: 7, apply: (c, v) => (c.staleUploadDays = v) },
  { name: 'secure-cookies', env: 'CLOUDSTORAGE_SECURE_COOKIES', parse: onOff, default: false, apply: (c, v) => (c.secureCookies = v) },
  { name: 'trust-proxy', env: 'CLOUDSTORAGE_TRUST_PROXY', parse: onOff, default: false, apply: (c, v) => (c.trustProxy = v) },
  { name: 'dashboard-url', env: 'CLOUDSTORAGE_DASHBOARD_URL', parse: origin, default: null, apply: (c, v) => (c.dashboardOrigin = v) },
  { name: 'session-idle-minutes', env: 'CLOUDSTORAGE_SESSION_IDLE_MINUTES', parse: int(1, 525600), default: 7 * 24 * 60, apply: (c, v) => (c.sessionIdleMinutes = v) },
  { name: 'session-absolute-hours', env: 'CLOUDSTORAGE_SESSION_ABSOLUTE_HOURS', parse: int(1, 87600), default: 30 * 24, apply: (c, v) => (c.sessionAbsoluteHours = v) },
  { name: 'upstream-endpoint', env: 'CLOUDSTORAGE_UPSTREAM_ENDPOINT', parse: nonEmpty, default: null, apply: (c, v) => v && (up(c).endpoint = v) },
  { name: 'upstream-region', env: 'CLOUDSTORAGE_UPSTREAM_REGION', parse: nonEmpty, default: null, apply: (c, v) => v && (up(c).region = v) },
  { name: 'upstream-bucket', env: 'CLOUDSTORAGE_UPSTREAM_BUCKET', parse: nonEmpty, default: null, apply: (c, v) => v && (up(c).bucket = v) },
  { name: 'upstream-access-key', env: 'CLOUDSTORAGE_UPSTREAM_ACCESS_KEY', parse: nonEmpty, default: null, apply: (c, v) => v && (up(c).accessKey = v) },
  { name: 'upstream-secret-key', env: 'CLOUDSTORAGE_UPSTREAM_SECRET_KEY', parse: nonEmpty, default: null, apply: (c, v) => v && (up(c).secretKey = v) },
  { name: 'root-email', env: 'CLOUDSTORAGE_ROOT_EMAIL', parse: nonEmpty, default: null, apply: (c, v) => (c.root.email = v) },
  { name: 'root-password', env: 'CLOUDSTORAGE_ROOT_PASSWORD', parse: str, default: null, apply: (c, v) => (c.root.password = v) },
  { name: 'root-access-key', env: 'CLOUDSTORAGE_ROOT_ACCESS_KEY', parse: nonEmpty, default: null, apply: (c, v) => (c.root.accessKey = v) },
  { name: 'root-secret-key', env: 'CLOUDSTORAGE_ROOT_SECRET_KEY', parse: nonEmpty, default: null, apply: (c, v) => (c.root.secretKey = v) },
]

function up(c: Config) {
  return (c.upstream ??= { endpoint: '', region: 'us-east-1', bucket: '', accessKey: '', secretKey: '' })
}

/** Flags `serve` accepts (each takes a value). */
export const SERVE_FLAGS = [...S.filter((s) => s.flag).map((s) => s.flag as string), '--config']

const DEFAULT_RATES = { write: 100, read: 300, list: 50, dashboardPerMinute: 30 }

function baseConfig(): Config {
  return {
    dataDir: '', configFile: null, host: '', s3Port: 0, port: 0, region: '', domain: null, logFormat: 'text', signup: 'closed',
    rateLimits: true, adminRateLimitExempt: true, defaultPlan: 'default',
    plans: { default: { name: 'default', quotaBytes: -1, maxBuckets: 10, maxKeys: 5, rates: { ...DEFAULT_RATES } } },
    defaultQuotaBytes: 0,
    webhookAllowlist: [], webhookRetryBaseMs: 1000, blobBackend: 'fs', upstream: null, masterKeyFile: null, masterKey: null, metricsToken: null,
    maxInflight: 512, retention: { maxVersions: 10, maxAgeDays: 30 }, quotaWarningThresholds: [80, 90, 95],
    diskReserveBytes: 0, gcGraceSeconds: 600, bodyIdleTimeoutSeconds: 20, minPartSize: 5 * 2 ** 20, staleUploadDays: 7, secureCookies: false, trustProxy: false, dashboardOrigin: null,
    sessionIdleMinutes: 0, sessionAbsoluteHours: 0,
    image: { maxInputBytes: 50 * 2 ** 20, maxInputPixels: 50_000_000, maxOutputDimension: 4096, timeoutSeconds: 10, cacheDays: 7 },
    root: { email: null, password: null, accessKey: null, secretKey: null },
  }
}

/** Reads a config file: JSON, YAML or TOML by extension. */
function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ConfigError(`invalid --config: ${path} does not exist`)
  const text = readFileSync(path, 'utf8')
  let parsed: unknown
  try {
    if (/\.ya?ml$/i.test(path)) parsed = Bun.YAML.parse(text)
    else if (/\.toml$/i.test(path)) parsed = Bun.TOML.parse(text)
    else parsed = JSON.parse(text)
  } catch (e) {
    throw new ConfigError(`invalid --config: ${path} cannot be parsed (${(e as Error).message.split('\n')[0]})`)
  }
  if (parsed === null || parsed === undefined) return {}
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`invalid --config: ${path} must hold a mapping of settings`)
  return parsed as Record<string, unknown>
}

const OBJECT_SECTIONS = ['plans', 'default-plan', 'retention', 'image', 'quota-warning-thresholds']

function applyPlans(c: Config, raw: unknown) {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('invalid plans: must be a mapping of plan name to settings')
  for (const [name, v] of Object.entries(raw as Record<string, any>)) {
    const label = `plans.${name}`
    if (typeof v !== 'object' || v === null) throw new ConfigError(`invalid ${label}: must be a mapping`)
    // A quota of -1 means "not given": resolvePlanQuotas fills in the default quota.
    const base: PlanConfig = c.plans[name] ?? { name, quotaBytes: -1, maxBuckets: 10, maxKeys: 5, rates: { ...DEFAULT_RATES } }
    const known = ['quota', 'max-buckets', 'max-keys', 'rate-limits']
    for (const k of Object.keys(v)) if (!known.includes(k)) throw new ConfigError(`invalid ${label}: unknown setting '${k}' (known: ${known.join(', ')})`)
    if (v.quota !== undefined) base.quotaBytes = size(v.quota, `${label}.quota`)
    if (v['max-buckets'] !== undefined) base.maxBuckets = int(0, 100000)(v['max-buckets'], `${label}.max-buckets`)
    if (v['max-keys'] !== undefined) base.maxKeys = int(1, 1000)(v['max-keys'], `${label}.max-keys`)
    const r = v['rate-limits']
    if (r !== undefined) {
      if (typeof r !== 'object' || r === null) throw new ConfigError(`invalid ${label}.rate-limits: must be a mapping`)
      onlyKnown(`${label}.rate-limits`, r, ['write', 'read', 'list', 'dashboard-per-minute'])
      for (const [rk, field] of [['write', 'write'], ['read', 'read'], ['list', 'list'], ['dashboard-per-minute', 'dashboardPerMinute']] as const) {
        if (r[rk] !== undefined) base.rates[field] = int(0, 1_000_000)(r[rk], `${label}.rate-limits.${rk}`)
      }
    }
    c.plans[name] = base
  }
}

/** A typo inside a section must fail like one at the top level, not be ignored silently. */
function onlyKnown(label: string, v: Record<string, unknown>, known: string[]) {
  if (Array.isArray(v)) throw new ConfigError(`invalid ${label}: must be a mapping`)
  for (const k of Object.keys(v)) if (!known.includes(k)) throw new ConfigError(`invalid ${label}: unknown setting '${k}' (known: ${known.join(', ')})`)
}

function applySections(c: Config, file: Record<string, unknown>) {
  if (file.plans !== undefined) applyPlans(c, file.plans)
  if (file['default-plan'] !== undefined) {
    const name = nonEmpty(file['default-plan'], 'default-plan')
    if (!c.plans[name]) throw new ConfigError(`invalid default-plan: '${name}' is not defined under plans`)
    c.defaultPlan = name
  }
  const ret = file.retention as Record<string, unknown> | undefined
  if (ret !== undefined) {
    if (typeof ret !== 'object' || ret === null) throw new ConfigError('invalid retention: must be a mapping')
    onlyKnown('retention', ret, ['max-versions', 'max-age-days'])
    if (ret['max-versions'] !== undefined) c.retention.maxVersions = int(1, 100000)(ret['max-versions'], 'retention.max-versions')
    if (ret['max-age-days'] !== undefined) c.retention.maxAgeDays = int(0, 36500)(ret['max-age-days'], 'retention.max-age-days')
  }
  const img = file.image as Record<string, unknown> | undefined
  if (img !== undefined) {
    if (typeof img !== 'object' || img === null) throw new ConfigError('invalid image: must be a mapping')
    onlyKnown('image', img, ['max-input-size', 'max-input-pixels', 'max-output-dimension', 'timeout-seconds', 'cache-days'])
    if (img['max-input-size'] !== undefined) c.image.maxInputBytes = size(img['max-input-size'], 'image.max-input-size')
    if (img['max-input-pixels'] !== undefined) c.image.maxInputPixels = int(1, 1e10)(img['max-input-pixels'], 'image.max-input-pixels')
    if (img['max-output-dimension'] !== undefined) c.image.maxOutputDimension = int(1, 65535)(img['max-output-dimension'], 'image.max-output-dimension')
    if (img['timeout-seconds'] !== undefined) c.image.timeoutSeconds = int(1, 600)(img['timeout-seconds'], 'image.timeout-seconds')
    if (img['cache-days'] !== undefined) c.image.cacheDays = int(0, 3650)(img['cache-days'], 'image.cache-days')
  }
  const q = file['quota-warning-thresholds']
  if (q !== undefined) {
    if (!Array.isArray(q)) throw new ConfigError('invalid quota-warning-thresholds: must be a list of percentages')
    c.quotaWarningThresholds = q.map((v) => int(1, 100)(v, 'quota-warning-thresholds')).sort((a, b) => a - b)
  }
}

/**
 * Plans that name no quota get the default quota (10 GiB, or `default-quota`); an explicitly
 * given `default-quota` (flag, env or top-level file key) is the default plan's quota even when
 * the plans section names one, as the contract documents CLOUDSTORAGE_DEFAULT_QUOTA.
 */
function resolvePlanQuotas(c: Config, defaultQuotaGiven: boolean) {
  for (const p of Object.values(c.plans)) if (p.quotaBytes < 0) p.quotaBytes = c.defaultQuotaBytes
  if (defaultQuotaGiven) c.plans[c.defaultPlan].quotaBytes = c.defaultQuotaBytes
}

/**
 * Builds the Config from parsed flags (name → raw value), the environment and an optional config
 * file. Throws ConfigError with a one-line message naming the bad setting.
 */
export function loadConfig(flags: Record<string, string>, env: Record<string, string | undefined> = process.env): Config {
  const c = baseConfig()
  const configPath = flags['--config'] ?? env.CLOUDSTORAGE_CONFIG
  const file = configPath ? readConfigFile(resolve(configPath)) : {}
  c.configFile = configPath ? resolve(configPath) : null
  const known = new Set([...S.map((s) => s.name), ...OBJECT_SECTIONS])
  for (const k of Object.keys(file)) {
    if (!known.has(k)) throw new ConfigError(`invalid --config: unknown setting '${k}' in ${configPath}`)
  }
  // Sections first: plans must exist before `default-quota` lands on the default plan.
  applySections(c, file)
  const given = new Set<string>()
  for (const s of S) {
    let raw: unknown = s.default
    let label = s.name
    if (s.flag && flags[s.flag] !== undefined) { raw = flags[s.flag]; label = s.flag }
    else if (s.env && env[s.env] !== undefined && env[s.env] !== '') { raw = env[s.env]; label = s.env }
    else if (file[s.name] !== undefined) { raw = file[s.name]; label = `${s.name} (in ${configPath})` }
    else if (s.inSection?.(file)) continue // e.g. retention.max-versions set it already
    if (raw !== s.default) given.add(s.name)
    s.apply(c, raw === null ? null : s.parse(raw, label))
  }
  resolvePlanQuotas(c, given.has('default-quota'))
  if (c.s3Port !== 0 && c.s3Port === c.port) throw new ConfigError(`invalid --port: ${c.port} is also the --s3-port; the two listeners need different ports`)
  if (c.blobBackend === 's3') {
    const u = c.upstream
    const missing = !u ? ['CLOUDSTORAGE_UPSTREAM_ENDPOINT'] : (['endpoint', 'bucket', 'accessKey', 'secretKey'] as const).filter((k) => !u[k]).map((k) => `CLOUDSTORAGE_UPSTREAM_${k.replace(/[A-Z]/g, (m) => '_' + m).toUpperCase()}`)
    if (missing.length) throw new ConfigError(`invalid --blob-backend: 's3' needs ${missing.join(', ')}`)
  }
  return c
}
