/**
 * The TUI's client for the appliance's HTTP API: Elysia's Eden treaty client typed by the server's
 * own route declarations (`HttpApi`, a type-only import), wrapped in the TUI's error model. The
 * TUI never opens the database: everything it shows comes through here, so it works the same
 * against a local or a remote appliance.
 */
import { treaty } from '@elysiajs/eden'
import type { HttpApi } from '../src/http/http-app'
import { apiMethods, type ApiMethods } from './api'

export type Api = ReturnType<typeof treaty<HttpApi>>
/** What a successful call of an Eden method answers. */
export type Answer<F> = F extends (...args: never[]) => Promise<infer R> ? NonNullable<R extends { data: infer D } ? D : never> : never

export type Health = Answer<Api['healthz']['get']>
export type Overview = Answer<Api['api']['admin']['overview']['get']>
/** One account as the admin API lists it. */
export type Account = Answer<Api['api']['admin']['accounts']['get']>['accounts'][number]
type CreateBody = Parameters<Api['api']['admin']['accounts']['post']>[0]
type PatchBody = Parameters<ReturnType<Api['api']['admin']['accounts']>['patch']>[0]
/** The fields the TUI's form fills in. */
export type NewAccount = Required<Pick<CreateBody, 'email' | 'password' | 'isAdmin'>>
/** Only the fields being changed; `quota: null` goes back to the plan's quota. */
export type AccountPatch = Pick<NonNullable<PatchBody>, 'status' | 'quota' | 'plan' | 'isAdmin'>
/** The answer to a create: the only time the secret key is ever shown. */
export type CreatedAccount = Answer<Api['api']['admin']['accounts']['post']>

/**
 * What went wrong, in terms an operator acts on: the server is down (`unreachable`, `timeout`),
 * the token is wrong (`unauthorized`, `forbidden`), the server failed or refused the request
 * (`server`; its own words are in `detail`), or something that is not this API answered (`protocol`).
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
  /** The server's own explanation, without the URL and status around it (for action errors). */
  detail?: string
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
export interface ApiClient extends ApiMethods {
  readonly baseUrl: string
  /**
   * The same client marking its reads as the TUI's own polling (X-CloudStorage-Poll), which the
   * appliance keeps out of its request log and metrics; absent on fakes.
   */
  readonly poll?: ApiClient
  health(signal?: AbortSignal): Promise<Health>
  overview(signal?: AbortSignal): Promise<Overview>
  listAccounts(signal?: AbortSignal): Promise<Account[]>
  createAccount(input: NewAccount, signal?: AbortSignal): Promise<CreatedAccount>
  updateAccount(id: string, patch: AccountPatch, signal?: AbortSignal): Promise<Account>
  deleteAccount(id: string, signal?: AbortSignal): Promise<void>
}

