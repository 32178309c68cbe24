import { AppError } from '../../errors/app-error'
import { presignUrl } from '../../auth/presign'
import { checkApiKey } from '../../domain/object-key'
import { MAX_PARTS, PRESIGN_BATCH_MAX } from '../../domain/upload-limits'
import type { Deps } from '../deps'
import type { AccessService } from '../access/access'
import type { KeysService } from './keys'

export const PRESIGN_OPERATIONS = ['GetObject', 'PutObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload'] as const
export type PresignOperation = typeof PRESIGN_OPERATIONS[number]

export interface PresignRequest {
  bucket: string
  key: string
  operation: PresignOperation
  uploadId?: string
  partNumber?: number
  contentType?: string
  versionId?: string
  /** Seconds, 1..604800; 3600 by default. */
  expiresIn?: number
}

export interface Presigned {
  url: string
  method: 'GET' | 'PUT' | 'POST' | 'DELETE'
  /** Headers the client must send exactly so (they are signed). */
  headers: Record<string, string>
  expiresAt: string
}

const METHODS: Record<PresignOperation, Presigned['method']> = {
  GetObject: 'GET', PutObject: 'PUT', CreateMultipartUpload: 'POST', UploadPart: 'PUT', CompleteMultipartUpload: 'POST', AbortMultipartUpload: 'DELETE',
}

function need<T>(value: T | undefined, name: string, op: string): T {
  if (value === undefined || value === '') throw new AppError('ValidationError', { message: `${op} needs ${name}.` })
  return value
}

/** A request checked and resolved: everything the signature needs. */
interface Checked {
  r: PresignRequest
  key: string
  params: Array<[string, string]>
  headers: Record<string, string>
}

/** An item's error in a batch, the same code with the item named: `requests[3]: …`. */
function inItem(e: unknown, i: number): unknown {
  if (!(e instanceof AppError)) return e
  return new AppError(e.code, { message: `requests[${i}]: ${e.message}`, fields: e.fields, headers: e.headers, cause: e })
}

/**
 * Presigned S3 URLs for the API's callers (the TUI and the dashboard move bytes straight to the
 * S3 port with them): signed with an access key of the caller's account, so the S3 port applies
 * that account's access, quota and rate limits as for any of its clients. The server holds the
 * secrets; the caller never sees one.
 */
export function presignService(d: Deps, keys: KeysService, access: AccessService) {
  /** The key to sign with: the one the caller authenticated with, else the account's oldest. */
  function signingKeyOf(accountId: string, accessKeyId: string | null) {
    const id = accessKeyId ?? d.repos.accessKeys.listForAccount(accountId)[0]?.id
    const k = id ? keys.resolve(id) : null
    if (!id || !k || k.accountId !== accountId) throw new AppError('NoSuchAccessKey', { message: 'This account has no access key to sign with; create one first.' })
    return { id, secret: k.secret }
  }

  /** Everything a request must satisfy before anything is signed: the bucket is the caller's, the key valid, the operation's fields there. */
  function check(accountId: string, r: PresignRequest): Checked {
    access.ownBucket(accountId, r.bucket)
    const key = checkApiKey(r.key)
    const op = r.operation
    const params: Array<[string, string]> = []
    const headers: Record<string, string> = {}
    switch (op) {
      case 'GetObject':
        if (r.versionId) params.push(['versionId', r.versionId])
        break
      case 'PutObject':
      case 'CreateMultipartUpload':
        if (op === 'CreateMultipartUpload') params.push(['uploads', ''])
        if (r.contentType) headers['content-type'] = r.contentType
        break
      case 'UploadPart': {
        const n = need(r.partNumber, 'partNumber', op)
        if (!Number.isInteger(n) || n < 1 || n > MAX_PARTS) throw new AppError('ValidationError', { message: `partNumber must be an integer from 1 to ${MAX_PARTS}.` })
        params.push(['partNumber', String(n)], ['uploadId', need(r.uploadId, 'uploadId', op)])
        break
      }
      case 'CompleteMultipartUpload':
      case 'AbortMultipartUpload':
        params.push(['uploadId', need(r.uploadId, 'uploadId', op)])
        break
    }
    return { r, key, params, headers }
  }

  async function sign(c: Checked, signer: { id: string; secret: string }, endpoint: string, now: number): Promise<Presigned> {
    const method = METHODS[c.r.operation]
    const expiresIn = c.r.expiresIn ?? 3600
    const url = await presignUrl({
      method, endpoint, bucket: c.r.bucket, key: c.key, params: c.params, headers: c.headers,
      accessKeyId: signer.id, secret: signer.secret, region: d.config.region, now, expiresIn,
    })
    // Signed to the second (X-Amz-Date), so that is when it runs out.
    const expiresAt = new Date(Math.floor(now / 1000) * 1000 + expiresIn * 1000).toISOString()
    return { url, method, headers: c.headers, expiresAt }
  }

  return {
    async presign(caller: { accountId: string; accessKeyId: string | null }, r: PresignRequest, endpoint: string): Promise<Presigned> {
      const c = check(caller.accountId, r)
      return sign(c, signingKeyOf(caller.accountId, caller.accessKeyId), endpoint, d.now())
    },

    /**
     * Many presigned URLs in one call (the dashboard's uploads: its API budget is per request).
     * All or nothing: every request is checked before any is signed, and the first one that
     * fails fails the call with its own error, the item named. Answers in the order asked.
     */
    async presignMany(caller: { accountId: string; accessKeyId: string | null }, rs: PresignRequest[], endpoint: string): Promise<Presigned[]> {
      if (rs.length < 1 || rs.length > PRESIGN_BATCH_MAX) throw new AppError('ValidationError', { message: `requests must list 1 to ${PRESIGN_BATCH_MAX} presign requests.` })
      const checked = rs.map((r, i) => {
        try { return check(caller.accountId, r) } catch (e) { throw inItem(e, i) }
      })
      const signer = signingKeyOf(caller.accountId, caller.accessKeyId)
      const now = d.now()
      return Promise.all(checked.map((c) => sign(c, signer, endpoint, now)))
    },
  }
}
export type PresignService = ReturnType<typeof presignService>
