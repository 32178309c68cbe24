import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { BenchConfig } from '../lib/config'
import { benchTempDir, putMany, startCloudStorage } from '../lib/cloudstorage'
import { NGINX_HINT, startNginx, type Nginx } from '../lib/nginx'
import { atLeast, fmt, median, type Report } from '../lib/report'
import { KiB, MiB, which } from '../lib/sys'
import { runWrk, WRK_HINT, type LoadResult } from '../lib/wrk'

const SIZES = [
  { label: '4 KiB', bytes: 4 * KiB, count: 1000, target: 0.5 },
  { label: '1 MiB', bytes: MiB, count: 100, target: 0.8 },
]

export const describeLoad = (r: LoadResult, showMiB: boolean) =>
  `${fmt.n(r.reqPerSec)} req/s${showMiB ? `, ${fmt.n(r.mibPerSec, 1)} MiB/s` : ''}, p50 ${fmt.ms(r.p50)} ms, p99 ${fmt.ms(r.p99)} ms${r.cpuPerReqUs !== null ? `, ${fmt.n(r.cpuPerReqUs)} µs CPU/req` : ''}${r.errors ? `, ERRORS ${r.errorDetail}` : ''}`

/**
 * GET 4 KiB and 1 MiB at each concurrency: CloudStorage through presigned URLs against nginx
 * serving the same bytes at the same paths, A then B per round.
 */
export async function getSmall(cfg: BenchConfig, report: Report) {
  if (!which('wrk')) return report.note(WRK_HINT)
  const server = await startCloudStorage({ dataRoot: cfg.dataRoot })
  const root = benchTempDir('cs-bench-www-')
  let nginx: Nginx | null = null
  try {
    await server.createBucket('bench')
    const urls = new Map<string, string[]>()
    for (const s of SIZES) {
      const keys = Array.from({ length: s.count }, (_, i) => `get-${s.bytes}/obj-${String(i).padStart(5, '0')}`)
      const bodies = keys.map(() => randomBytes(s.bytes))
      console.log(`  uploading ${s.count} × ${s.label} objects…`)
      await putMany(server.s3, 'bench', keys, (i) => bodies[i], 16)
      mkdirSync(join(root, 'bench', `get-${s.bytes}`), { recursive: true })
      keys.forEach((k, i) => writeFileSync(join(root, 'bench', k), bodies[i]))
      urls.set(s.label, await server.presigner.many('GET', keys.map((k) => `bench/${k}`)))
    }
    if (which('nginx')) {
      try {
        nginx = await startNginx(root)
      } catch (e) {
        report.note(`nginx failed to start, GET reference skipped: ${(e as Error).message}`)
      }
    } else report.note(NGINX_HINT)

    const warm = Math.max(1, Math.min(3, Math.round(cfg.seconds / 5)))
    for (const s of SIZES) {
      const csUrls = urls.get(s.label)!
      const ngUrls = nginx ? csUrls.map((u) => { const x = new URL(u); return `${nginx!.url}${x.pathname}` }) : []
      // Check once that both serve the same bytes before timing anything.
      const probe = await fetch(csUrls[0])
      const probeBytes = new Uint8Array(await probe.arrayBuffer())
      if (probe.status !== 200 || probeBytes.byteLength !== s.bytes) throw new Error(`CloudStorage GET probe failed: ${probe.status}, ${probeBytes.byteLength} bytes`)
      if (nginx) {
        const n = new Uint8Array(await (await fetch(ngUrls[0])).arrayBuffer())
        if (Buffer.compare(Buffer.from(n), Buffer.from(probeBytes)) !== 0) throw new Error('nginx serves different bytes than CloudStorage')
      }
      // Warm-up: JIT, page cache, connection setup.
      await runWrk({ method: 'GET', urls: csUrls, connections: cfg.connections[0], seconds: warm, threads: cfg.wrkThreads, objectBytes: s.bytes })
      if (nginx) await runWrk({ method: 'GET', urls: ngUrls, connections: cfg.connections[0], seconds: warm, threads: cfg.wrkThreads, objectBytes: s.bytes })

      for (const c of cfg.connections) {
        const cs: LoadResult[] = []
        const ng: LoadResult[] = []
        const ratios: number[] = []
        for (let round = 0; round < cfg.rounds; round++) {
          const a = await runWrk({ method: 'GET', urls: csUrls, connections: c, seconds: cfg.seconds, threads: cfg.wrkThreads, objectBytes: s.bytes, server: { pid: server.pid } })
          cs.push(a)
          if (nginx) {
            const b = await runWrk({ method: 'GET', urls: ngUrls, connections: c, seconds: cfg.seconds, threads: cfg.wrkThreads, objectBytes: s.bytes, server: { pid: nginx.pid, withChildren: true } })
            ng.push(b)
            ratios.push(a.reqPerSec / b.reqPerSec)
          }
        }
        const pick = (rs: LoadResult[]) => rs.slice().sort((x, y) => x.reqPerSec - y.reqPerSec)[rs.length >> 1]
        const ratio = ratios.length ? median(ratios) : null
        for (const r of [...cs, ...ng]) if (r.errors) report.note(`GET ${s.label} c${c}: errors ${r.errorDetail}`)
        report.ratio({
          benchmark: `GET ${s.label}, ${c} conns`,
          subject: describeLoad(pick(cs), s.bytes >= MiB),
          reference: nginx ? `nginx: ${describeLoad(pick(ng), s.bytes >= MiB)}` : 'nginx: skipped',
          ratio, target: `≥ ${s.target}× nginx`, verdict: atLeast(ratio, s.target),
        })
      }
    }
  } finally {
    await nginx?.stop()
    await server.stop()
    rmSync(root, { recursive: true, force: true })
  }
}