export interface ClientOptions {
  baseUrl: string
  /**
   * The local admin token, called per request, so a token file that appears or rotates after
   * start is picked up. Ignored when `apiKey` or `session` is given.
   */
  token?: () => string | null
  /** A remote user's access key pair, sent as X-API-Key. */
  apiKey?: { accessKey: string; secretKey: string }
  /** A logged-in session: the cookie, and the CSRF token sent with writes. */
  session?: { cookie: string; csrfToken: string }
  /** A token the server refused: lets the provider re-read its source before the next call. */
  onTokenRejected?: () => void
  /** Where the token came from, shown when the server refuses it. */
  describeToken?: () => string
  timeoutMs?: number
  /**
   * For requests that change something. Longer than reads: creating an account hashes a password
   * (argon2id), and a change that timed out leaves the operator unsure whether it happened.
   */
  writeTimeoutMs?: number
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

/** What the client authenticates with, as the operator knows it. */
export type CredentialKind = 'token' | 'apiKey' | 'session'
const CREDENTIAL_WORDS: Record<CredentialKind, string> = { token: 'admin token', apiKey: 'access key', session: 'session' }

function problemFromResponse(status: number, statusText: string, body: unknown, baseUrl: string, sentToken: boolean, credential: CredentialKind = 'token'): Problem {
  const err = (body as { error?: { code?: unknown; message?: unknown; requestId?: unknown } } | null)?.error
  const code = typeof err?.code === 'string' ? err.code : `HTTP${status}`
  const detail = typeof err?.message === 'string' ? err.message : statusText || 'no error details'
  const requestId = typeof err?.requestId === 'string' ? err.requestId : undefined
  const kind = kindForStatus(status)
  // The server's 401 text speaks to browser users ("log in first"); the TUI knows better.
  const message =
    kind === 'unauthorized' ? (sentToken ? `${CREDENTIAL_WORDS[credential]} rejected (${status} ${code})` : `no ${CREDENTIAL_WORDS[credential]} (${status} ${code})`)
    : kind === 'forbidden' ? `not allowed (${status} ${code}): ${detail}`
    : `${baseUrl} answered ${status} ${code}: ${detail}`
  const withDetail = typeof err?.message === 'string' ? { detail } : {}
  return { kind, code, message, status, ...(requestId ? { requestId } : {}), ...withDetail }
}

export function protocolError(baseUrl: string, path: string, what: string): ApiError {
  return new ApiError({ kind: 'protocol', code: 'UnexpectedResponse', message: `unexpected answer from ${baseUrl}${path}: ${what} (is this a CloudStorage appliance?)` })
}

/** Narrow checks, so a different service on the port shows as a clear error, not NaN on screen. */
export function isNum(v: unknown): v is number { return typeof v === 'number' && Number.isFinite(v) }

function parseOverview(body: unknown): Overview | null {
  const b = body as Record<string, unknown> | null
  if (!b || typeof b !== 'object' || typeof b.version !== 'string') return null
  const nums = ['uptimeSeconds', 'bytesIn', 'bytesOut', 'rateLimited', 'quotaRejected', 'accounts', 'buckets', 'multipartUploads', 'webhookQueueDepth'] as const
  if (!nums.every((k) => isNum(b[k]))) return null
  const s = b.storage as Record<string, unknown> | null
  if (!s || typeof s !== 'object' || !isNum(s.logicalBytes) || !isNum(s.storedBytes) || !isNum(s.objects)) return null
  const r = b.requests as Record<string, unknown> | null
  if (!r || typeof r !== 'object' || !isNum(r.total) || !isNum(r.errors) || !isNum(r.perSecond)) return null
  const u = b.urls as Record<string, unknown> | null
  const disk = b.disk as Record<string, unknown> | null
  const bg = b.background as Record<string, unknown> | null
  if (!u || typeof u !== 'object' || !disk || typeof disk !== 'object' || !bg || typeof bg !== 'object' || typeof b.dataDir !== 'string') return null
  return b as unknown as Overview
}

const isStr = (v: unknown): v is string => typeof v === 'string'

function parseAccount(body: unknown): Account | null {
  const a = body as Record<string, unknown> | null
  if (!a || typeof a !== 'object') return null
  const u = a.usage as Record<string, unknown> | null
  if (!isStr(a.id) || !isStr(a.email) || typeof a.isAdmin !== 'boolean' || (a.status !== 'active' && a.status !== 'suspended')) return null
  if (!isStr(a.plan) || !isNum(a.quotaBytes) || !isStr(a.createdAt)) return null
  if (!u || typeof u !== 'object' || !isNum(u.bytes) || !isNum(u.storedBytes) || !isNum(u.objects)) return null
  return {
    id: a.id, email: a.email, isAdmin: a.isAdmin, status: a.status, plan: a.plan, quotaBytes: a.quotaBytes,
    usage: { bytes: u.bytes, storedBytes: u.storedBytes, objects: u.objects }, createdAt: a.createdAt,
  }
}

function parseAccountList(body: unknown): Account[] | null {
  const list = (body as { accounts?: unknown } | null)?.accounts
  if (!Array.isArray(list)) return null
  const accounts = list.map(parseAccount)
  return accounts.every((a) => a !== null) ? accounts as Account[] : null
}

function parseCreated(body: unknown): CreatedAccount | null {
  const b = body as Record<string, unknown> | null
  const account = parseAccount(b?.account)
  if (!b || !account || !isStr(b.accessKey) || !isStr(b.secretKey) || !isStr(b.bucket)) return null
  return { account, accessKey: b.accessKey, secretKey: b.secretKey, bucket: b.bucket }
}

export function parseSuccess(body: unknown): true | null {
  return (body as { success?: unknown } | null)?.success === true ? true : null
}

function parseHealth(body: unknown): Health | null {
  const b = body as Record<string, unknown> | null
  if (!b || b.status !== 'ok' || typeof b.version !== 'string') return null
  return { status: b.status, version: b.version }
}

/** What an Eden call resolves to, as far as this wrapper reads it. */
export interface EdenResult {
  data: unknown
  error: { status: unknown; value: unknown } | null
  /** Absent when the request never got an answer (Eden then reports the thrown error as value). */
  response?: Response
  status: number
}

/** The per-call part of an Eden request: credentials and the abort signal (timeout, caller). */
export interface CallInit { headers: Record<string, string>; fetch: RequestInit }

export interface Call<T> { parse: (body: unknown) => T | null; auth: boolean; write?: boolean; signal?: AbortSignal }

/** What the API methods are built on: the typed Eden client and the error-mapping request. */
export interface ClientCore {
  readonly baseUrl: string
  readonly api: Api
  request<T>(path: string, send: (init: CallInit) => Promise<EdenResult>, call: Call<T>): Promise<T>
  /** A request outside Eden (bytes, streams): credentials added, errors mapped; the body is the caller's. */
  fetch(path: string, init?: RequestInit & { write?: boolean }): Promise<Response>
}

/** The header that marks the TUI's own polling (see POLL_HEADER in src/http/pipeline.ts). */
export const POLL_HEADER = 'x-cloudstorage-poll'

export function createApiClient(opts: ClientOptions, poll = false): ApiClient {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '')
  const timeoutMs = opts.timeoutMs ?? 5000
  const writeTimeoutMs = opts.writeTimeoutMs ?? 30_000
  const credential: CredentialKind = opts.apiKey ? 'apiKey' : opts.session ? 'session' : 'token'
  // parseDate: false keeps ISO times as the strings the API sends (Eden would make them Dates).
  const api = treaty<HttpApi>(baseUrl, { fetcher: opts.fetch ?? fetch, fetch: { redirect: 'error' }, parseDate: false })

