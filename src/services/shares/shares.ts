import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { AppError } from '../../errors/app-error'
import { checkApiKey } from '../../domain/object-key'
import { openSecret, sealSecret } from '../../auth/master-key'
import { LoginThrottle } from '../../limits/login-throttle'
import type { BucketRow } from '../../db/repos/buckets'
import type { VersionRow } from '../../db/repos/objects'
import type { ShareRow } from '../../db/repos/shares'
import type { Deps } from '../deps'
import { accountPrincipal, type AccessService } from '../access/access'
import { hashPassword, verifyPassword } from '../accounts/accounts'
import { resolveVersion } from '../objects/read'
import { listObjects } from '../objects/list'

/** Shares an account may hold (revoked ones do not count). */
export const MAX_SHARES_PER_ACCOUNT = 10_000
/** The longest expiry a share can be given (seconds): ten years. */
export const MAX_EXPIRES_IN = 10 * 365 * 86_400
export const MAX_PASSWORD_LENGTH = 1024
/** How long an unlocked password share stays unlocked in a browser. */
export const UNLOCK_HOURS = 12
/** Entries per page of a prefix share's listing. */
export const LISTING_PAGE = 200

/** 256 random bits, base64url: what the URL carries. */
const TOKEN_BYTES = 32
const TOKEN_FORM = /^[A-Za-z0-9_-]{43}$/

export type ShareStatus = 'active' | 'expired' | 'revoked' | 'exhausted' | 'ended'

export interface ShareInfo {
  id: string
  /** The secret part of the URL (/s/{token}); the surface builds the URL from it. */
  token: string
  bucket: string
  key: string
  versionId: string | null
  prefix: boolean
  expiresAt: string | null
  maxDownloads: number | null
  downloads: number
  hasPassword: boolean
  createdAt: string
  revokedAt: string | null
  status: ShareStatus
}

export interface CreateShareInput {
  bucket: string
  key: string
  /** Seconds from now; null or omitted: until revoked. */
  expiresIn?: number | null
  maxDownloads?: number | null
  /** Empty or omitted: no password. */
  password?: string | null
  /** Pin this version (any kept version of the key: S3 versions and Time Machine history alike). */
  versionId?: string | null
}

/** A share as the public side sees it: the row and the bucket it serves from. */
export interface OpenShare {
  share: ShareRow
  bucket: BucketRow
}

