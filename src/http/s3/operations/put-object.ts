import { AppError } from '../../../errors/app-error'
import { CHECKSUMS } from '../../../domain/checksums'
import type { S3Call } from '../call'
import { metaFromHeaders, quoteEtag, writtenVersionId } from '../object-headers'
import { refuseServerSideEncryption } from '../sse'

/** AWS's single-PUT limit. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3

export async function putObject(c: S3Call<'PutObject'>): Promise<Response> {
  const bucket = c.bucket()
  refuseServerSideEncryption(c.request.headers, { managed: true, customer: true })
  const plan = c.body()
  if (plan.size === null && !plan.streamed) throw new AppError('MissingContentLength')
  if (plan.size !== null && plan.size > MAX_PUT_BYTES) throw new AppError('EntityTooLarge', { fields: { ProposedSize: plan.size, MaxSizeAllowed: MAX_PUT_BYTES } })
  const h = c.request.headers
  const r = await c.ctx.services.objects.put({
    bucket, key: c.target.key, source: plan.source, size: plan.size, cap: MAX_PUT_BYTES, meta: metaFromHeaders(h, plan.contentEncoding),
    checksum: plan.checksum, verify: plan.verify, conditions: { ifNoneMatch: h.get('if-none-match'), ifMatch: h.get('if-match') },
  })
  const headers: Record<string, string> = { etag: quoteEtag(r.version.etag) }
  const versionId = writtenVersionId(r.version)
  if (versionId) headers['x-amz-version-id'] = versionId
  if (r.checksum) {
    headers[CHECKSUMS[r.checksum.algorithm as keyof typeof CHECKSUMS].header] = r.checksum.value
    headers['x-amz-checksum-type'] = r.checksum.type
  }
  return new Response(null, { status: 200, headers })
}
