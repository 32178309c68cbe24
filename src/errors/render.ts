import { AppError } from './app-error'
import { xmlEscape } from '../domain/xml'

/** S3 error document. HEAD responses must carry no body; the caller drops it. */
export function s3ErrorXml(err: AppError, resource: string, requestId: string): string {
  let extra = ''
  if (err.fields) for (const [k, v] of Object.entries(err.fields)) extra += `<${k}>${xmlEscape(String(v))}</${k}>`
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${err.code}</Code><Message>${xmlEscape(err.message)}</Message>` +
    `<Resource>${xmlEscape(resource)}</Resource><RequestId>${requestId}</RequestId>${extra}</Error>`
  )
}

/** JSON error body shared by REST, dashboard and admin APIs. */
export function jsonErrorBody(err: AppError, requestId: string): string {
  const error: Record<string, unknown> = { code: err.code, message: err.message, requestId }
  if (err.fields) error.details = err.fields
  return JSON.stringify({ error })
}
