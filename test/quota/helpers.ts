import { expect } from 'bun:test'
import { Database } from 'bun:sqlite'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import type { TestServer } from '../helpers/server'
import { signedRequest, type Creds, type RawRequest } from '../helpers/raw-s3'
import { until } from '../helpers/wait'

/** Quota tests: accounts made with the admin CLI, usage from /api/me and `admin usage`, events from the outbox. */

export interface QuotaAccount extends Creds {
  id: string
  email: string
  password: string
  bucket: string
  apiKey: string
  quota: number
}

let seq = 0

/** `cloudstorage admin account create --quota SIZE --json`: a non-admin account with its own key and bucket. */
export async function cliAccount(srv: TestServer, quota: string, opts: { admin?: boolean; plan?: string } = {}): Promise<QuotaAccount> {
  const email = `q${++seq}-${Date.now().toString(36)}@example.com`
  const password = 'quota-password-123'
  const args = ['account', 'create', '--email', email, '--password', password, '--quota', quota, '--json']
  if (opts.admin) args.push('--admin')
  if (opts.plan) args.push('--plan', opts.plan)
  const r = await srv.admin(...args)
  if (r.code !== 0) throw new Error(`admin account create failed (${r.code}): ${r.stderr}${r.stdout}`)
  const j = JSON.parse(r.stdout)
  return {
    id: j.account.id, email, password, bucket: j.bucket, accessKeyId: j.accessKey, secretAccessKey: j.secretKey,
    apiKey: `${j.accessKey}:${j.secretKey}`, quota: j.account.quotaBytes,
  }
}

/** The same through the admin HTTP API (local admin token): no CLI process start, so faster. */
export async function apiAccount(srv: TestServer, quota: string | number | null, opts: { admin?: boolean; plan?: string } = {}): Promise<QuotaAccount> {
  const email = `q${++seq}-${Date.now().toString(36)}@example.com`
  const password = 'quota-password-123'
  const token = readFileSync(join(srv.dataDir, 'admin.token'), 'utf8').trim()
  const r = await fetch(`${srv.httpUrl}/api/admin/accounts`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, ...(quota !== null ? { quota } : {}), ...(opts.admin ? { isAdmin: true } : {}), ...(opts.plan ? { plan: opts.plan } : {}) }),
  })
  const j = (await r.json()) as any
  if (r.status !== 201) throw new Error(`create account: ${r.status} ${JSON.stringify(j)}`)
  return {
    id: j.account.id, email, password, bucket: j.bucket, accessKeyId: j.accessKey, secretAccessKey: j.secretKey,
    apiKey: `${j.accessKey}:${j.secretKey}`, quota: j.account.quotaBytes,
  }
}

export const keyHeaders = (a: { apiKey: string }) => ({ 'x-api-key': a.apiKey })

/** usage from GET /api/me (the account's own view). */
export async function meUsage(srv: TestServer, a: QuotaAccount): Promise<{ bytes: number; storedBytes: number; objects: number }> {
  const r = await fetch(`${srv.httpUrl}/api/me`, { headers: keyHeaders(a) })
  const body = (await r.json()) as any
  if (r.status !== 200) throw new Error(`/api/me: ${r.status} ${JSON.stringify(body)}`)
  expect(body.quota.bytes).toBe(a.quota)
  expect(body.quota.usedBytes).toBe(body.usage.bytes)
  return body.usage
}

export interface AdminUsageRow {
  email: string
  bytes: number
  storedBytes: number
  objects: number
  counters: { bytes: number; storedBytes: number; objects: number }
  corrected: boolean
  drift: boolean
}

/** `cloudstorage admin usage [--recompute] --json`, the row of one account. */
export async function adminUsage(srv: TestServer, email: string, recompute = false): Promise<AdminUsageRow> {
  const r = await srv.admin('usage', ...(recompute ? ['--recompute'] : []), '--json')
  if (r.code !== 0) throw new Error(`admin usage failed (${r.code}): ${r.stderr}${r.stdout}`)
  const row = (JSON.parse(r.stdout).accounts as AdminUsageRow[]).find((x) => x.email === email)
  if (!row) throw new Error(`admin usage has no row for ${email}`)
  return row
}

/**
 * Usage is exactly `bytes` by /api/me; with `cli`, also by `admin usage --json` (its recomputation
 * from the rows and the kept counters agree, no drift). The CLI is a process start, so it is opt-in.
 */
export async function expectUsage(srv: TestServer, a: QuotaAccount, bytes: number, opts: { cli?: boolean } = {}) {
  const me = await meUsage(srv, a)
  expect(me.bytes).toBe(bytes)
  if (!opts.cli) return
  const row = await adminUsage(srv, a.email)
  expect({ bytes: row.bytes, counters: row.counters.bytes, drift: row.drift }).toEqual({ bytes, counters: bytes, drift: false })
}

