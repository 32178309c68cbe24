import { AppError } from '../../errors/app-error'
import type { BucketRow } from '../../db/repos/buckets'
import type { Deps, Principal } from '../deps'
import type { BucketsService } from '../buckets/buckets'

export interface AccessOptions {
  /** A read that public-read buckets also grant to everyone else (GET/HEAD/list, copy source, images, shares). */
  publicRead?: boolean
  /** Surface wording for a refusal; the code and status stay the catalog's. */
  deniedMessage?: string
}

/**
 * The one access rule for buckets, used by every surface (S3, REST files, versions, images,
 * shares). Existence is answered first, to anyone: a missing bucket is 404 NoSuchBucket, never
 * 403 (AWS answers anonymous callers the same way). The owner has full access while the account
 * is active; `publicRead` operations also serve public-read buckets to everyone else, except
 * while the owning account is suspended (its data must go dark, not stay published). Anything
 * else is 403 AccessDenied. Admins get no data access to other accounts' buckets: the admin API
 * manages accounts, it does not read their files.
 */
export function accessService(d: Deps, buckets: BucketsService) {
  const active = (accountId: string) => d.repos.accounts.byId(accountId)?.status === 'active'

  /**
   * Whether `p` may use the bucket, without an error: the rule itself, and on its own for lookups
   * by id, where others' ids must look nonexistent.
   */
  function mayUse(p: Principal, b: BucketRow, opts: AccessOptions = {}): boolean {
    if (p.kind === 'system') return true
    // Account principals come from authentication, which already refuses suspended accounts.
    if (p.kind === 'account' && p.accountId === b.accountId) return true
    return !!opts.publicRead && b.publicRead && active(b.accountId)
  }

  function check(p: Principal, b: BucketRow, opts: AccessOptions = {}): BucketRow {
    if (mayUse(p, b, opts)) return b
    throw new AppError('AccessDenied', opts.deniedMessage ? { message: opts.deniedMessage } : {})
  }

  return {
    check,
    mayUse,
    /** The bucket `name` if `p` may use it (see the rule above). */
    bucket(p: Principal, name: string, opts: AccessOptions = {}): BucketRow {
      const b = buckets.find(name)
      if (!b) throw new AppError('NoSuchBucket', { fields: { BucketName: name } })
      return check(p, b, opts)
    },
    /**
     * A bucket of the account itself, for the JSON APIs (REST files, buckets, versions): the same
     * rule, worded for people rather than S3 clients.
     */
    ownBucket(accountId: string, name: string): BucketRow {
      const b = buckets.find(name)
      if (!b) throw new AppError('NoSuchBucket', { message: `The bucket '${name}' does not exist.` })
      return check(accountPrincipal(accountId), b, { deniedMessage: `The bucket '${name}' belongs to another account.` })
    },
    /** Admin-only endpoints (the admin API, /metrics by key): an ACTIVE administrator. */
    isActiveAdmin(accountId: string): boolean {
      const a = d.repos.accounts.byId(accountId)
      return !!a && a.isAdmin && a.status === 'active'
    },
  }
}
export type AccessService = ReturnType<typeof accessService>

/** The principal of an authenticated account (API callers carry no key-level details here). */
export const accountPrincipal = (accountId: string, isAdmin = false): Principal => ({ kind: 'account', accountId, isAdmin, accessKeyId: null })

/** A caller without credentials (public reads only). */
export const anonymousPrincipal = (ip: string): Principal => ({ kind: 'anonymous', ip })
