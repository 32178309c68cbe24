import { EventEmitter } from 'node:events'
import { stripVTControlCharacters } from 'node:util'
import type { ReactNode } from 'react'
import { render, type Instance } from 'ink'
import { ApiError, type Account, type AccountPatch, type ApiClient, type CreatedAccount, type Health, type NewAccount, type Overview, type Problem } from '../../tui/client'
import type { ApiMethods, Me } from '../../tui/api'
import { parseSize } from '../../src/config/size'
import { until } from '../helpers/wait'

export const plain = (s: string | undefined) => stripVTControlCharacters(s ?? '')

/**
 * Waits until the latest frame satisfies `ok`. The deadline only turns a hang into a readable
 * failure (it shows the frame); it is not a speed requirement.
 */
export async function waitForFrame(lastFrame: () => string | undefined, ok: (frame: string) => boolean, what: string): Promise<string> {
  return until(() => { const frame = plain(lastFrame()); return ok(frame) && frame }, () => `${what}; last frame:\n${plain(lastFrame())}`, 30_000)
}

/**
 * Resolves once the screen has handled `answer`, a promise a fake client handed to it. The screen
 * awaited it first, so its continuation runs first (reactions run in registration order); its
 * dispatch renders synchronously there (Ink's legacy root, debug mode: one frame per commit); and
 * effects that commit scheduled (React's scheduler uses setImmediate here) run before the
 * setImmediate queued after them. No clock involved: a test can then assert what did NOT render.
 */
export async function handled(answer: Promise<unknown> | undefined): Promise<void> {
  if (!answer) throw new Error('no answer to wait for')
  await answer.catch(() => {})
  await new Promise<void>((r) => setImmediate(r))
}

/**
 * The API calls a fake does not script: each rejects, naming itself, so a test that reaches one
 * fails loudly rather than showing `undefined`.
 */
export function unscripted(): ApiMethods {
  return new Proxy({}, { get: (_, name) => () => Promise.reject(new Error(`not scripted: ${String(name)}`)) }) as ApiMethods
}

/** What GET /api/me answers for the administrator the fakes act as. */
export function adminMe(email = 'root@test.local'): Me {
  return {
    account: { id: '01TESTADMIN000000000000000', email, isAdmin: true, status: 'active', createdAt: '2025-01-02T03:04:05.000Z', defaultBucket: 'root' },
    plan: { name: 'default', quotaBytes: 10 * 1024 ** 3, maxBuckets: 10, maxKeys: 5 },
    quota: { bytes: 10 * 1024 ** 3, usedBytes: 0, remainingBytes: 10 * 1024 ** 3 },
    usage: { bytes: 0, storedBytes: 0, objects: 0 },
    limits: { rateLimits: false, requestsPerSecond: { write: 100, read: 300, list: 50 }, dashboardRequestsPerMinute: 30, maxBuckets: 10, maxAccessKeys: 5 },
  }
}

/** Fakes get every API method: their own, `me`, and the unscripted rest. */
function withApi<T extends object>(fake: T): T & ApiMethods {
  const rest = unscripted()
  return new Proxy(fake, {
    get(target, name, receiver) {
      if (name in target) return Reflect.get(target, name, receiver)
      if (name === 'me') return async () => adminMe()
      if (name === 'poll' || name === 'then') return undefined
      return (rest as unknown as Record<string | symbol, unknown>)[name]
    },
  }) as T & ApiMethods
}

/** A stand-in for the appliance: answers overview calls from a script, the last step repeating. */
export class ScriptedClientBase {
  readonly baseUrl = 'http://127.0.0.1:9001'
  calls = 0
  /** Every overview answer handed out, in call order (for handled()). */
  readonly answers: Array<Promise<Overview>> = []
  constructor(private script: Array<Overview | Problem>) {}
  async health(): Promise<Health> { return { status: 'ok', version: 'test' } }
  /** Who the TUI is: fails as the current step does (a wrong token fails every call). */
  async me(): Promise<Me> {
    const step = this.script[Math.min(this.calls, this.script.length - 1)]
    if ('kind' in step) throw new ApiError(step)
    return adminMe()
  }
  overview(): Promise<Overview> {
    const answer = this.answer()
    this.answers.push(answer)
    return answer
  }
  private async answer(): Promise<Overview> {
    const step = this.script[Math.min(this.calls, this.script.length - 1)]
    this.calls++
    if ('kind' in step) throw new ApiError(step)
    return step
  }
  // The overview screen never asks for these; a test that does has a bug worth a loud failure.
  async listAccounts(): Promise<Account[]> { throw new Error('ScriptedClient scripts the overview only') }
  async createAccount(): Promise<CreatedAccount> { throw new Error('ScriptedClient scripts the overview only') }
  async updateAccount(): Promise<Account> { throw new Error('ScriptedClient scripts the overview only') }
  async deleteAccount(): Promise<void> { throw new Error('ScriptedClient scripts the overview only') }
}

