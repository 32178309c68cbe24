import type { BenchConfig } from '../lib/config'
import { startCloudStorage, type BenchServer } from '../lib/cloudstorage'
import { fmt, type Report } from '../lib/report'
import { GiB, MiB, peakRssOf, resetPeakRss, rssOf, sampleRss, which } from '../lib/sys'

const MB = 1e6
const IDLE_TARGET = 120 * MB
const STREAM_TARGET = 64 * MB

/** A body of `bytes` generated on the fly: the same 1 MiB chunk enqueued again and again. */
function generatedBody(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(MiB).fill(0x61)
  let sent = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close()
      const n = Math.min(chunk.byteLength, bytes - sent)
      controller.enqueue(n === chunk.byteLength ? chunk : chunk.subarray(0, n))
      sent += n
    },
  }, { highWaterMark: 0 })
}

async function measured(server: BenchServer, what: () => Promise<void>) {
  const resetOk = resetPeakRss(server.pid)
  const before = rssOf(server.pid)!
  const sampler = sampleRss(server.pid, 200)
  const t = performance.now()
  await what()
  const seconds = (performance.now() - t) / 1000
  const { max, samples } = sampler.stop()
  const hwm = resetOk ? peakRssOf(server.pid) : null
  return { before, peak: Math.max(max, hwm ?? 0), sampledPeak: max, hwm, samples, seconds }
}

/**
 * Idle RSS of a fresh server, then RSS growth (peak − idle) during a streaming upload and a
 * streaming download of BENCH_BIG_GIB, sampled every 200 ms from /proc/<pid>/status (VmRSS),
 * cross-checked with VmHWM when the kernel lets us reset it.
 */
export async function memory(cfg: BenchConfig, report: Report) {
  const bytes = Math.round(cfg.bigGiB * GiB)
  const label = `${cfg.bigGiB} GiB`
  const server = await startCloudStorage({ dataRoot: cfg.dataRoot })
  try {
    await Bun.sleep(3000) // let start-up work settle
    const idle = rssOf(server.pid)!
    report.ratio({
      benchmark: 'Idle RSS after start', subject: `${fmt.n(idle / MB, 1)} MB`, reference: '—', ratio: null,
      target: '≤ 120 MB', verdict: idle <= IDLE_TARGET ? 'PASS' : 'BELOW',
    })
    await server.createBucket('bench')

    const putUrl = await server.presigner.url('PUT', 'bench/big.bin')
    const up = await measured(server, async () => {
      const r = await fetch(putUrl, { method: 'PUT', body: generatedBody(bytes), headers: { 'content-length': String(bytes) } })
      const text = await r.text()
      if (r.status !== 200) throw new Error(`streaming PUT answered ${r.status}: ${text.slice(0, 300)}`)
    })
    const upGrowth = up.peak - idle
    report.ratio({
      benchmark: `RSS growth, ${label} streaming upload`,
      subject: `+${fmt.n(upGrowth / MB, 1)} MB (peak ${fmt.n(up.peak / MB, 1)} MB; ${fmt.n(bytes / MiB / up.seconds)} MiB/s)`,
      reference: `idle ${fmt.n(idle / MB, 1)} MB`, ratio: null,
      target: '≤ 64 MB', verdict: upGrowth <= STREAM_TARGET ? 'PASS' : 'BELOW',
    })

    if (!which('curl')) {
      report.note('curl not found: install it with `apt-get install -y curl`; the streaming download is skipped')
      return
    }
    const getUrl = await server.presigner.url('GET', 'bench/big.bin')
    const down = await measured(server, async () => {
      const p = Bun.spawn(['curl', '-sS', '-f', '-o', '/dev/null', '-w', '%{size_download}', getUrl], { stdout: 'pipe', stderr: 'pipe' })
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
      if (code !== 0 || Number(out) !== bytes) throw new Error(`streaming GET failed (${code}, ${out} bytes): ${err}`)
    })
    const downGrowth = down.peak - idle
    report.ratio({
      benchmark: `RSS growth, ${label} streaming download`,
      subject: `+${fmt.n(downGrowth / MB, 1)} MB (peak ${fmt.n(down.peak / MB, 1)} MB; ${fmt.n(bytes / MiB / down.seconds)} MiB/s)`,
      reference: `idle ${fmt.n(idle / MB, 1)} MB`, ratio: null,
      target: '≤ 64 MB (as upload)', verdict: downGrowth <= STREAM_TARGET ? 'PASS' : 'BELOW',
    })
    report.note(`memory: RSS sampled every 200 ms (${up.samples} samples during the upload, ${down.samples} during the download)${up.hwm !== null ? ', peak cross-checked with VmHWM reset through /proc/<pid>/clear_refs' : ''}; MB = 10^6 bytes`)
  } finally {
    await server.stop()
  }
}
