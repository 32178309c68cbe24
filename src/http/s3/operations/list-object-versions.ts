import { AppError } from '../../../errors/app-error'
import { commonPrefixOf, skipPast } from '../../../domain/listing'
import { s3VersionId } from '../../../services/objects/read'
import type { S3Call } from '../call'
import { quoteEtag } from '../object-headers'
import { el, isoMs, xmlDoc, xmlResponse } from '../xml'
import { encoder, parseMaxKeys } from './list-objects'

const BATCH = 1000

/**
 * ListObjectVersions: S3-visible versions and delete markers (Time Machine's history of an
 * unversioned bucket stays out), key ascending then newest first, with prefix, delimiter,
 * key-marker / version-id-marker paging and IsLatest.
 */
export function listObjectVersions(c: S3Call): Response {
  const bucket = c.bucket()
  const q = c.target.query
  const enc = encoder(q)
  const prefix = q.get('prefix') ?? ''
  const delimiter = q.get('delimiter') ?? ''
  const maxKeys = parseMaxKeys(q.get('max-keys'))
  const keyMarker = q.get('key-marker') ?? ''
  const versionIdMarker = keyMarker ? q.get('version-id-marker') ?? '' : ''
  const account = c.ctx.repos.accounts.byId(bucket.accountId)
  const owner = `<Owner>${el('ID', bucket.accountId)}${el('DisplayName', account?.email ?? '')}</Owner>`

  // Resolve the version marker to its per-key number: resume strictly after it.
  let afterKey = keyMarker
  let afterNumber = -1
  if (keyMarker && versionIdMarker) {
    const obj = c.ctx.repos.objects.byKey(bucket.id, keyMarker)
    const v = obj ? (versionIdMarker === 'null' ? c.ctx.repos.objects.nullVersion(obj.id) : c.ctx.repos.objects.version(versionIdMarker)) : null
    if (!v || v.objectId !== obj?.id) throw new AppError('InvalidArgument', { message: 'Invalid version id specified', fields: { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker } })
    afterNumber = v.versionNumber
  }

  const items: string[] = []
  const prefixes: string[] = []
  let count = 0
  let truncated = false
  let nextKey = ''
  let nextVersion = ''
  outer: for (;;) {
    const rows = c.ctx.repos.objects.s3VersionsPage(bucket.id, afterKey, afterNumber, prefix, BATCH)
    if (rows.length === 0) break
    for (const v of rows) {
      afterKey = v.key
      afterNumber = v.versionNumber
      if (!v.key.startsWith(prefix)) break outer
      const cp = commonPrefixOf(v.key, prefix, delimiter)
      if (cp !== null && (prefixes[prefixes.length - 1] === cp || keyMarker.startsWith(cp))) {
        afterKey = skipPast(cp, v.key)
        afterNumber = -1
        continue outer
      }
      if (count >= maxKeys) { truncated = true; break outer }
      count++
      if (cp !== null) {
        prefixes.push(cp)
        nextKey = cp
        nextVersion = ''
        afterKey = skipPast(cp, v.key)
        afterNumber = -1
        continue outer
      }
      const head = el('Key', enc(v.key)) + el('VersionId', s3VersionId(v)) + el('IsLatest', !!v.isLatest) + el('LastModified', isoMs(v.createdAt))
      items.push(v.isDeleteMarker
        ? `<DeleteMarker>${head}${owner}</DeleteMarker>`
        : `<Version>${head}${el('ETag', quoteEtag(v.etag))}${el('Size', v.size)}<StorageClass>STANDARD</StorageClass>${owner}</Version>`)
      nextKey = v.key
      nextVersion = s3VersionId(v)
    }
    if (rows.length < BATCH) break
  }
  return xmlResponse(xmlDoc('ListVersionsResult',
    el('Name', bucket.name) + el('Prefix', enc(prefix)) + el('KeyMarker', enc(keyMarker)) + el('VersionIdMarker', versionIdMarker) +
    (truncated ? el('NextKeyMarker', enc(nextKey)) + (nextVersion ? el('NextVersionIdMarker', nextVersion) : '') : '') +
    el('MaxKeys', maxKeys) + (delimiter ? el('Delimiter', enc(delimiter)) : '') + el('IsTruncated', truncated) +
    (q.has('encoding-type') ? el('EncodingType', 'url') : '') +
    items.join('') + prefixes.map((p) => `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`).join('')))
}
