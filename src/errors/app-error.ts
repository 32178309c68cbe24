import { type ErrorCode, defaultMessage, statusOf } from './catalog'

export interface AppErrorOptions {
  message?: string
  /** Extra S3 XML elements (e.g. ServerTime, BucketName); also appear in JSON as `details`. */
  fields?: Record<string, string | number>
  /** Response headers such as Retry-After. */
  headers?: Record<string, string>
  cause?: unknown
}

/** The only error type services and repos throw. Surfaces render it; anything else is a 500. */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly fields?: Record<string, string | number>
  readonly headers?: Record<string, string>

  constructor(code: ErrorCode, opts: AppErrorOptions = {}) {
    super(opts.message ?? defaultMessage(code), opts.cause ? { cause: opts.cause } : undefined)
    this.name = 'AppError'
    this.code = code
    this.fields = opts.fields
    this.headers = opts.headers
  }

  get status(): number {
    return statusOf(this.code)
  }
}


/**
 * Maps anything thrown to an AppError. The only place that recognises infrastructure failures:
 * disk full becomes InsufficientStorage, a busy database SlowDown; the rest is InternalError
 * with the original kept as `cause` for the log (never shown to the client).
 */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e
  const code = (e as { code?: string } | null)?.code
  if (code === 'ENOSPC' || code === 'EDQUOT') return new AppError('InsufficientStorage', { cause: e })
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT') return new AppError('SlowDown', { cause: e })
  if (code === 'SQLITE_FULL') return new AppError('InsufficientStorage', { cause: e })
  return new AppError('InternalError', { cause: e })
}
