import { AppError } from '../../../errors/app-error'
import type { S3Call } from '../call'
import { el, parseXmlBody, xmlDoc, xmlResponse } from '../xml'

/** An unversioned bucket answers an empty VersioningConfiguration, as on AWS. */
export function getBucketVersioning(c: S3Call<'GetBucketVersioning'>): Response {
  const b = c.bucket()
  return xmlResponse(xmlDoc('VersioningConfiguration', b.s3Versioning ? el('Status', b.s3Versioning) : ''))
}

export async function putBucketVersioning(c: S3Call<'PutBucketVersioning'>): Promise<Response> {
  const b = c.bucket()
  const doc = parseXmlBody(await c.readSmallBody(64 * 1024), 'VersioningConfiguration')
  const status = doc.Status
  if (doc.MfaDelete !== undefined && doc.MfaDelete !== 'Disabled') throw new AppError('NotImplemented', { message: 'MFA Delete is not supported.' })
  if (status !== 'Enabled' && status !== 'Suspended') throw new AppError('IllegalVersioningConfigurationException', { message: 'The Versioning element must be specified as Enabled or Suspended.' })
  c.ctx.services.buckets.setVersioning(b.id, status)
  return new Response(null, { status: 200 })
}
