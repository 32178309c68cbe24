import { AppError } from '../../errors/app-error'
import { presignUrl } from '../../auth/presign'
import { checkApiKey } from '../../domain/object-key'
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

  return {
    async presign(caller: { accountId: string; accessKeyId: string | null }, r: PresignRequest, endpoint: string): Promise<Presigned> {
      access.ownBucket(caller.accountId, r.bucket)
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
          if (!Number.isInteger(n) || n < 1 || n > 10000) throw new AppError('ValidationError', { message: 'partNumber must be an integer from 1 to 10000.' })
          params.push(['partNumber', String(n)], ['uploadId', need(r.uploadId, 'uploadId', op)])
          break
        }
        case 'CompleteMultipartUpload':
        case 'AbortMultipartUpload':
          params.push(['uploadId', need(r.uploadId, 'uploadId', op)])
          break
      }
      const signer = signingKeyOf(caller.accountId, caller.accessKeyId)
      const expiresIn = r.expiresIn ?? 3600
      const now = d.now()
      const url = await presignUrl({
        method: METHODS[op], endpoint, bucket: r.bucket, key, params, headers,
        accessKeyId: signer.id, secret: signer.secret, region: d.config.region, now, expiresIn,
      })
      // Signed to the second (X-Amz-Date), so that is when it runs out.
      const expiresAt = new Date(Math.floor(now / 1000) * 1000 + expiresIn * 1000).toISOString()
      return { url, method: METHODS[op], headers, expiresAt }
    },
  }
}
export type PresignService = ReturnType<typeof presignService>
