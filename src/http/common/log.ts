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

/** One line per request, text or JSON (`--log-format`). Never logs secrets or query strings. */
export class Logger {
  constructor(private readonly format: 'text' | 'json', private readonly out: (line: string) => void = (l) => process.stdout.write(l + '\n')) {}

  request(l: RequestLogLine) {
    if (this.format === 'json') return this.out(JSON.stringify(l))
    this.out(`${l.time} ${l.requestId} ${l.surface} ${l.method} ${l.path} ${l.status} in=${l.bytesIn} out=${l.bytesOut} ${l.ms.toFixed(1)}ms op=${l.operation} principal=${l.principal}${l.error ? ` error=${l.error}` : ''}`)
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
