import { AppError } from '../../errors/app-error'
import { isValidEmail, MIN_PASSWORD_LENGTH } from '../../domain/email'
import { newUlid } from '../../domain/ids'
import type { AccountRow } from '../../db/repos/accounts'
import type { Deps } from '../deps'
import type { KeysService } from '../keys/keys'
import type { BucketsService } from '../buckets/buckets'
import { planOf, quotaOf } from './plans'
import { LoginThrottle } from '../../limits/login-throttle'
import { Semaphore } from '../../limits/semaphore'
import type { SessionsService } from '../sessions/sessions'

export interface AccountSummary {
  id: string
  email: string
  isAdmin: boolean
  status: 'active' | 'suspended'
  plan: string
  quotaBytes: number
  usage: { bytes: number; storedBytes: number; objects: number }
  createdAt: string
}

export interface CreateAccountInput {
  email: string
  password: string
  isAdmin?: boolean
  quotaBytes?: number | null
  plan?: string | null
  accessKey?: string | null
  secretKey?: string | null
}

const hashing = new Semaphore(2)

export function hashPassword(password: string): Promise<string> {
  return hashing.run(() => Bun.password.hash(password, { algorithm: 'argon2id' }))
}

/** Verifies against a real hash even for unknown emails, so timing does not reveal accounts. */
let dummyHash: string | null = null // computed on first use: an argon2 hash costs ~0.4 s of startup
const DUMMY_HASH = () => (dummyHash ??= Bun.password.hashSync('not-a-real-password', { algorithm: 'argon2id' }))
export function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  return hashing.run(() => Bun.password.verify(password, hash ?? DUMMY_HASH()))
}

