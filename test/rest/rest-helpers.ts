import { expect } from 'bun:test'
import { ROOT_ACCESS_KEY, ROOT_EMAIL, ROOT_PASSWORD, ROOT_SECRET_KEY, type TestServer } from '../helpers/server'

export const ROOT_API_KEY = `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}`

export interface ApiResult<T = any> {
  status: number
  headers: Headers
  body: T
  text: string
}

/** A JSON API call on the HTTP port; the body is parsed when the response is JSON. */
export async function api<T = any>(srv: TestServer, method: string, path: string, opts: { json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) }
  let body: BodyInit | undefined = opts.body
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json'
    body = JSON.stringify(opts.json)
  }
  const res = await fetch(srv.httpUrl + path, { method, headers, body, redirect: 'manual' })
  const text = await res.text()
  let parsed: unknown = undefined
  if ((res.headers.get('content-type') ?? '').startsWith('application/json') && text) parsed = JSON.parse(text)
  return { status: res.status, headers: res.headers, body: parsed as T, text }
}

/** Asserts a JSON error: exact status and code, the catalog's shape, a request id. */
export function expectError(r: ApiResult, status: number, code: string) {
  expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status, code })
  expect(r.headers.get('content-type')).toStartWith('application/json')
  expect(Object.keys(r.body).sort()).toEqual(['error'])
  expect(typeof r.body.error.message).toBe('string')
  expect(r.body.error.message.length).toBeGreaterThan(0)
  expect(r.body.error.requestId).toMatch(/^[0-9A-F]{16}$/)
  expect(r.headers.get('x-request-id')).toBe(r.body.error.requestId)
}

export interface Session {
  cookie: string // "session=<value>"
  value: string
  csrf: string
  setCookie: string
  accountId: string
}

/** Parses the session cookie out of a login/signup response. */
export function sessionFrom(r: ApiResult): Session {
  const setCookie = r.headers.get('set-cookie') ?? ''
  const m = /^session=([^;]+)/.exec(setCookie)
  if (!m) throw new Error(`no session cookie in ${r.status} ${JSON.stringify(setCookie)}: ${r.text}`)
  return { cookie: `session=${m[1]}`, value: m[1], csrf: r.body.csrfToken, setCookie, accountId: r.body.account.id }
}

export async function login(srv: TestServer, email = ROOT_EMAIL, password = ROOT_PASSWORD): Promise<Session> {
  const r = await api(srv, 'POST', '/api/auth/login', { json: { email, password } })
  expect(r.status).toBe(200)
  return sessionFrom(r)
}

export interface Account {
  id: string
  email: string
  password: string
  accessKey: string
  secretKey: string
  apiKey: string
  bucket: string
}

let seq = 0
/** Creates an account through the admin API (admin token); returns its first key and bucket. */
export async function createAccount(srv: TestServer, opts: { email?: string; password?: string; isAdmin?: boolean; quota?: string | number } = {}): Promise<Account> {
  const email = opts.email ?? `user${++seq}-${Date.now().toString(36)}@example.com`
  const password = opts.password ?? 'correct-horse-battery'
  const r = await api(srv, 'POST', '/api/admin/accounts', { headers: adminHeaders(srv), json: { email, password, ...(opts.isAdmin ? { isAdmin: true } : {}), ...(opts.quota !== undefined ? { quota: opts.quota } : {}) } })
  if (r.status !== 201) throw new Error(`create account: ${r.status} ${r.text}`)
  return { id: r.body.account.id, email, password, accessKey: r.body.accessKey, secretKey: r.body.secretKey, apiKey: `${r.body.accessKey}:${r.body.secretKey}`, bucket: r.body.bucket }
}

export function adminToken(srv: TestServer): string {
  return require('node:fs').readFileSync(`${srv.dataDir}/admin.token`, 'utf8').trim()
}
export const adminHeaders = (srv: TestServer) => ({ authorization: `Bearer ${adminToken(srv)}` })
export const keyHeaders = (apiKey: string) => ({ 'x-api-key': apiKey })

/** Runs a shell command line (bash) in `cwd`; returns stdout/stderr/exit code. */
export async function sh(cmd: string, cwd: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const p = Bun.spawn(['bash', '-c', cmd], { cwd, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { stdout, stderr, code }
}

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/
export const FILE_ID = /^[0-9A-Z]{26}$/
