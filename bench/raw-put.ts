/**
 * The PUT reference: the durability protocol alone, with no HTTP, hashing or database.
 * N concurrent async workers each loop: open a temp file → write → fdatasync → close →
 * rename into the target dir → fsync(dir). Run as its own process (like the server) by
 * bench/sections/put.ts; prints one JSON line.
 *
 *   bun bench/raw-put.ts <dir> <bytes> <workers> <seconds>
 */
import { mkdirSync } from 'node:fs'
import { open, rename } from 'node:fs/promises'
import { join } from 'node:path'

const [dir, bytesArg, workersArg, secondsArg] = process.argv.slice(2)
const bytes = Number(bytesArg)
const workers = Number(workersArg)
const seconds = Number(secondsArg)
if (!dir || !(bytes > 0) || !(workers > 0) || !(seconds > 0)) {
  console.error('usage: bun bench/raw-put.ts <dir> <bytes> <workers> <seconds>')
  process.exit(2)
}

const tmpDir = join(dir, 'tmp')
const finalDir = join(dir, 'final')
mkdirSync(tmpDir, { recursive: true })
mkdirSync(finalDir, { recursive: true })

async function fsyncDir(path: string) {
  const fh = await open(path, 'r')
  try { await fh.sync() } finally { await fh.close() }
}

const latencies: number[] = []
let ops = 0
const started = performance.now()
const cpuStart = process.cpuUsage()
const deadline = started + seconds * 1000

async function worker(w: number) {
  // Each worker writes its own buffer; the first bytes differ per op like real uploads.
  const buf = Buffer.alloc(bytes, 0x78)
  for (let n = 0; performance.now() < deadline; n++) {
    const t0 = performance.now()
    buf.write(`${w.toString(16).padStart(8, '0')}${n.toString(16).padStart(8, '0')}`, 0, 'latin1')
    const name = `w${w}-${n}`
    const tmp = join(tmpDir, name)
    const fh = await open(tmp, 'wx', 0o600)
    let off = 0
    while (off < bytes) off += (await fh.write(buf, off, bytes - off)).bytesWritten
    await fh.datasync()
    await fh.close()
    await rename(tmp, join(finalDir, name))
    await fsyncDir(finalDir)
    latencies.push(performance.now() - t0)
    ops++
  }
}

await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)))
const elapsed = (performance.now() - started) / 1000
latencies.sort((a, b) => a - b)
const pct = (p: number) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : 0
const cpu = process.cpuUsage(cpuStart)
console.log(JSON.stringify({ ops, seconds: elapsed, p50: pct(50), p99: pct(99), cpuSeconds: (cpu.user + cpu.system) / 1e6 }))