/** A download that holds (or checked) a slot: finish it exactly once. */
export interface Download {
  /** Every byte was delivered: count it and emit share.downloaded. */
  complete(): void
  /** The client went away (or the answer failed): the slot is free again. */
  release(): void
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

function positiveInt(v: unknown, what: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw new AppError('ValidationError', { message: `${what} must be a whole number from 1 to ${max}, or null.` })
  return v
}

/**
 * Share links: a public URL for one object (following its current version, or pinned to one),
 * or for everything under a prefix. Created by the owner of the bucket (services.access decides,
 * the one rule), served to anyone holding the token, with an optional password, expiry and
 * download limit. Tokens are 256 random bits; only their SHA-256 finds a link, and the token is
 * kept sealed under the master key so the owner can copy the URL again.
 *
 * Downloads: a download counts when its last byte has been handed to the connection. One that
 * will deliver the object's last byte takes one of max_downloads' slots first, in a transaction
 * (so concurrent downloads cannot exceed the limit), and gives it back if the client leaves
 * early. A Range request that stops before the last byte does not count (resuming downloads
 * stay one download), but needs a slot to be free. Renditions (?w=…) count like files.
 */
export function sharesService(d: Deps, access: AccessService) {
  const { repos } = d
  const throttle = new LoginThrottle()
  // The unlock cookie's HMAC key, derived from the master key (nothing else to keep).
  const cookieKey = Buffer.from(hkdfSync('sha256', d.masterKey, Buffer.alloc(0), 'cloudstorage share-unlock v1', 32))

  function statusOf(s: ShareRow): ShareStatus {
    if (s.revokedAt !== null) return 'revoked'
    if (s.endedAt !== null) return 'ended'
    // A pinned version that is gone ends the share (version ids are never reused).
    if (s.versionId !== null) {
      const v = repos.objects.version(s.versionId)
      if (!v || v.isDeleteMarker) return 'ended'
    }
    if (s.expiresAt !== null && s.expiresAt <= d.now()) return 'expired'
    if (s.maxDownloads !== null && s.downloads >= s.maxDownloads) return 'exhausted'
    return 'active'
  }

  function info(s: ShareRow, bucketName?: string): ShareInfo {
    return {
      id: s.id, token: openSecret(d.masterKey, s.tokenEnc, s.id), bucket: bucketName ?? repos.buckets.byId(s.bucketId)?.name ?? '', key: s.key,
      versionId: s.versionId, prefix: s.isPrefix, expiresAt: iso(s.expiresAt), maxDownloads: s.maxDownloads, downloads: s.downloads,
      hasPassword: s.passwordHash !== null, createdAt: iso(s.createdAt)!, revokedAt: iso(s.revokedAt), status: statusOf(s),
    }
  }

  /** The account's own share; another account's id answers like a missing one. */
  function owned(accountId: string, id: string): ShareRow {
    const s = repos.shares.byId(id)
    if (!s || s.accountId !== accountId) throw new AppError('NotFound', { message: `No share has the id '${id}'.` })
    return s
  }

  /** The version a new share names: it must exist now (a pinned one: that version of that key). */
  function versionFor(bucket: BucketRow, key: string, versionId: string | null): VersionRow {
    if (versionId === null) {
      try {
        return resolveVersion(d, bucket, key, null).version
      } catch (e) {
        if (e instanceof AppError && e.code === 'NoSuchKey') throw new AppError('NoSuchKey', { message: `The bucket '${bucket.name}' has no file '${key}'.` })
        throw e
      }
    }
    const object = repos.objects.byKey(bucket.id, key)
    const v = object ? (versionId === 'null' ? repos.objects.nullVersion(object.id) : repos.objects.version(versionId)) : null
    if (!object || !v || v.objectId !== object.id || v.isDeleteMarker) throw new AppError('NoSuchVersion', { message: `'${key}' has no version '${versionId}'.` })
    return v
  }

  /** Why a share no longer serves, as the public page says it; null while it serves. */
  function refusal(s: ShareRow): AppError | null {
    switch (statusOf(s)) {
      case 'revoked': return new AppError('Gone', { message: 'This link was revoked by its owner.' })
      case 'ended': return new AppError('Gone', { message: 'The shared file was deleted.' })
      case 'expired': return new AppError('Gone', { message: 'This link has expired.' })
      case 'exhausted': return new AppError('Gone', { message: 'This link has reached its download limit.' })
      default: return null
    }
  }

  const exhausted = () => new AppError('Gone', { message: 'This link has reached its download limit.' })

  return {
    async create(accountId: string, input: CreateShareInput): Promise<ShareInfo> {
      const bucket = access.ownBucket(accountId, input.bucket)
      const key = checkApiKey(input.key)
      const isPrefix = key.endsWith('/')
      const versionId = input.versionId ?? null
      if (isPrefix && versionId !== null) throw new AppError('ValidationError', { message: 'A prefix share (a key ending in /) cannot pin a version.' })
      const expiresIn = input.expiresIn == null ? null : positiveInt(input.expiresIn, 'expiresIn', MAX_EXPIRES_IN)
      const maxDownloads = input.maxDownloads == null ? null : positiveInt(input.maxDownloads, 'maxDownloads', 1_000_000_000)
      const password = input.password || null
      if (password !== null && password.length > MAX_PASSWORD_LENGTH) throw new AppError('ValidationError', { message: `The password may have at most ${MAX_PASSWORD_LENGTH} characters.` })
      const pinned = isPrefix ? null : versionFor(bucket, key, versionId)
      const passwordHash = password === null ? null : await hashPassword(password)
      const id = 'sh_' + randomBytes(9).toString('hex')
      const token = randomBytes(TOKEN_BYTES).toString('base64url')
      const row = d.db.tx(() => {
        if (repos.shares.countNotRevoked(accountId) >= MAX_SHARES_PER_ACCOUNT) {
          throw new AppError('ValidationError', { message: `An account can have at most ${MAX_SHARES_PER_ACCOUNT} shares; revoke some first.` })
        }
        // The object may have gone while the password was hashed.
        if (!isPrefix) versionFor(bucket, key, versionId === null ? null : pinned!.id)
        const now = d.now()
        const r: ShareRow = {
          id, accountId, bucketId: bucket.id, key, isPrefix, versionId: versionId === null ? null : pinned!.id,
          tokenHash: hashToken(token), tokenEnc: sealSecret(d.masterKey, token, id), passwordHash,
          expiresAt: expiresIn === null ? null : now + expiresIn * 1000, maxDownloads, downloads: 0, reserved: 0, createdAt: now, revokedAt: null, endedAt: null,
        }
        repos.shares.insert(r)
        d.bus.emit('share.created', accountId, {
          shareId: id, bucket: bucket.name, key, versionId: r.versionId, prefix: isPrefix, expiresAt: iso(r.expiresAt), maxDownloads, hasPassword: passwordHash !== null,
        }, now)
        return r
      })
      return info(row, bucket.name)
    },

    /** The account's shares, newest first; `bucket` (the caller's own) and `key` narrow it. */
    list(accountId: string, filter: { bucket?: string; key?: string } = {}): ShareInfo[] {
      const bucket = filter.bucket ? access.ownBucket(accountId, filter.bucket) : null
      const names = new Map<string, string>()
      return repos.shares.forAccount(accountId, MAX_SHARES_PER_ACCOUNT * 2)
        .filter((s) => (!bucket || s.bucketId === bucket.id) && (filter.key === undefined || s.key === filter.key))
        .map((s) => {
          if (!names.has(s.bucketId)) names.set(s.bucketId, repos.buckets.byId(s.bucketId)?.name ?? '')
          return info(s, names.get(s.bucketId))
        })
    },

    get: (accountId: string, id: string): ShareInfo => info(owned(accountId, id)),

    /** Revokes at once: the link answers 410 from now on (idempotent). */
    revoke(accountId: string, id: string) {
      owned(accountId, id)
      d.db.tx(() => repos.shares.revoke(id, d.now()))
    },

    // ---- the public side (/s/{token}) ----

    /**
     * The share a token names, if it still serves: 404 for an unknown token, 410 once revoked,
     * expired, exhausted or its source deleted, 403 while the owner's account is suspended. The
     * owner must still have access to the bucket (services.access, the one rule).
     */
    open(token: string): OpenShare {
      const share = TOKEN_FORM.test(token) ? repos.shares.byTokenHash(hashToken(token)) : null
      if (!share) throw new AppError('NotFound', { message: 'This link does not exist. Check that you copied all of it.' })
      const gone = refusal(share)
      if (gone) throw gone
      const account = repos.accounts.byId(share.accountId)
      const bucket = repos.buckets.byId(share.bucketId)
      if (!account || !bucket) throw new AppError('NotFound', { message: 'This link does not exist. Check that you copied all of it.' })
      if (account.status !== 'active') throw new AppError('AccessDenied', { message: 'This link is unavailable at the moment.' })
      access.check(accountPrincipal(share.accountId), bucket, { deniedMessage: 'This link is unavailable.' })
      return { share, bucket }
    },

    /**
     * The file a request names: the shared object (`path` empty) or, for a prefix share, the key
     * prefix + path. Never anything outside the share: the key always starts with its prefix.
     */
    file(o: OpenShare, path: string): { key: string; version: VersionRow } {
      const { share, bucket } = o
      if (!share.isPrefix) {
        if (path !== '') throw new AppError('NotFound', { message: 'This link shares a single file.' })
        if (share.versionId !== null) {
          const v = repos.objects.version(share.versionId)
          if (!v || v.isDeleteMarker || v.bucketId !== bucket.id || v.key !== share.key) throw new AppError('Gone', { message: 'The shared version was deleted.' })
          return { key: share.key, version: v }
        }
        try {
          return { key: share.key, version: resolveVersion(d, bucket, share.key, null).version }
        } catch (e) {
          if (e instanceof AppError && e.code === 'NoSuchKey') throw new AppError('Gone', { message: 'The shared file was deleted.' })
          throw e
        }
      }
      const key = share.key + path
      if (path === '' || path.endsWith('/')) throw new AppError('NotFound', { message: 'That is a folder.' })
      checkApiKey(key)
      try {
        return { key, version: resolveVersion(d, bucket, key, null).version }
      } catch (e) {
        if (e instanceof AppError && e.code === 'NoSuchKey') throw new AppError('NotFound', { message: `This share has no file '${path}'.` })
        throw e
      }
    },

    /** One page of a prefix share's folder `path` ('' or ending in '/'), after `after`. */
    listing(o: OpenShare, path: string, after: string) {
      if (!o.share.isPrefix) throw new AppError('NotFound', { message: 'This link shares a single file.' })
      const prefix = o.share.key + path
      if (path !== '') checkApiKey(prefix)
      const r = listObjects(d, o.bucket.id, { prefix, delimiter: '/', after: after ? prefix + after : '', maxKeys: LISTING_PAGE })
      const rel = (k: string) => k.slice(prefix.length)
      return {
        folders: r.commonPrefixes.map(rel),
        files: r.contents.map((e) => ({ name: rel(e.key), size: e.size, lastModified: e.lastModified, contentType: e.contentType })),
        next: r.isTruncated && r.last !== null ? rel(r.last) : null,
      }
    },

    /**
     * Starts a download of `size` bytes from `start` to `end`. One that reaches the last byte
     * takes a slot (limited shares) and counts when complete; one that stops short needs a free
     * slot but never counts.
     */
    startDownload(o: OpenShare, file: { key: string; version: VersionRow }, range: { end: number; size: number; rendition?: boolean }): Download {
      const { share, bucket } = o
      const counts = range.rendition === true || range.end >= range.size - 1
      const limited = share.maxDownloads !== null
      let held = false
      if (limited) {
        if (counts) {
          held = d.db.tx(() => repos.shares.reserve(share.id))
          if (!held) throw exhausted()
        } else {
          const now = repos.shares.byId(share.id)
          if (!now || now.downloads + now.reserved >= now.maxDownloads!) throw exhausted()
        }
      }
      let done = false
      return {
        complete() {
          if (done) return
          done = true
          if (!counts) return
          try {
            d.db.tx(() => {
              const downloads = repos.shares.complete(share.id, held)
              d.bus.emit('share.downloaded', share.accountId, {
                shareId: share.id, bucket: bucket.name, key: file.key, versionId: file.version.id, size: file.version.size,
                rendition: range.rendition === true, downloads, maxDownloads: share.maxDownloads,
              }, d.now())
            })
            d.db.durable().catch((e) => d.report('share download count not synced', e))
          } catch (e) {
            d.report('recording a share download failed', e)
          }
        },
        release() {
          if (done) return
          done = true
          if (!held) return
          try { d.db.tx(() => repos.shares.release(share.id)) } catch (e) { d.report('releasing a share download slot failed', e) }
        },
      }
    },

    // ---- passwords ----

    /** Checks a share's password, throttled per share and per client like logins (429 when waiting). */
    async unlock(share: ShareRow, password: string, ip: string): Promise<boolean> {
      const keys = [`share:${share.id}`, `ip:${ip}`]
      throttle.check(keys, d.now())
      const ok = password.length <= MAX_PASSWORD_LENGTH && share.passwordHash !== null && await verifyPassword(password, share.passwordHash)
      if (!ok) {
        throttle.fail(keys, d.now())
        return false
      }
      throttle.succeed(keys[0])
      return true
    },

    /** The unlock cookie's value: an expiry and an HMAC binding it to this share and its password. */
    unlockCookie(share: ShareRow): { value: string; maxAgeSeconds: number } {
      const until = share.expiresAt !== null ? Math.min(share.expiresAt, d.now() + UNLOCK_HOURS * 3_600_000) : d.now() + UNLOCK_HOURS * 3_600_000
      const exp = Math.floor(until / 1000)
      const mac = createHmac('sha256', cookieKey).update(`${share.id}.${exp}.${share.passwordHash}`).digest('base64url')
      return { value: `${exp}.${mac}`, maxAgeSeconds: Math.max(1, exp - Math.floor(d.now() / 1000)) }
    },

    /** Does the cookie unlock this share (no password: always)? */
    unlocked(share: ShareRow, cookie: string | null): boolean {
      if (share.passwordHash === null) return true
      const m = cookie ? /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(cookie) : null
      if (!m || Number(m[1]) * 1000 <= d.now()) return false
      const want = createHmac('sha256', cookieKey).update(`${share.id}.${m[1]}.${share.passwordHash}`).digest()
      const got = Buffer.from(m[2], 'base64url')
      return got.length === want.length && timingSafeEqual(got, want)
    },
  }
}
export type SharesService = ReturnType<typeof sharesService>

/**
 * The key was deleted (it stopped being live): the shares that follow it end, for good, even if
 * the key is written again. Pinned shares end with their version (see statusOf); prefix shares
 * go on. Called inside the delete's transaction.
 */
export function endSharesOfKey(d: Deps, bucketId: string, key: string) {
  d.repos.shares.endForKey(bucketId, key, d.now())
}
