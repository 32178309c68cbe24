import { AppError } from '../../../errors/app-error'
import type { S3Call } from '../call'

/** Anything we do not serve: 501 NotImplemented in S3 XML, never a wrong success. */
export function notImplemented(c: S3Call): Response {
  throw new AppError('NotImplemented', { message: `${c.target.detail ?? 'This operation'} is not implemented by CloudStorage.` })
}
