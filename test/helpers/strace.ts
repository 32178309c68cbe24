/**
 * strace for the tests that audit syscall order (fsync before rename before the answer): whether
 * it can attach here, and a parser for `strace -f -y` output.
 */
import { hasTool } from './tools'

/** Can strace attach to a process here (installed, ptrace allowed)? */
export function straceUsable(): { ok: true } | { ok: false; why: string } {
  if (!hasTool('strace', ['-V'])) return { ok: false, why: 'strace not installed' }
  const sleeper = Bun.spawn(['sleep', '5'])
  try {
    const r = Bun.spawnSync(['strace', '-qq', '-e', 'trace=none', '-p', String(sleeper.pid)], { stdout: 'pipe', stderr: 'pipe', timeout: 500 })
    const err = r.stderr.toString()
    if (/Operation not permitted|ptrace/i.test(err)) return { ok: false, why: `strace cannot attach: ${err.trim().split('\n')[0]}` }
    return { ok: true }
  } finally {
    sleeper.kill()
  }
}

export interface Call { pid: string; name: string; args: string; start: number; end: number; ret: string }

/** Parses `strace -f -y` output, joining "<unfinished …>" / "<… resumed>" halves; line numbers order the calls. */
export function parseTrace(text: string): Call[] {
  const calls: Call[] = []
  const open = new Map<string, Call>()
  text.split('\n').forEach((line, i) => {
    let m = /^(\d+)\s+<\.\.\. (\w+) resumed>(.*?)(?:= (.*))?$/.exec(line)
    if (m) {
      const c = open.get(`${m[1]}:${m[2]}`)
      if (c) {
        c.args += m[3]
        c.end = i
        c.ret = (m[4] ?? '').trim()
        open.delete(`${m[1]}:${m[2]}`)
      }
      return
    }
    m = /^(\d+)\s+(\w+)\((.*)$/.exec(line)
    if (!m) return
    const unfinished = m[3].endsWith('<unfinished ...>')
    const done = /^(.*)\) += (.*)$/.exec(m[3])
    const c: Call = { pid: m[1], name: m[2], args: unfinished ? m[3].replace(/ <unfinished \.\.\.>$/, '') : done ? done[1] : m[3], start: i, end: i, ret: done ? done[2].trim() : '' }
    calls.push(c)
    if (unfinished) open.set(`${m[1]}:${m[2]}`, c)
  })
  return calls
}
