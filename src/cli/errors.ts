import { ConfigError } from '../config/settings'
import { StartupError } from '../errors/startup-error'
import { AppError } from '../errors/app-error'
import { UsageError } from './args'

export interface ErrorReport {
  /** Process exit code: 2 for usage and settings errors, 1 for the rest. */
  exit: number
  /** A stable name for scripts (`--json`): the catalog code, or the kind of failure. */
  code: string
  /** The one line shown to the operator, without the `cloudstorage: ` prefix. */
  line: string
  /** The message alone (the JSON document's `message`). */
  message: string
  /** Usage text to print after the line, for usage errors. */
  usage?: string
}

/** How the CLI reports anything thrown: the same classification for text and `--json` output. */
export function describeError(e: unknown): ErrorReport {
  if (e instanceof UsageError) return { exit: 2, code: 'UsageError', line: e.message, message: e.message, usage: e.usage }
  if (e instanceof ConfigError) return { exit: 2, code: 'InvalidConfig', line: e.message, message: e.message }
  if (e instanceof StartupError) return { exit: 1, code: e.code, line: e.message, message: e.message }
  if (e instanceof AppError) return { exit: 1, code: e.code, line: `${e.code}: ${e.message}`, message: e.message }
  const message = `unexpected error: ${(e as Error)?.message ?? e}`
  return { exit: 1, code: 'InternalError', line: message, message }
}
