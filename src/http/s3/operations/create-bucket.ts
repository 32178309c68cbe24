import type { S3Call } from '../call'
import { parseXmlBody } from '../xml'

/** CreateBucket, with or without a LocationConstraint (which must match our region). */
export async function createBucket(c: S3Call<'CreateBucket'>): Promise<Response> {
  const accountId = c.accountId()
  const body = await c.readSmallBody(64 * 1024)
  let location: string | null = null
  if (body.length) {
    const doc = parseXmlBody(body, 'CreateBucketConfiguration')
    location = typeof doc.LocationConstraint === 'string' ? doc.LocationConstraint : null
  }
  const b = c.ctx.services.buckets.create(accountId, c.target.bucket, { location })
  return new Response(null, { status: 200, headers: { location: `/${b.name}` } })
}
