import type { S3Call } from '../call'

export function deleteObject(c: S3Call<'DeleteObject'>): Response {
  const bucket = c.bucket()
  const q = c.target.query
  const r = c.ctx.services.objects.delete(bucket.id, c.target.key, q.has('versionId') ? q.get('versionId')! : null)
  const headers: Record<string, string> = {}
  if (r.deleteMarker) headers['x-amz-delete-marker'] = 'true'
  if (r.versionId && bucket.s3Versioning) headers['x-amz-version-id'] = r.versionId
  return new Response(null, { status: 204, headers })
}