export function accountsService(d: Deps, keys: KeysService, buckets: BucketsService, sessions: SessionsService) {
  const { repos } = d
  const throttle = new LoginThrottle()

  const summary = (a: AccountRow): AccountSummary => {
    const u = repos.accounts.usage(a.id)
    return {
      id: a.id, email: a.email, isAdmin: a.isAdmin, status: a.status, plan: planOf(d, a).name,
      quotaBytes: quotaOf(d, a),
      usage: { bytes: u?.logicalBytes ?? 0, storedBytes: u?.storedBytes ?? 0, objects: u?.objects ?? 0 },
      createdAt: new Date(a.createdAt).toISOString(),
    }
  }

  return {
    summary,

    validateCredentials(email: string, password: string) {
      if (!isValidEmail(email)) throw new AppError('InvalidEmail', { message: `'${email}' is not a valid email address.` })
      if (password.length < MIN_PASSWORD_LENGTH) throw new AppError('WeakPassword')
    },

    /**
     * Creates an account with its first key pair and its default bucket, in one transaction.
     * The password is hashed (argon2id) before the transaction opens.
     */
    async create(input: CreateAccountInput) {
      const email = input.email.trim()
      this.validateCredentials(email, input.password)
      if (input.plan && !d.config.plans[input.plan]) throw new AppError('ValidationError', { message: `Unknown plan '${input.plan}'. Plans: ${Object.keys(d.config.plans).join(', ')}.` })
      if (repos.accounts.byEmail(email)) throw new AppError('AccountAlreadyExists')
      const passwordHash = await hashPassword(input.password)
      return d.db.tx(() => {
        if (repos.accounts.byEmail(email)) throw new AppError('AccountAlreadyExists')
        const now = d.now()
        const id = newUlid(now)
        repos.accounts.insert({
          id, email, passwordHash, isAdmin: !!input.isAdmin, plan: input.plan ?? null,
          quotaOverride: input.quotaBytes ?? null, status: 'active', passwordChangedAt: now, createdAt: now,
        })
        const key = keys.create(id, { name: 'default', accessKey: input.accessKey, secretKey: input.secretKey })
        const bucket = buckets.createDefault(id, email)
        d.bus.emit('account.created', id, { email }, now)
        return { account: summary(repos.accounts.byId(id)!), key, bucket }
      })
    },

    list(): AccountSummary[] {
      return repos.accounts.list().map(summary)
    },

    get(id: string): AccountSummary {
      const a = repos.accounts.byId(id)
      if (!a) throw new AppError('NoSuchAccount')
      return summary(a)
    },

    /** Checks email + password with throttling; returns the account or InvalidCredentials. */
    async login(email: string, password: string, ip: string): Promise<AccountRow> {
      const keysFor = [`acct:${email.trim().toLowerCase()}`, `ip:${ip}`]
      throttle.check(keysFor, d.now())
      const a = repos.accounts.byEmail(email.trim())
      const ok = await verifyPassword(password, a?.passwordHash ?? null)
      if (!a || !ok) {
        throttle.fail(keysFor, d.now())
        throw new AppError('InvalidCredentials')
      }
      if (a.status !== 'active') throw new AppError('AccountSuspended')
      throttle.succeed(keysFor[0])
      return a
    },

    /** Changes a password (after checking the current one) and revokes every session. */
    async changePassword(accountId: string, current: string, next: string) {
      const a = repos.accounts.byId(accountId)
      if (!a) throw new AppError('NoSuchAccount')
      if (!(await verifyPassword(current, a.passwordHash))) throw new AppError('InvalidCredentials', { message: 'The current password is incorrect.' })
      this.validateCredentials(a.email, next)
      const hash = await hashPassword(next)
      d.db.tx(() => repos.accounts.update(accountId, { passwordHash: hash, passwordChangedAt: d.now() }))
      sessions.revokeAll(accountId)
    },

    /**
     * An administrator's reset: a new password without the current one. Every session ends (a
     * reset is what follows a leaked password); keys stay valid.
     */
    async setPassword(accountId: string, password: string) {
      const a = repos.accounts.byId(accountId)
      if (!a) throw new AppError('NoSuchAccount')
      this.validateCredentials(a.email, password)
      const hash = await hashPassword(password)
      d.db.tx(() => {
        if (!repos.accounts.byId(accountId)) throw new AppError('NoSuchAccount')
        repos.accounts.update(accountId, { passwordHash: hash, passwordChangedAt: d.now() })
      })
      sessions.revokeAll(accountId)
    },

    /** Admin changes: suspend/activate, plan, quota override (null = plan's), admin flag. */
    update(accountId: string, patch: { status?: 'active' | 'suspended'; plan?: string | null; quotaBytes?: number | null; isAdmin?: boolean }): AccountSummary {
      if (patch.plan && !d.config.plans[patch.plan]) throw new AppError('ValidationError', { message: `Unknown plan '${patch.plan}'. Plans: ${Object.keys(d.config.plans).join(', ')}.` })
      d.db.tx(() => {
        if (!repos.accounts.byId(accountId)) throw new AppError('NoSuchAccount')
        const row: Partial<AccountRow> = {}
        if (patch.status !== undefined) row.status = patch.status
        if (patch.plan !== undefined) row.plan = patch.plan
        if (patch.quotaBytes !== undefined) row.quotaOverride = patch.quotaBytes
        if (patch.isAdmin !== undefined) row.isAdmin = patch.isAdmin
        repos.accounts.update(accountId, row)
      })
      if (patch.status === 'suspended') sessions.revokeAll(accountId)
      return this.get(accountId)
    },

    /** Deletes an account with all its data: buckets (objects, history, uploads), keys, sessions. */
    deleteWithData(accountId: string) {
      const a = repos.accounts.byId(accountId)
      if (!a) throw new AppError('NoSuchAccount')
      d.db.tx(() => {
        for (const b of repos.buckets.listForAccount(accountId)) buckets.delete(b.id, { force: true })
        repos.accounts.delete(accountId) // keys, sessions, usage cascade
        d.bus.emit('account.deleted', accountId, { email: a.email }, d.now())
      }, { freesSpace: true })
    },

    /** The account, or undefined (no error): for lookups of a principal's own account. */
    find: (id: string): AccountRow | undefined => repos.accounts.byId(id),

    /** What S3 shows as an owner's DisplayName (the email; empty for a deleted account). */
    displayName: (id: string): string => repos.accounts.byId(id)?.email ?? '',

    /** The account the local admin token acts as: the first active administrator. */
    localAdmin: (): AccountRow | undefined => repos.accounts.list().find((a) => a.isAdmin && a.status === 'active'),

    /** The caller's account, plan, quota, usage and limits (GET /api/me). */
    me(accountId: string) {
      const a = repos.accounts.byId(accountId)
      if (!a) throw new AppError('NoSuchAccount')
      const s = summary(a)
      const plan = planOf(d, a)
      const def = repos.buckets.defaultFor(accountId)
      return {
        account: { id: s.id, email: s.email, isAdmin: s.isAdmin, status: s.status, createdAt: s.createdAt, defaultBucket: def?.name ?? null },
        plan: { name: plan.name, quotaBytes: plan.quotaBytes, maxBuckets: plan.maxBuckets, maxKeys: plan.maxKeys },
        quota: { bytes: s.quotaBytes, usedBytes: s.usage.bytes, remainingBytes: Math.max(0, s.quotaBytes - s.usage.bytes) },
        usage: s.usage,
        limits: {
          rateLimits: d.config.rateLimits,
          requestsPerSecond: { write: plan.rates.write, read: plan.rates.read, list: plan.rates.list },
          dashboardRequestsPerMinute: plan.rates.dashboardPerMinute,
          maxBuckets: plan.maxBuckets, maxAccessKeys: plan.maxKeys,
        },
      }
    },

    byEmail(email: string): AccountRow {
      const a = repos.accounts.byEmail(email.trim())
      if (!a) throw new AppError('NoSuchAccount', { message: `No account has the email '${email}'.` })
      return a
    },
  }
}
export type AccountsService = ReturnType<typeof accountsService>
