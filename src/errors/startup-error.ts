/**
 * A startup failure the operator can fix: main prints the message as one line, exit 1. `code`
 * names it in `--json` error documents.
 */
export class StartupError extends Error {
  override name = 'StartupError'
  constructor(message: string, readonly code = 'StartupError') {
    super(message)
  }
}