export type ScriptedClient = ScriptedClientBase & ApiClient
export const ScriptedClient = function (script: Array<Overview | Problem>) {
  return withApi(new ScriptedClientBase(script))
} as unknown as new (script: Array<Overview | Problem>) => ScriptedClient

const GiB = 1024 ** 3
let ids = 0

export function account(email: string, over: Partial<Account> = {}): Account {
  ids++
  return {
    id: `01TEST${String(ids).padStart(20, '0')}`,
    email,
    isAdmin: false,
    status: 'active',
    plan: 'default',
    quotaBytes: 10 * GiB,
    usage: { bytes: 0, storedBytes: 0, objects: 0 },
    createdAt: '2025-03-04T05:06:07.000Z',
    ...over,
  }
}

/** The Problem the real client builds from an API error answer. */
export function apiProblem(baseUrl: string, status: number, code: string, detail: string): Problem {
  return { kind: 'server', code, status, detail, requestId: `REQ${status}`, message: `${baseUrl} answered ${status} ${code}: ${detail}` }
}

/**
 * An in-memory appliance for the Accounts screen: keeps accounts, and answers like the admin API
 * does (the same validation rules and error codes), so screen tests exercise real round trips.
 * `hold()` makes changes wait until released, to see what the screen shows meanwhile.
 */
export class FakeApplianceBase {
  readonly baseUrl = 'http://127.0.0.1:9001'
  accounts: Account[]
  /** The account the admin token acts as: the API refuses to suspend or delete it. */
  readonly selfId: string
  requests: string[] = []
  private gate: { promise: Promise<void>; release: () => void } | null = null

  constructor(accounts: Account[], selfEmail?: string) {
    this.accounts = accounts
    this.selfId = accounts.find((a) => a.email === selfEmail)?.id ?? accounts.find((a) => a.isAdmin)?.id ?? ''
  }

  hold(): () => void {
    let release!: () => void
    const promise = new Promise<void>((r) => { release = r })
    this.gate = { promise, release: () => { this.gate = null; release() } }
    return this.gate.release
  }

  private reject(status: number, code: string, detail: string): never {
    throw new ApiError(apiProblem(this.baseUrl, status, code, detail))
  }

  private async changing(what: string) {
    this.requests.push(what)
    if (this.gate) await this.gate.promise
  }

  private find(id: string): Account {
    const a = this.accounts.find((x) => x.id === id)
    if (!a) this.reject(404, 'NoSuchAccount', 'The specified account does not exist.')
    return a
  }

  async health(): Promise<Health> { return { status: 'ok', version: 'test' } }

  async overview(): Promise<Overview> {
    return overviewData({ version: '1.2.3', uptimeSeconds: 1, accounts: this.accounts.length, buckets: this.accounts.length })
  }

  /** Makes list reads wait until released; each answers with the accounts as they were when asked. */
  holdReads(): () => void {
    let release!: () => void
    const promise = new Promise<void>((r) => { release = r })
    const gate = { promise, release: () => { if (this.readGate === gate) this.readGate = null; release() } }
    this.readGate = gate
    return gate.release
  }
  private readGate: { promise: Promise<void>; release: () => void } | null = null

  /** Every list answer handed out, in call order (for handled()). */
  readonly reads: Array<Promise<Account[]>> = []

  listAccounts(): Promise<Account[]> {
    const answer = this.readAccounts()
    this.reads.push(answer)
    return answer
  }
  private async readAccounts(): Promise<Account[]> {
    this.requests.push('GET /api/admin/accounts')
    const snapshot = this.accounts.map((a) => structuredClone(a))
    if (this.readGate) await this.readGate.promise
    return snapshot
  }

