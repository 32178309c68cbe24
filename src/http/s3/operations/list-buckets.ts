import type { S3Call } from '../call'
import { el, isoMs, xmlDoc, xmlResponse } from '../xml'
import { ownerXml } from '../owner'

export function listBuckets(c: S3Call<'ListBuckets'>): Response {
  const accountId = c.accountId()
  const prefix = c.target.query.get('prefix') ?? ''
  const buckets = c.ctx.services.buckets.list(accountId).filter((b) => b.name.startsWith(prefix))
  const items = buckets.map((b) => `<Bucket>${el('Name', b.name)}${el('CreationDate', isoMs(b.createdAt))}${el('BucketRegion', b.region)}</Bucket>`).join('')
  return xmlResponse(xmlDoc('ListAllMyBucketsResult', `${ownerXml(c, accountId)}<Buckets>${items}</Buckets>${prefix ? el('Prefix', prefix) : ''}`))
}
