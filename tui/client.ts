/**
 * Typed client for the appliance's HTTP API. The TUI never opens the database: everything it
 * shows comes through here, so it works the same against a local or a remote appliance.
 */

export interface Health {
  status: string
  version: string
}

export interface Overview {
  version: string
  uptimeSeconds: number
  requests: number
  bytesIn: number
  bytesOut: number
  rateLimited: number
  quotaRejected: number
  accounts: number
  buckets: number
  multipartUploads: number
  storage: { logicalBytes: number; storedBytes: number; objects: number }
  region: string
}

/**
 * What went wrong, in terms an operator acts on: the server is down (`unreachable`, `timeout`),
 * the token is wrong (`unauthorized`, `forbidden`), the server failed (`server`), or something
 * that is not this API answered (`protocol`).
 */
export type ProblemKind = 'unreachable' | 'timeout' | 'unauthorized' | 'forbidden' | 'server' | 'protocol'

/** Plain data (no Error instance), so the reducer can store and compare it. */
export interface Problem {
  kind: ProblemKind
  /** The API's error code (`Unauthorized`, `InternalError`, …) or a transport code (`ECONNREFUSED`). */
  code: string
  message: string
  status?: number
  requestId?: string
  /** What the operator can do about it. */
  hint?: string
}

export class ApiError extends Error {
  override name = 'ApiError'
  constructor(readonly problem: Problem) {
    super(problem.message)
  }
  get kind(): ProblemKind { return this.problem.kind }
  get code(): string { return this.problem.code }
  get status(): number | undefined { return this.problem.status }
}

/** The API surface the TUI uses; screens depend on this interface so tests can pass a fake. */
export interface ApiClient {
  readonly baseUrl: string
  health(signal?: AbortSignal): Promise<Health>
  overview(signal?: AbortSignal): Promise<Overview>
}

export interface ClientOptions {
  baseUrl: string
  /** Called per request, so a token file that appears or rotates after start is picked up. */
  token: () => string | null
  /** A token the server refused: lets the provider re-read its source before the next call. */
  onTokenRejected?: () => void
  /** Where the token came from, shown when the server refuses it. */
  describeToken?: () => string
  timeoutMs?: number
  fetch?: typeof fetch
}

const TRANSPORT_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ConnectionRefused: 'connection refused',
  ECONNRESET: 'connection reset',
  ConnectionClosed: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed TLS certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
}

/** Bun and Node put the transport code in different places (`code` vs `cause.code`). */
function transportCode(e: unknown): string | undefined {
  const err = e as { code?: unknown; cause?: { code?: unknown } } | null
  if (typeof err?.code === 'string') return err.code
  if (typeof err?.cause?.code === 'string') return err.cause.code
  return undefined
}

/** Any thrown value → a Problem; ApiErrors keep theirs, the rest is a transport failure. */
export function toProblem(e: unknown, baseUrl: string): Problem {
  if (e instanceof ApiError) return e.problem
  const name = (e as { name?: string } | null)?.name
  if (name === 'TimeoutError') return { kind: 'timeout', code: 'Timeout', message: `cannot reach ${baseUrl}: no answer in time` }
  const code = transportCode(e)
  const reason = (code && TRANSPORT_REASONS[code]) ?? ((e as Error)?.message || String(e))
  return { kind: 'unreachable', code: code ?? 'FetchFailed', message: `cannot reach ${baseUrl}: ${reason}` }
}

function kindForStatus(status: number): ProblemKind {
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'forbidden'
  return 'server'
}

function problemFromResponse(status: number, statusText: string, body: unknown, baseUrl: string, sentToken: boolean): Problem {
  const err = (body as { error?: { code?: unknown; message?: unknown; requestId?: unknown } } | null)?.error
  const code = typeof err?.code === 'string' ? err.code : `HTTP${status}`
  const detail = typeof err?.message === 'string' ? err.message : statusText || 'no error details'
  const requestId = typeof err?.requestId === 'string' ? err.requestId : undefined
  const kind = kindForStatus(status)
  // The server's 401 text speaks to browser users ("log in first"); the TUI knows better.
  const message =
    kind === 'unauthorized' ? (sentToken ? `admin token rejected (${status} ${code})` : `no admin token (${status} ${code})`)
    : kind === 'forbidden' ? `not allowed (${status} ${code}): ${detail}`
    : `${baseUrl} answered ${status} ${code}: ${detail}`
  return { kind, code, message, status, ...(requestId ? { requestId } : {}) }
}

