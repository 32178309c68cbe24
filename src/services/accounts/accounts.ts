import { AppError } from '../../errors/app-error'
import { isValidEmail, MIN_PASSWORD_LENGTH } from '../../domain/email'
import { newUlid } from '../../domain/ids'
import type { AccountRow } from '../../db/repos/accounts'
import type { Deps } from '../deps'
import type { KeysService } from '../keys/keys'
import type { BucketsService } from '../buckets/buckets'
import { planOf, quotaOf } from './plans'

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

export async function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: 'argon2id' })
}

export function accountsService(d: Deps, keys: KeysService, buckets: BucketsService) {
  const { repos } = d

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
      if (input.plan && !d.config.plans[input.plan]) throw new AppError('InvalidArgument', { message: `Unknown plan '${input.plan}'.` })
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

    byEmail(email: string): AccountRow {
      const a = repos.accounts.byEmail(email.trim())
      if (!a) throw new AppError('NoSuchAccount', { message: `No account has the email '${email}'.` })
      return a
    },
  }
}
export type AccountsService = ReturnType<typeof accountsService>
