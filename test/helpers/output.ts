/**
 * Reading a server's output without racing it. The appliance writes its request log in batches
 * (one write per event-loop turn), and the test reads the pipe asynchronously, so a line for a
 * request that has been answered may not be in `output()` yet. Tests wait for the condition
 * (polling with a deadline), never for a fixed time; assertions that a line is absent first
 * settle the log, so they cannot pass just because the line had not arrived.
 */
import { until } from './wait'

interface HasOutput {
  output(): string
  proc?: { exitCode: number | null }
}

/** Waits until the output satisfies `cond` (a substring, a pattern or a predicate); returns it. */
export async function untilOutput(srv: HasOutput, cond: string | RegExp | ((out: string) => boolean), what = String(cond), guardMs = 60_000): Promise<string> {
  const test = typeof cond === 'string' ? (o: string) => o.includes(cond) : cond instanceof RegExp ? (o: string) => cond.test(o) : cond
  const seen = await until(() => {
    const out = srv.output()
    if (test(out)) return { out }
    if (srv.proc && srv.proc.exitCode !== null) throw new Error(`the server exited (${srv.proc.exitCode}) while waiting for ${what}:\n${out.slice(-4000)}`)
    return null
  }, () => `${what} in the server output (${guardMs} ms):\n${srv.output().slice(-4000)}`, guardMs)
  return seen.out
}

/**
 * Every request answered so far is in the log: sends one more request (an unknown API route on
 * the HTTP port, logged like any other) and waits for its own line. Lines go out in order, so
 * once this one is there, all earlier ones are. Returns the output.
 */
export async function logSettled(srv: HasOutput & { httpUrl: string }): Promise<string> {
  const res = await fetch(`${srv.httpUrl}/api/log-barrier`)
  await res.arrayBuffer()
  const id = res.headers.get('x-request-id')
  if (!id) throw new Error(`the log barrier request got no x-request-id (${res.status})`)
  return untilOutput(srv, id, `the log line of request ${id}`)
}
