import type { S3Call } from '../call'

export function deleteBucket(c: S3Call<'DeleteBucket'>): Response {
  const b = c.bucket()
  c.ctx.services.buckets.delete(b.id, { force: false })
  return new Response(null, { status: 204 })
}
