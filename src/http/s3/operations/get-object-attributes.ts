import { AppError } from '../../../errors/app-error'
import { s3VersionId } from '../../../services/objects/read'
import type { S3Call } from '../call'
import { refuseServerSideEncryption } from '../sse'
import { httpDate, storedChecksum } from '../object-headers'
import { el, xmlDoc, xmlResponse } from '../xml'

const MAX_INT32 = 2 ** 31 - 1
const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const
type Attribute = (typeof ATTRIBUTES)[number]

/** x-amz-object-attributes: a comma-separated list of attribute names, at least one. */
function requestedAttributes(h: Headers): Set<Attribute> {
  const names = (h.get('x-amz-object-attributes') ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  if (names.length === 0) throw new AppError('InvalidRequest', { message: 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty' })
  for (const n of names) {
    if (!(ATTRIBUTES as readonly string[]).includes(n)) {
      throw new AppError('InvalidArgument', { message: 'Invalid attribute name specified.', fields: { ArgumentName: 'x-amz-object-attributes', ArgumentValue: n } })
    }
  }
  return new Set(names as Attribute[])
}

function intHeader(h: Headers, name: string, def: number): number {
  const raw = h.get(name)
  if (raw === null) return def
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > MAX_INT32) throw new AppError('InvalidArgument', { message: `Provided ${name} not an integer or within integer range`, fields: { ArgumentName: name, ArgumentValue: raw } })
  return Number(raw)
}

/**
 * GetObjectAttributes (GET ?attributes): HeadObject and ListParts in one XML answer. The 2025
 * SDKs use it to check a multipart download against its composite checksum, so ObjectParts of a
 * COMPOSITE object lists every part's checksum (paged by x-amz-max-parts and
 * x-amz-part-number-marker); for other objects it holds only the parts count, as on S3. The ETag
 * is unquoted and a composite checksum has no "-N" suffix here, unlike HeadObject.
 */
export function getObjectAttributes(c: S3Call<'GetObjectAttributes'>): Response {
  const bucket = c.bucket({ anonymousRead: true })
  const h = c.request.headers
  const q = c.target.query
  const wanted = requestedAttributes(h)
  const maxParts = Math.min(intHeader(h, 'x-amz-max-parts', 1000), 1000)
  const marker = intHeader(h, 'x-amz-part-number-marker', 0)
  const { version: v } = c.ctx.services.objects.resolveVersion(bucket, c.target.key, q.has('versionId') ? q.get('versionId')! : null)
  // An SSE-C key proves access to an encrypted object; never answer as if it had been checked.
  refuseServerSideEncryption(h, { customer: true })

  const cs = storedChecksum(v)
  let body = ''
  if (wanted.has('ETag')) body += el('ETag', v.etag)
  if (wanted.has('Checksum') && cs) {
    const value = cs.type === 'COMPOSITE' ? cs.value.replace(/-\d+$/, '') : cs.value
    body += `<Checksum>${el(`Checksum${cs.algorithm}`, value)}${el('ChecksumType', cs.type)}</Checksum>`
  }
  if (wanted.has('ObjectParts') && v.partsCount > 0) {
    let inner = el('PartsCount', v.partsCount)
    if (cs?.type === 'COMPOSITE') {
      const after = c.ctx.services.objects.parts(v.id).filter((p) => p.partNumber > marker)
      const page = after.slice(0, maxParts)
      inner += el('PartNumberMarker', marker) + el('NextPartNumberMarker', page.length ? page[page.length - 1].partNumber : 0) +
        el('MaxParts', maxParts) + el('IsTruncated', after.length > page.length)
      for (const p of page) inner += `<Part>${el('PartNumber', p.partNumber)}${el('Size', p.size)}${el(`Checksum${cs.algorithm}`, p.checksum)}</Part>`
    }
    body += `<ObjectParts>${inner}</ObjectParts>`
  }
  if (wanted.has('StorageClass')) body += el('StorageClass', 'STANDARD')
  if (wanted.has('ObjectSize')) body += el('ObjectSize', v.size)

  const headers: Record<string, string> = { 'last-modified': httpDate(v.createdAt) }
  if (bucket.s3Versioning) headers['x-amz-version-id'] = s3VersionId(v)
  return xmlResponse(xmlDoc('GetObjectAttributesResponse', body), 200, headers)
}