function protocolError(baseUrl: string, path: string, what: string): ApiError {
  return new ApiError({ kind: 'protocol', code: 'UnexpectedResponse', message: `unexpected answer from ${baseUrl}${path}: ${what} (is this a CloudStorage appliance?)` })
}

/** Narrow checks, so a different service on the port shows as a clear error, not NaN on screen. */
function isNum(v: unknown): v is number { return typeof v === 'number' && Number.isFinite(v) }

function parseOverview(body: unknown): Overview | null {
  const b = body as Record<string, unknown> | null
  if (!b || typeof b !== 'object' || typeof b.version !== 'string') return null
  const nums = ['uptimeSeconds', 'requests', 'bytesIn', 'bytesOut', 'rateLimited', 'quotaRejected', 'accounts', 'buckets', 'multipartUploads'] as const
  if (!nums.every((k) => isNum(b[k]))) return null
  const s = b.storage as Record<string, unknown> | null
  if (!s || typeof s !== 'object' || !isNum(s.logicalBytes) || !isNum(s.storedBytes) || !isNum(s.objects)) return null
  return {
    version: b.version,
    uptimeSeconds: b.uptimeSeconds as number,
    requests: b.requests as number,
    bytesIn: b.bytesIn as number,
    bytesOut: b.bytesOut as number,
    rateLimited: b.rateLimited as number,
    quotaRejected: b.quotaRejected as number,
    accounts: b.accounts as number,
    buckets: b.buckets as number,
    multipartUploads: b.multipartUploads as number,
    storage: { logicalBytes: s.logicalBytes, storedBytes: s.storedBytes, objects: s.objects },
    region: typeof b.region === 'string' ? b.region : '',
  }
}

function parseHealth(body: unknown): Health | null {
  const b = body as Record<string, unknown> | null
  if (!b || typeof b.status !== 'string' || typeof b.version !== 'string') return null
  return { status: b.status, version: b.version }
}

export function createApiClient(opts: ClientOptions): ApiClient {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '')
  const timeoutMs = opts.timeoutMs ?? 5000
  const doFetch = opts.fetch ?? fetch

  /** GET a JSON document; every failure becomes an ApiError carrying a Problem. */
  async function getJson<T>(path: string, parse: (body: unknown) => T | null, auth: boolean, signal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(timeoutMs)
    const headers: Record<string, string> = { accept: 'application/json' }
    const token = auth ? opts.token() : null
    if (token) headers.authorization = `Bearer ${token}`
    let res: Response
    let text: string
    try {
      res = await doFetch(baseUrl + path, { headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout, redirect: 'error' })
      text = await res.text()
    } catch (e) {
      // A caller's abort (screen closed) is not a server problem: let it propagate untouched.
      if (signal?.aborted) throw e
      const problem = toProblem(e, baseUrl)
      problem.hint = 'is the appliance running (cloudstorage serve)? or point --url at it'
      throw new ApiError(problem)
    }
    let body: unknown = null
    try { body = text ? JSON.parse(text) : null } catch { /* judged below by status */ }
    if (!res.ok) {
      const problem = problemFromResponse(res.status, res.statusText, body, baseUrl, token !== null)
      if (res.status === 401) {
        opts.onTokenRejected?.()
        if (opts.describeToken) problem.hint = opts.describeToken()
      }
      throw new ApiError(problem)
    }
    if (body === null) throw protocolError(baseUrl, path, 'not JSON')
    const parsed = parse(body)
    if (parsed === null) throw protocolError(baseUrl, path, 'missing fields')
    return parsed
  }

  return {
    baseUrl,
    health: (signal) => getJson('/healthz', parseHealth, false, signal),
    overview: (signal) => getJson('/api/admin/overview', parseOverview, true, signal),
  }
}
