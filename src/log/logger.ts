/** Where a component reports a failure it handles itself (the composition root connects it to the Logger). */
export type ErrorReporter = (msg: string, err?: unknown) => void

export interface RequestLogLine {
  time: string
  requestId: string
  surface: string
  method: string
  path: string
  operation: string
  status: number
  bytesIn: number
  bytesOut: number
  ms: number
  principal: string
  error?: string
}

/**
 * Object keys may contain spaces, newlines and other control characters; written raw they would
 * split one request over several lines or forge a fake log line. Text lines percent-encode them
 * (and '%' itself, so the encoding is unambiguous); JSON escapes them anyway.
 */
const textSafe = (s: string) => s.replace(/[\x00-\x20\x7f-\x9f%\u2028\u2029]/g, (c) => encodeURIComponent(c))

/**
 * Lines written within one turn of the event loop go out in one write: a write per request was
 * a measurable share of a small GET's cost. Flushed on the next turn, and at exit.
 */
function batchedStdout(): (line: string) => void {
  let pending: string[] = []
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending.length === 0) return
    const text = pending.join('')
    pending = []
    process.stdout.write(text)
  }
  process.on('exit', flush)
  return (line) => {
    pending.push(line + '\n')
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
}

/** One line per request, text or JSON (`--log-format`). Never logs secrets or query strings. */
export class Logger {
  constructor(private readonly format: 'text' | 'json', private readonly out: (line: string) => void = batchedStdout()) {}

  request(l: RequestLogLine) {
    if (this.format === 'json') return this.out(JSON.stringify(l))
    this.out(`${l.time} ${l.requestId} ${l.surface} ${l.method} ${textSafe(l.path)} ${l.status} in=${l.bytesIn} out=${l.bytesOut} ${l.ms.toFixed(1)}ms op=${l.operation} principal=${l.principal}${l.error ? ` error=${l.error}` : ''}`)
  }

  info(msg: string, fields: Record<string, unknown> = {}) {
    if (this.format === 'json') return this.out(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg, ...fields }))
    const extra = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')
    this.out(`${new Date().toISOString()} ${msg}${extra ? ' ' + extra : ''}`)
  }

  error(msg: string, err?: unknown, fields: Record<string, unknown> = {}) {
    const detail = err instanceof Error ? (err.stack ?? err.message) : err === undefined ? undefined : String(err)
    if (this.format === 'json') return this.out(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg, error: detail, ...fields }))
    this.out(`${new Date().toISOString()} ERROR ${msg}${detail ? `: ${detail}` : ''}`)
  }
}
