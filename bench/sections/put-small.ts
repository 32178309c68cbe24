import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchConfig } from '../lib/config'
import { benchTempDir, startCloudStorage, type BenchServer } from '../lib/cloudstorage'
import { atLeast, fmt, median, type Report } from '../lib/report'
import { KiB, MiB, which } from '../lib/sys'
import { runWrk, WRK_HINT, type LoadResult } from '../lib/wrk'
import { describeLoad } from './get-small'

const SIZES = [
  { label: '4 KiB', bytes: 4 * KiB, target: 0.7 as number | null },
  { label: '1 MiB', bytes: MiB, target: null as number | null },
]

interface RawResult { ops: number; seconds: number; p50: number; p99: number; cpuSeconds: number }

/** The reference: bench/raw-put.ts in its own process, on the server's filesystem. */
async function rawLoop(cfg: BenchConfig, bytes: number, workers: number, env: Record<string, string> = {}, seconds = cfg.seconds): Promise<RawResult> {
  const dir = benchTempDir('cs-bench-raw-', cfg.dataRoot)
  try {
    const p = Bun.spawn([process.execPath, join(import.meta.dir, '../raw-put.ts'), dir, String(bytes), String(workers), String(seconds)], {
      stdout: 'pipe', stderr: 'pipe', env: { ...(process.env as Record<string, string>), ...env },
    })
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
    if (code !== 0) throw new Error(`raw-put failed (${code}): ${err}`)
    return JSON.parse(out.trim().split('\n').pop()!)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const describeRaw = (r: RawResult, bytes: number) =>
  `${fmt.n(r.ops / r.seconds)} ops/s${bytes >= MiB ? `, ${fmt.n((r.ops * bytes) / r.seconds / MiB, 1)} MiB/s` : ''}, p50 ${fmt.ms(r.p50)} ms, p99 ${fmt.ms(r.p99)} ms, ${fmt.n((r.cpuSeconds / Math.max(1, r.ops)) * 1e6)} µs CPU/op`

let poolSeq = 0
/** Presigned PUT URLs for `n` keys no run has used yet. */
async function pool(server: BenchServer, bytes: number, n: number): Promise<string[]> {
  const run = poolSeq++
  const keys = Array.from({ length: n }, (_, i) => `bench/put-${bytes}/run-${run}/obj-${String(i).padStart(7, '0')}`)
  return server.presigner.many('PUT', keys)
}

/**
 * Durable PUT 4 KiB and 1 MiB at each concurrency: CloudStorage through presigned PUT URLs
 * (one new key per request) against the raw write+fdatasync+rename+fsync(dir) loop.
 */
export async function putSmall(cfg: BenchConfig, report: Report) {
  if (!which('wrk')) return report.note(WRK_HINT)
  const server = await startCloudStorage({ dataRoot: cfg.dataRoot })
  try {
    await server.createBucket('bench')
    const warm = Math.max(2, Math.min(3, Math.round(cfg.seconds / 5)))
    for (const s of SIZES) {
      // Warm-up that also sizes the key pools: every timed request must get a fresh key.
      const warmPool = await pool(server, s.bytes, s.bytes >= MiB ? 2000 : 20000)
      const w = await runWrk({ method: 'PUT', urls: warmPool, connections: cfg.connections[cfg.connections.length - 1], seconds: warm, threads: cfg.wrkThreads, objectBytes: s.bytes })
      if (w.errors) throw new Error(`PUT ${s.label} warm-up: ${w.errorDetail}`)
      // The best rate seen so far, with a wide margin: the warm-up still includes JIT warm-up,
      // and a run at higher concurrency can be several times faster.
      let bestRate = w.reqPerSec
      const poolSize = () => Math.ceil(Math.max(s.bytes >= MiB ? 1000 : 4000, bestRate * cfg.seconds * 3))
      console.log(`  PUT ${s.label}: warm-up ${fmt.n(w.reqPerSec)} req/s, presigning at least ${fmt.n(poolSize())} keys per run…`)
      await rawLoop(cfg, s.bytes, cfg.connections[0], {}, warm) // the reference gets a warm-up too

      for (const c of cfg.connections) {
        const cs: LoadResult[] = []
        const raw: RawResult[] = []
        const ratios: number[] = []
        for (let round = 0; round < cfg.rounds; round++) {
          const urls = await pool(server, s.bytes, poolSize())
          const a = await runWrk({ method: 'PUT', urls, connections: c, seconds: cfg.seconds, threads: cfg.wrkThreads, objectBytes: s.bytes, server: { pid: server.pid } })
          bestRate = Math.max(bestRate, a.reqPerSec)
          if (a.wrapped) report.note(`PUT ${s.label} c${c}: the presigned key pool (${urls.length}) ran out, so some requests overwrote keys`)
          if (a.errors) report.note(`PUT ${s.label} c${c}: errors ${a.errorDetail}`)
          const b = await rawLoop(cfg, s.bytes, c)
          cs.push(a)
          raw.push(b)
          ratios.push(a.reqPerSec / (b.ops / b.seconds))
        }
        const ratio = median(ratios)
        const a = cs.slice().sort((x, y) => x.reqPerSec - y.reqPerSec)[cs.length >> 1]
        const b = raw.slice().sort((x, y) => x.ops / x.seconds - y.ops / y.seconds)[raw.length >> 1]
        report.ratio({
          benchmark: `PUT ${s.label} durable, ${c} conns`,
          subject: describeLoad(a, s.bytes >= MiB),
          reference: `raw fsync loop: ${describeRaw(b, s.bytes)}`,
          ratio, target: s.target !== null ? `≥ ${s.target}× raw` : '—', verdict: s.target !== null ? atLeast(ratio, s.target) : '',
        })
        if (s.target !== null && !process.env.UV_THREADPOOL_SIZE) {
          // Bun runs async fs calls (fsync included) on a pool of one thread per core, so N
          // workers still have at most one fsync per core in flight. Show what a pool as wide as
          // the concurrency gives the same loop (both sides above ran with the default pool).
          const wide = await rawLoop(cfg, s.bytes, c, { UV_THREADPOOL_SIZE: String(c) })
          report.note(`PUT ${s.label} c${c}: the raw loop with UV_THREADPOOL_SIZE=${c} (instead of Bun's default of one I/O thread per core, ${navigator.hardwareConcurrency} here) does ${describeRaw(wide, s.bytes)}, ${fmt.ratio((wide.ops / wide.seconds) / (b.ops / b.seconds))} the default-pool loop`)
        }
      }
    }
  } finally {
    await server.stop()
  }
}
