import { AppError } from '../../../errors/app-error'
import { toAppError } from '../../../errors/app-error'
import type { S3Call } from '../call'
import { el, parseXmlBody, xmlDoc, xmlResponse } from '../xml'
import { requestedChecksum } from '../payload'
import { checkS3Key } from '../../../domain/object-key'

const MAX_KEYS = 1000

/** DeleteObjects (multi-delete): up to 1000 keys, Quiet mode, per-key results and errors. */
export async function deleteObjects(c: S3Call<'DeleteObjects'>): Promise<Response> {
  const bucket = c.bucket()
  const h = c.request.headers
  if (!h.has('content-md5') && !requestedChecksum(h).algorithm) {
    throw new AppError('InvalidRequest', { message: 'Missing required header for this request: Content-MD5 (or an x-amz-checksum-* header).' })
  }
  const doc = parseXmlBody(await c.readSmallBody(2 * 1024 * 1024), 'Delete')
  const objects = (doc.Object ?? []) as Array<Record<string, unknown>>
  if (objects.length === 0) throw new AppError('MalformedXML')
  if (objects.length > MAX_KEYS) throw new AppError('MalformedXML', { message: `The request can delete at most ${MAX_KEYS} objects.` })
  const quiet = String(doc.Quiet ?? 'false').toLowerCase() === 'true'
  let out = ''
  for (const o of objects) {
    const key = typeof o.Key === 'string' ? o.Key : o.Key === undefined ? null : String(o.Key)
    const versionId = o.VersionId === undefined ? null : String(o.VersionId)
    if (key === null || key === '') {
      out += `<Error>${el('Key', key ?? '')}<Code>UserKeyMustBeSpecified</Code><Message>A key must be specified.</Message></Error>`
      continue
    }
    try {
      checkS3Key(key)
      const r = c.ctx.services.objects.delete(bucket.id, key, versionId)
      if (quiet) continue
      out += '<Deleted>' + el('Key', key) + el('VersionId', versionId ?? undefined)
      if (r.deleteMarker) out += '<DeleteMarker>true</DeleteMarker>' + el('DeleteMarkerVersionId', r.versionId)
      out += '</Deleted>'
    } catch (e) {
      const err = toAppError(e)
      out += `<Error>${el('Key', key)}${el('VersionId', versionId ?? undefined)}${el('Code', err.code)}${el('Message', err.message)}</Error>`
    }
  }
  return xmlResponse(xmlDoc('DeleteResult', out))
}