  const unreachable = (e: unknown) => {
    const problem = toProblem(e, baseUrl)
    problem.hint = 'is the appliance running (cloudstorage serve)? or point --url at it'
    return new ApiError(problem)
  }

  /** Credentials for one request; null when there are none to send. */
  function credentials(write: boolean): Record<string, string> | null {
    if (opts.apiKey) return { 'x-api-key': `${opts.apiKey.accessKey}:${opts.apiKey.secretKey}` }
    if (opts.session) return { cookie: opts.session.cookie, ...(write ? { 'x-csrf-token': opts.session.csrfToken } : {}) }
    const token = opts.token?.() ?? null
    return token ? { authorization: `Bearer ${token}` } : null
  }

  function rejected(status: number, statusText: string, body: unknown, sent: boolean): ApiError {
    const problem = problemFromResponse(status, statusText, body, baseUrl, sent, credential)
    if (status === 401) {
      opts.onTokenRejected?.()
      if (credential === 'token' && opts.describeToken) problem.hint = opts.describeToken()
      if (credential === 'session') problem.hint = 'the session ended (logged out, password reset or expired): start the TUI again to log in'
      if (credential === 'apiKey') problem.hint = 'is the access key revoked, or its secret wrong? (--access-key/--secret-key)'
    }
    return new ApiError(problem)
  }

  /** One typed call; every failure becomes an ApiError carrying a Problem. */
  async function request<T>(path: string, send: (init: CallInit) => Promise<EdenResult>, call: Call<T>): Promise<T> {
    const { parse, auth, signal } = call
    const timeout = AbortSignal.timeout(call.write ? writeTimeoutMs : timeoutMs)
    const headers: Record<string, string> = { accept: 'application/json' }
    const creds = auth ? credentials(!!call.write) : null
    if (creds) Object.assign(headers, creds)
    if (poll && !call.write) headers[POLL_HEADER] = '1'
    let r: EdenResult
    try {
      r = await send({ headers, fetch: { signal: signal ? AbortSignal.any([signal, timeout]) : timeout } })
    } catch (e) {
      // Reading the answer failed: the caller's abort (screen closed) propagates untouched, a
      // body labelled JSON that is not is someone else's service, the rest is the transport.
      if (signal?.aborted) throw e
      if (e instanceof SyntaxError) throw protocolError(baseUrl, path, 'not JSON')
      throw unreachable(e)
    }
    if (!r.response) {
      if (signal?.aborted) throw r.error?.value
      throw unreachable(r.error?.value)
    }
    if (r.error) throw rejected(r.status, r.response.statusText, r.error.value, creds !== null)
    const parsed = parse(r.data)
    if (parsed === null) throw protocolError(baseUrl, path, r.data !== null && typeof r.data === 'object' ? 'missing fields' : 'not JSON')
    return parsed
  }

  async function rawFetch(path: string, init: RequestInit & { write?: boolean } = {}): Promise<Response> {
    const { write, ...rest } = init
    const creds = credentials(!!write)
    const headers = new Headers(rest.headers)
    for (const [k, v] of Object.entries(creds ?? {})) headers.set(k, v)
    let res: Response
    try {
      res = await (opts.fetch ?? fetch)(baseUrl + path, { ...rest, headers, redirect: 'error' })
    } catch (e) {
      if (rest.signal?.aborted) throw e
      throw unreachable(e)
    }
    if (res.ok) return res
    const body = await res.json().catch(() => null)
    throw rejected(res.status, res.statusText, body, creds !== null)
  }

  const core: ClientCore = { baseUrl, api, request, fetch: rawFetch }
  const account = (id: string) => api.api.admin.accounts({ id: encodeURIComponent(id) })
  const client: ApiClient = {
    baseUrl,
    get poll() { return poll ? client : (pollClient ??= createApiClient(opts, true)) },
    health: (signal) => request('/healthz', (init) => api.healthz.get(init), { parse: parseHealth, auth: false, signal }),
    overview: (signal) => request('/api/admin/overview', (init) => api.api.admin.overview.get(init), { parse: parseOverview, auth: true, signal }),
    listAccounts: (signal) => request('/api/admin/accounts', (init) => api.api.admin.accounts.get(init), { parse: parseAccountList, auth: true, signal }),
    createAccount: (input, signal) => request('/api/admin/accounts', (init) => api.api.admin.accounts.post(input, init), { parse: parseCreated, auth: true, write: true, signal }),
    updateAccount: (id, patch, signal) => request(`/api/admin/accounts/${id}`, (init) => account(id).patch(patch, init), { parse: parseAccount, auth: true, write: true, signal }),
    deleteAccount: async (id, signal) => { await request(`/api/admin/accounts/${id}`, (init) => account(id).delete(undefined, init), { parse: parseSuccess, auth: true, write: true, signal }) },
    ...apiMethods(core),
  }
  let pollClient: ApiClient | undefined
  return client
}
