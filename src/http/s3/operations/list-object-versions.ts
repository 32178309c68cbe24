import { s3VersionId } from '../../../services/objects/read'
import type { S3Call } from '../call'
import { quoteEtag } from '../object-headers'
import { el, isoMs, xmlDoc, xmlResponse } from '../xml'
import { ownerXml } from '../owner'
import { encoder, parseMaxKeys } from './list-objects'

/**
 * ListObjectVersions: S3-visible versions and delete markers (Time Machine's history of an
 * unversioned bucket stays out), key ascending then newest first, with prefix, delimiter,
 * key-marker / version-id-marker paging and IsLatest. The markers are positions (see
 * services/objects/list versionCursor): a loop that deletes each page before asking for the next
 * one empties the bucket. A page that ends on a CommonPrefix has NextKeyMarker = the prefix and
 * no NextVersionIdMarker.
 */
export function listObjectVersions(c: S3Call<'ListObjectVersions'>): Response {
  const bucket = c.bucket()
  const q = c.target.query
  const enc = encoder(q)
  const prefix = q.get('prefix') ?? ''
  const delimiter = q.get('delimiter') ?? ''
  const maxKeys = parseMaxKeys(q.get('max-keys'))
  const keyMarker = q.get('key-marker') ?? ''
  const versionIdMarker = q.get('version-id-marker') ?? ''
  const after = c.ctx.services.objects.versionCursor(bucket.id, keyMarker, versionIdMarker)
  const r = c.ctx.services.objects.listVersions(bucket.id, { prefix, delimiter, after, maxKeys })
  const owner = ownerXml(c, bucket.accountId)
  const items = r.versions.map((v) => {
    const head = el('Key', enc(v.key)) + el('VersionId', s3VersionId(v)) + el('IsLatest', !!v.isLatest) + el('LastModified', isoMs(v.createdAt))
    return v.isDeleteMarker
      ? `<DeleteMarker>${head}${owner}</DeleteMarker>`
      : `<Version>${head}${el('ETag', quoteEtag(v.etag))}${el('Size', v.size)}<StorageClass>STANDARD</StorageClass>${owner}</Version>`
  })
  const next = r.isTruncated ? r.next : null
  return xmlResponse(xmlDoc('ListVersionsResult',
    el('Name', bucket.name) + el('Prefix', enc(prefix)) + el('KeyMarker', enc(keyMarker)) + el('VersionIdMarker', keyMarker ? versionIdMarker : '') +
    (next ? el('NextKeyMarker', enc(next.key)) + (next.versionId !== null ? el('NextVersionIdMarker', next.versionId) : '') : '') +
    el('MaxKeys', maxKeys) + (delimiter ? el('Delimiter', enc(delimiter)) : '') + el('IsTruncated', r.isTruncated) +
    (q.has('encoding-type') ? el('EncodingType', 'url') : '') +
    items.join('') + r.commonPrefixes.map((p) => `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`).join('')))
}
