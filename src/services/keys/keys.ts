import { AppError } from '../../errors/app-error'
import { ACCESS_KEY_ID_RE, SECRET_KEY_RE, newAccessKeyId, newSecretKey } from '../../domain/ids'
import { openSecret, sealSecret } from '../../auth/master-key'
import type { Deps } from '../deps'
import { ReadCache } from '../../db/read-cache'
import { planOf } from '../accounts/plans'

export interface ResolvedKey {
  accountId: string
  secret: string
  isAdmin: boolean
  active: boolean
}

export interface KeyInfo {
  id: string
  accessKey: string
  name: string
  createdAt: string
  lastUsedAt: string | null
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** Access keys: create (secret shown once), list (never secrets), revoke (effective at once). */
export function keysService(d: Deps) {
  const { repos } = d
  const opened = new Map<string, string>()
  const resolved = new ReadCache<ResolvedKey | null>(d.db)
  const info = (r: { id: string; name: string; createdAt: number; lastUsedAt: number | null }): KeyInfo =>
    ({ id: r.id, accessKey: r.id, name: r.name, createdAt: iso(r.createdAt)!, lastUsedAt: iso(r.lastUsedAt) })

  return {
    /** Must run inside a transaction when part of a bigger change (account creation). */
    create(accountId: string, opts: { name?: string; accessKey?: string | null; secretKey?: string | null } = {}) {
      const accessKey = opts.accessKey ?? newAccessKeyId()
      const secretKey = opts.secretKey ?? newSecretKey()
      if (!ACCESS_KEY_ID_RE.test(accessKey)) throw new AppError('InvalidArgument', { message: 'An access key id must be 16-128 upper-case letters and digits.' })
      if (!SECRET_KEY_RE.test(secretKey)) throw new AppError('InvalidArgument', { message: 'A secret key must be 16-128 printable ASCII characters without spaces.' })
      const name = (opts.name ?? '').trim().slice(0, 100)
      return d.db.tx(() => {
        const account = repos.accounts.byId(accountId)
        if (!account) throw new AppError('NoSuchAccount')
        const max = planOf(d, account).maxKeys
        if (repos.accessKeys.countForAccount(accountId) >= max) {
          throw new AppError('TooManyAccessKeys', { message: `An account can have at most ${max} access keys; revoke one first.` })
        }
        if (repos.accessKeys.byId(accessKey)) throw new AppError('InvalidArgument', { message: 'That access key id is already in use.' })
        const now = d.now()
        repos.accessKeys.insert({ id: accessKey, accountId, name, secretEnc: sealSecret(d.masterKey, secretKey, accessKey), createdAt: now, lastUsedAt: null })
        d.bus.emit('key.created', accountId, { accessKey, name }, now)
        return { ...info({ id: accessKey, name, createdAt: now, lastUsedAt: null }), secretKey }
      })
    },

    list(accountId: string): KeyInfo[] {
      return repos.accessKeys.listForAccount(accountId).map(info)
    },

    /** Revokes a key; with accountId, only that account's key (others' look nonexistent). */
    revoke(accessKey: string, accountId?: string): void {
      d.db.tx(() => {
        const row = repos.accessKeys.byId(accessKey)
        if (!row || (accountId && row.accountId !== accountId)) throw new AppError('NoSuchAccessKey')
        repos.accessKeys.delete(accessKey)
        d.bus.emit('key.revoked', row.accountId, { accessKey, name: row.name }, d.now())
      })
    },

    /**
     * The clear secret for SigV4 verification, with the account's standing. Cached until the
     * next commit anywhere (ReadCache), so a revocation or suspension applies at once.
     */
    resolve(accessKey: string): ResolvedKey | null {
      return resolved.get(accessKey, () => load(accessKey))
    },
  }

  /** The key row and account standing; decryption (AES-GCM was the largest cost of a small GET) cached by the sealed value. */
  function load(accessKey: string): ResolvedKey | null {
    const row = repos.accessKeys.withAccount(accessKey)
    if (!row) return null
    let secret = opened.get(row.secretEnc)
    if (secret === undefined) {
      secret = openSecret(d.masterKey, row.secretEnc, row.id)
      if (opened.size >= 10_000) opened.clear()
      opened.set(row.secretEnc, secret)
    }
    return { accountId: row.accountId, secret, isAdmin: row.isAdmin, active: row.status === 'active' }
  }
}
export type KeysService = ReturnType<typeof keysService>