  async createAccount(input: NewAccount): Promise<CreatedAccount> {
    await this.changing(`POST /api/admin/accounts ${input.email}`)
    const email = input.email.trim()
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) this.reject(400, 'InvalidEmail', `'${email}' is not a valid email address.`)
    if (input.password.length < 10) this.reject(400, 'WeakPassword', 'The password must be at least 10 characters long.')
    if (this.accounts.some((a) => a.email === email)) this.reject(409, 'AccountAlreadyExists', 'An account with this email already exists.')
    const a = account(email, { isAdmin: input.isAdmin, createdAt: '2025-06-07T08:09:10.000Z' })
    this.accounts.push(a)
    return { account: structuredClone(a), accessKey: 'CSFAKEACCESSKEY00001', secretKey: `fakeSecret${'x'.repeat(30)}`, bucket: email.split('@')[0] }
  }

  async updateAccount(id: string, patch: AccountPatch): Promise<Account> {
    await this.changing(`PATCH /api/admin/accounts/${id} ${JSON.stringify(patch)}`)
    const a = this.find(id)
    if (id === this.selfId && patch.status === 'suspended') this.reject(400, 'ValidationError', 'Administrators cannot suspend or demote themselves.')
    let quota: number | undefined
    if (patch.quota !== undefined && patch.quota !== null) {
      const n = parseSize(patch.quota)
      if (n === null) this.reject(400, 'ValidationError', 'quota must be a size such as "10GiB" or a byte count.')
      quota = n
    }
    if (patch.status) a.status = patch.status
    if (quota !== undefined) a.quotaBytes = quota
    if (patch.quota === null) a.quotaBytes = 10 * GiB
    return structuredClone(a)
  }

  async deleteAccount(id: string): Promise<void> {
    await this.changing(`DELETE /api/admin/accounts/${id}`)
    this.find(id)
    if (id === this.selfId) this.reject(400, 'ValidationError', 'Administrators cannot delete their own account.')
    this.accounts = this.accounts.filter((a) => a.id !== id)
  }
}

export type FakeAppliance = FakeApplianceBase & ApiClient
export const FakeAppliance = function (accounts: Account[], selfEmail?: string) {
  return withApi(new FakeApplianceBase(accounts, selfEmail))
} as unknown as new (accounts: Account[], selfEmail?: string) => FakeAppliance

/** An admin overview answer with every field; `over` replaces some. */
export function overviewData(over: Partial<Overview> = {}): Overview {
  return {
    version: '1.2.3', uptimeSeconds: 90_061,
    urls: { s3: 'http://127.0.0.1:9000', http: 'http://127.0.0.1:9001' }, dataDir: '/srv/data',
    disk: { freeBytes: 80 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 },
    requests: { total: 12_345, errors: 2, perSecond: 4.5 },
    bytesIn: 1536, bytesOut: 5 * 1024 ** 3, rateLimited: 7, quotaRejected: 3, webhookQueueDepth: 1,
    background: { gc: { at: '2025-03-04T05:06:07.000Z', ok: true, detail: '3 dead blobs, 0 stale uploads, 0 image renditions removed' }, retention: { at: '2025-03-04T05:06:07.000Z', ok: false, detail: 'disk I/O error' } },
    accounts: 4, buckets: 9, multipartUploads: 2,
    storage: { logicalBytes: 3 * 1024 ** 3, storedBytes: 1.5 * 1024 ** 3, objects: 321 },
    region: 'eu-central-1',
    ...over,
  }
}

class FakeStdin extends EventEmitter {
  isTTY = true
  private data: string | null = null
  write(data: string) {
    this.data = data
    this.emit('readable')
    this.emit('data', data)
  }
  read() { const d = this.data; this.data = null; return d }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

class SizedStdout extends EventEmitter {
  frames: string[] = []
  constructor(public columns: number, public rows: number) { super() }
  write(frame: string) { this.frames.push(frame); return true }
  resize(columns: number, rows: number) { this.columns = columns; this.rows = rows; this.emit('resize') }
}

/**
 * ink-testing-library's stdout has 100 columns and no rows, so it cannot show an 80x24 layout or
 * a resize; this harness renders the same way (debug mode: every commit is one whole frame) into
 * a terminal of a given size, and exposes waitUntilExit for the quit keys.
 */
export function renderInTerminal(tree: ReactNode, columns: number, rows: number) {
  const stdout = new SizedStdout(columns, rows)
  const stdin = new FakeStdin()
  const stderr = new SizedStdout(columns, rows)
  const instance: Instance = render(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  })
  // The screen is what the last render drew. An OSC 52 copy is written through Ink's stdout too,
  // and in debug mode that write carries no frame (Ink keeps no last output there): skipping it
  // keeps a copy from hiding the frame that says "copied …" when it lands after it.
  return { instance, stdout, stdin, lastFrame: () => stdout.frames.findLast((f) => plain(f) !== '') }
}
