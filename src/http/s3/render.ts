import { AppError } from '../../errors/app-error'
import { s3ErrorXml } from '../../errors/render'

/** Renders an AppError as S3 does: XML body (none for HEAD), its status and extra headers. */
export function s3ErrorResponse(err: AppError, method: string, resource: string, requestId: string): Response {
  const headers: Record<string, string> = { ...(err.headers ?? {}) }
  if (method === 'HEAD') {
    return new Response(null, { status: err.status, headers: { ...headers, 'x-amz-error-code': err.code } })
  }
  const body = s3ErrorXml(err, resource, requestId)
  return new Response(body, { status: err.status, headers: { ...headers, 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)) } })
}
