import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'

/** Absolute path of an executable on PATH, or null. */
export function which(cmd: string): string | null {
  return Bun.which(cmd)
}

/** Runs a command to completion and returns its output; throws with stderr on a non-zero exit. */
export async function run(cmd: string[], opts: { env?: Record<string, string>; allowFail?: boolean } = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  const p = Bun.spawn(cmd, { stdout: 'pipe', stderr: 'pipe', env: { ...(process.env as Record<string, string>), ...opts.env } })
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  if (code !== 0 && !opts.allowFail) throw new Error(`${cmd.join(' ')} exited with ${code}:\n${stderr || stdout}`)
  return { stdout, stderr, code }
}

function statusField(pid: number, field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : null
  } catch {
    return null
  }
}

/** Resident set size in bytes (VmRSS), or null when the process is gone. */
export const rssOf = (pid: number) => statusField(pid, 'VmRSS')
/** Peak resident set size since start or since the last resetPeakRss (VmHWM). */
export const peakRssOf = (pid: number) => statusField(pid, 'VmHWM')

/** Resets VmHWM (Linux ≥ 4.0, writing 5 to clear_refs); false when not permitted. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

/** Samples a process's VmRSS every `everyMs` until stopped; returns the maximum seen. */
export function sampleRss(pid: number, everyMs = 200) {
  let max = rssOf(pid) ?? 0
  let samples = 1
  const t = setInterval(() => {
    const r = rssOf(pid)
    if (r !== null) { max = Math.max(max, r); samples++ }
  }, everyMs)
  return {
    stop() {
      clearInterval(t)
      const r = rssOf(pid)
      if (r !== null) max = Math.max(max, r)
      return { max, samples }
    },
  }
}

/** A TCP port that was free a moment ago (for nginx, which cannot report an ephemeral port). */
export function freePort(): number {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = s.port
  s.stop(true)
  return port
}

export interface MachineInfo {
  cpu: string
  cores: number
  memGiB: number
  kernel: string
  filesystem: string
  bun: string
  nginx: string | null
  wrk: string | null
  date: string
  /** The server's source: HEAD's short hash, flagged when src/ has uncommitted changes. */
  commit: string
}

/** HEAD's short hash of this checkout, flagged when src/ or migrations/ have uncommitted changes. */
export async function sourceCommit(): Promise<string> {
  try {
    const root = new URL('../..', import.meta.url).pathname
    const head = (await run(['git', '-C', root, 'rev-parse', '--short', 'HEAD'])).stdout.trim()
    const dirty = (await run(['git', '-C', root, 'status', '--porcelain', '--', 'src', 'migrations'])).stdout.trim()
    return dirty ? `${head} (+ uncommitted changes in src/)` : head
  } catch {
    return 'unknown (not a git checkout)'
  }
}

export async function machineInfo(dataDir: string): Promise<MachineInfo> {
  const cpuModel = (() => {
    try {
      const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
      if (m) return m[1].trim()
    } catch { /* not Linux */ }
    return cpus()[0]?.model ?? 'unknown'
  })()
  let filesystem = 'unknown'
  try {
    const df = await run(['df', '-T', '-P', dataDir])
    const cols = df.stdout.trim().split('\n').pop()!.split(/\s+/)
    filesystem = `${cols[1]} on ${cols[0]} (mounted at ${cols[6]})`
  } catch { /* keep unknown */ }
  const nginxPath = which('nginx')
  const nginx = nginxPath ? (await run([nginxPath, '-v'], { allowFail: true })).stderr.trim().replace(/^nginx version:\s*/, '') : null
  const wrkPath = which('wrk')
  const wrk = wrkPath ? ((await run([wrkPath, '--version'], { allowFail: true })).stdout.split('\n')[0].match(/^wrk\s+(\S+)/)?.[1] ?? 'present') : null
  const commit = await sourceCommit()
  return {
    commit,
    cpu: cpuModel, cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), filesystem,
    bun: Bun.version, nginx, wrk, date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  }
}

/** Load averages at this moment (1/5/15 min), to show how busy the shared machine was. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  } catch {
    return 'n/a'
  }
}

export const KiB = 2 ** 10
export const MiB = 2 ** 20
export const GiB = 2 ** 30

/** CPU seconds (user + system) used so far by a process and, optionally, its direct children. */
export function cpuSeconds(pid: number, withChildren = false): number {
  const read = (p: number | string) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8')
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ')
      return { ppid: Number(rest[1]), cpu: (Number(rest[11]) + Number(rest[12])) / 100 }
    } catch {
      return null
    }
  }
  let total = read(pid)?.cpu ?? 0
  if (withChildren) {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue
      const s = read(name)
      if (s && s.ppid === pid) total += s.cpu
    }
  }
  return total
}
