import { AppError } from '../../../errors/app-error'
import { CHECKSUMS, type ChecksumAlgorithm } from '../../../domain/checksums'
import { parseCopySource } from '../../../services/objects/copy-object'
import { checkS3Key } from '../../../domain/object-key'
import { s3VersionId } from '../../../services/objects/read'
import type { S3Call } from '../call'
import { metaFromHeaders, quoteEtag, writtenVersionId } from '../object-headers'
import { el, isoMs, xmlDoc, xmlResponse } from '../xml'
import { refuseServerSideEncryption } from '../sse'

/** The source bucket of a copy: one the caller may read (its own, or a public-read bucket). */
export function copySourceOf(c: S3Call) {
  const src = parseCopySource(c.request.headers.get('x-amz-copy-source')!)
  checkS3Key(src.key)
  return { ...src, bucketRow: c.ctx.services.access.bucket(c.auth.principal, src.bucket, { publicRead: true }) }
}

export async function copyObject(c: S3Call<'CopyObject'>): Promise<Response> {
  const dest = c.bucket()
  const src = copySourceOf(c)
  const h = c.request.headers
  refuseServerSideEncryption(h, { managed: true, customer: true, copySource: true })
  const directive = (h.get('x-amz-metadata-directive') ?? 'COPY').toUpperCase()
  if (directive !== 'COPY' && directive !== 'REPLACE') throw new AppError('InvalidArgument', { message: 'Unknown metadata directive.', fields: { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive } })
  const r = c.ctx.services.objects.copy({
    source: { bucket: src.bucketRow, key: src.key, versionId: src.versionId },
    dest: { bucket: dest, key: c.target.key },
    meta: directive === 'REPLACE' ? metaFromHeaders(h, h.get('content-encoding')) : null,
    headers: h,
    conditions: { ifNoneMatch: h.get('if-none-match'), ifMatch: h.get('if-match') },
  })
  const cs = r.version.checksumJson ? (JSON.parse(r.version.checksumJson) as { algorithm: ChecksumAlgorithm; value: string; type: string }) : null
  const checksumXml = cs ? el(`Checksum${cs.algorithm}`, cs.value) + el('ChecksumType', cs.type) : ''
  const headers: Record<string, string> = {}
  if (src.bucketRow.s3Versioning) headers['x-amz-copy-source-version-id'] = s3VersionId(r.source)
  const versionId = writtenVersionId(r.version)
  if (versionId) headers['x-amz-version-id'] = versionId
  if (cs) headers[CHECKSUMS[cs.algorithm].header] = cs.value
  return xmlResponse(xmlDoc('CopyObjectResult', el('LastModified', isoMs(r.version.createdAt)) + el('ETag', quoteEtag(r.version.etag)) + checksumXml), 200, headers)
}