/** Distinct bytes (no dedup between writes). */
export const bytesOf = (n: number): Uint8Array<ArrayBuffer> => new Uint8Array(randomBytes(n))

export function openDb(srv: TestServer): Database {
  const db = new Database(join(srv.dataDir, 'cloudstorage.db'), { readonly: true })
  db.exec('PRAGMA busy_timeout = 10000')
  return db
}

export interface EventRow { id: number; type: string; accountId: string; payload: any }

/** Outbox rows of one type for one account, oldest first. */
export function eventsOf(srv: TestServer, accountId: string, type: string): EventRow[] {
  const db = openDb(srv)
  try {
    return (db.query('SELECT id, type, account_id AS accountId, payload_json AS p FROM events WHERE account_id = ? AND type = ? ORDER BY id').all(accountId, type) as Array<{ id: number; type: string; accountId: string; p: string }>)
      .map((r) => ({ id: r.id, type: r.type, accountId: r.accountId, payload: JSON.parse(r.p) }))
  } finally {
    db.close()
  }
}

/** Every file under the data dir's blobs/ and tmp/ (names), to prove a rejected write left nothing. */
export function blobFiles(srv: TestServer): { blobs: string[]; tmp: string[] } {
  const walk = (dir: string): string[] => {
    if (!existsSync(dir)) return []
    return readdirSync(dir).flatMap((n) => {
      const p = join(dir, n)
      return statSync(p).isDirectory() ? walk(p) : [n]
    })
  }
  return { blobs: walk(join(srv.dataDir, 'blobs')).sort(), tmp: walk(join(srv.dataDir, 'tmp')).sort() }
}

/** Waits until `check` holds (best-effort cleanups run just after the response). */
export const eventually = (check: () => boolean | Promise<boolean>, what: string) => until(check, what)

/** Parses an S3 XML error body. */
export const xmlCode = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? null

export async function expectS3Error(res: Response, status: number, code: string) {
  const body = await res.text()
  expect({ status: res.status, code: xmlCode(body) }).toEqual({ status, code })
  expect(res.headers.get('content-type')).toStartWith('application/xml')
  expect(body).toContain('<RequestId>')
  return body
}

export async function expectJsonError(res: Response, status: number, code: string) {
  const text = await res.text()
  let body: any
  try { body = JSON.parse(text) } catch { throw new Error(`not JSON (${res.status}): ${text.slice(0, 200)}`) }
  expect({ status: res.status, code: body?.error?.code }).toEqual({ status, code })
  expect(res.headers.get('content-type')).toStartWith('application/json')
  expect(Object.keys(body)).toEqual(['error'])
  return body
}

/**
 * A raw HTTP/1.1 exchange over a socket: sends the request head and `bodyPrefix` only (the rest
 * of the declared body is never sent unless `finish` is called), and resolves with the response
 * as soon as it is complete. Proves a server answered without reading a body.
 */
export function rawExchange(url: string, method: string, headers: Record<string, string>, bodyPrefix: Uint8Array = new Uint8Array(0)) {
  const u = new URL(url)
  const sock = connect(Number(u.port), u.hostname)
  let buf = Buffer.alloc(0)
  let closed = false
  const response = new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
    const tryParse = () => {
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) return false
      const head = buf.subarray(0, end).toString('latin1').split('\r\n')
      const status = Number(head[0].split(' ')[1])
      const h: Record<string, string> = {}
      for (const line of head.slice(1)) {
        const i = line.indexOf(':')
        h[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
      }
      const len = Number(h['content-length'] ?? 0)
      if (buf.length - end - 4 < len && !closed) return false
      resolve({ status, headers: h, body: buf.subarray(end + 4, end + 4 + len).toString('utf8') })
      return true
    }
    sock.on('data', (d: Buffer) => { buf = Buffer.concat([buf, d]); tryParse() })
    sock.on('end', () => { closed = true; if (!tryParse()) reject(new Error(`connection closed without a response: ${buf.toString('latin1')}`)) })
    sock.on('error', (e) => { if (!tryParse()) reject(e) })
  })
  const lines = [`${method} ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', '']
  sock.write(lines.join('\r\n'))
  if (bodyPrefix.length) sock.write(bodyPrefix)
  return {
    response,
    write: (b: Uint8Array) => new Promise<void>((r) => sock.write(b, () => r())),
    close: () => sock.destroy(),
  }
}

/** Head of a signed S3 request (no body sent), for rawExchange. */
export async function signedHead(base: string, r: RawRequest): Promise<{ url: string; headers: Record<string, string> }> {
  const req = await signedRequest(base, { ...r, body: null })
  const headers: Record<string, string> = {}
  req.headers.forEach((v, k) => { if (k !== 'content-length') headers[k] = v })
  return { url: req.url, headers }
}
