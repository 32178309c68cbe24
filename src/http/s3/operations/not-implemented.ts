import { AppError } from '../../../errors/app-error'
import type { S3Call } from '../call'

/**
 * Anything we do not serve: 501 NotImplemented in S3 XML, never a wrong success. A subresource
 * is answered 501 only once the request would otherwise have reached it, as on S3: a missing
 * bucket is still 404 NoSuchBucket, another account's bucket 403, a missing object 404 NoSuchKey
 * (so a client probing ?tagging or ?acl learns the same as from a GET).
 */
export function notImplemented(c: S3Call<'Unsupported'>): Response {
  const t = c.target
  if (t.scope === 'bucket-exists' && !c.ctx.services.buckets.find(t.bucket)) throw new AppError('NoSuchBucket', { fields: { BucketName: t.bucket } })
  if (t.scope === 'bucket' || t.scope === 'object') {
    const bucket = c.ctx.services.access.bucket(c.auth.principal, t.bucket, { publicRead: false })
    const q = t.query
    if (t.scope === 'object') c.ctx.services.objects.resolveVersion(bucket, t.key, q.has('versionId') ? q.get('versionId')! : null)
  }
  throw new AppError('NotImplemented', { message: `${t.detail ?? 'This operation'} is not implemented by CloudStorage.` })
}
