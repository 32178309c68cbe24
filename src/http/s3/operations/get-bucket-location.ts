import type { S3Call } from '../call'
import { XML_DECL, S3_NS, xmlResponse } from '../xml'
import { xmlEscape } from '../../../domain/xml'

export function getBucketLocation(c: S3Call<'GetBucketLocation'>): Response {
  const b = c.bucket()
  // us-east-1 is reported as an empty constraint, as AWS does.
  const value = b.region === 'us-east-1' ? '' : xmlEscape(b.region)
  return xmlResponse(`${XML_DECL}<LocationConstraint xmlns="${S3_NS}">${value}</LocationConstraint>`)
}
