import { openSync, readdirSync, rmSync, statSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { BenchConfig } from '../lib/config'
import { benchTempDir, curlPut, startCloudStorage } from '../lib/cloudstorage'
import { NGINX_HINT, startNginx, type Nginx } from '../lib/nginx'
import { fmt, median, type Report } from '../lib/report'
import { GiB, MiB, which } from '../lib/sys'

/** Wall time of a command run to completion (process start included, as for every side). */
async function timed(cmd: string[]): Promise<number> {
  const t = performance.now()
  const p = Bun.spawn(cmd, { stdout: 'ignore', stderr: 'pipe' })
  const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited])
  if (code !== 0) throw new Error(`${cmd[0]} failed (${code}): ${err}`)
  return (performance.now() - t) / 1000
}

function largestFile(dir: string): string {
  let best = { path: '', size: -1 }
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else {
        const s = statSync(p).size
        if (s > best.size) best = { path: p, size: s }
      }
    }
  }
  walk(dir)
  return best.path
}

const curlGet = (url: string) => ['curl', '-sS', '-f', '-o', '/dev/null', url]

/**
 * One client streaming one large object: CloudStorage (presigned GET) against nginx serving the
 * same file and against reading the stored blob straight from the page cache with cat.
 */
export async function largeGet(cfg: BenchConfig, report: Report) {
  if (!which('curl')) return report.note('curl not found: install it with `apt-get install -y curl`; the large GET is skipped')
  const bytes = Math.round(cfg.largeGiB * GiB)
  const label = cfg.largeGiB >= 1 ? `${cfg.largeGiB} GiB` : `${fmt.n(bytes / MiB)} MiB`
  const server = await startCloudStorage({ dataRoot: cfg.dataRoot })
  const root = benchTempDir('cs-bench-www-', cfg.dataRoot)
  let nginx: Nginx | null = null
  try {
    await server.createBucket('bench')
    const file = join(root, 'bench', 'large.bin')
    Bun.spawnSync(['mkdir', '-p', join(root, 'bench')])
    const fd = openSync(file, 'w')
    try {
      const block = randomBytes(8 * MiB)
      for (let off = 0; off < bytes; off += block.byteLength) writeSync(fd, block, 0, Math.min(block.byteLength, bytes - off))
    } finally {
      closeSync(fd)
    }
    const tUp = performance.now()
    await curlPut(await server.presigner.url('PUT', 'bench/large.bin'), file)
    const upSeconds = (performance.now() - tUp) / 1000
    report.note(`large object upload (curl -T, presigned PUT, ${label}): ${fmt.n(bytes / MiB / upSeconds)} MiB/s including fsync and commit (no reference; informational)`)
    const blob = largestFile(join(server.dataDir, 'blobs'))
    if (statSync(blob).size !== bytes) throw new Error(`stored blob has ${statSync(blob).size} bytes, expected ${bytes}`)
    if (which('nginx')) nginx = await startNginx(root)
    else report.note(NGINX_HINT)

    const csUrl = await server.presigner.url('GET', 'bench/large.bin')
    const sides: Array<{ name: string; cmd: string[] }> = [
      { name: 'CloudStorage', cmd: curlGet(csUrl) },
      ...(nginx ? [{ name: 'nginx', cmd: curlGet(`${nginx.url}/bench/large.bin`) }] : []),
      { name: 'cat', cmd: ['sh', '-c', 'cat "$0" > /dev/null', blob] },
    ]
    // Warm the page cache and each server once, then alternate A B C, A B C, … and take medians.
    for (const s of sides) await timed(s.cmd)
    const times = new Map<string, number[]>(sides.map((s) => [s.name, []]))
    const reps = Math.max(3, cfg.rounds)
    for (let i = 0; i < reps; i++) for (const s of sides) times.get(s.name)!.push(await timed(s.cmd))
    const rate = (name: string) => bytes / MiB / median(times.get(name)!)
    const cs = rate('CloudStorage')
    const describe = (name: string) => `${fmt.n(rate(name))} MiB/s (${median(times.get(name)!).toFixed(2)} s)`
    if (nginx) {
      report.ratio({ benchmark: `GET ${label} single stream`, subject: describe('CloudStorage'), reference: `nginx: ${describe('nginx')}`, ratio: cs / rate('nginx'), target: '—', verdict: '' })
    }
    report.ratio({ benchmark: `GET ${label} single stream`, subject: describe('CloudStorage'), reference: `cat (page cache): ${describe('cat')}`, ratio: cs / rate('cat'), target: '—', verdict: '' })
  } finally {
    await nginx?.stop()
    await server.stop()
    rmSync(root, { recursive: true, force: true })
  }
}
