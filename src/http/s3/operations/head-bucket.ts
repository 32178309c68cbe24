import type { S3Call } from '../call'

export function headBucket(c: S3Call<'HeadBucket'>): Response {
  const b = c.bucket({ anonymousRead: true })
  return new Response(null, { status: 200, headers: { 'x-amz-bucket-region': b.region, 'x-amz-access-point-alias': 'false' } })
}
