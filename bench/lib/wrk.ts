import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { benchTempDir } from './cloudstorage'
import { cpuSeconds, which } from './sys'

export const WRK_HINT = 'wrk not found: install it with `apt-get install -y wrk`; the GET/PUT load points are skipped'

export interface LoadResult {
  requests: number
  seconds: number
  reqPerSec: number
  mibPerSec: number
  /** Latency percentiles in milliseconds (wrk measures each request from write to full response). */
  p50: number
  p99: number
  errors: number
  errorDetail: string
  /** PUT only: the presigned key pool ran out and keys were reused (overwrites). */
  wrapped?: boolean
  /** Server CPU (user + system) per request in microseconds, when a server pid was given. */
  cpuPerReqUs: number | null
}

const luaString = (s: string) => {
  if (/["\\\n\r]/.test(s)) throw new Error(`unexpected character in ${s}`)
  return `"${s}"`
}

// done() prints one machine-readable line; wrk's own report is parsed for nothing.
const DONE = `
function done(summary, latency, requests)
  local e = summary.errors
  local wrapped = 0
  for _, t in ipairs(threads) do wrapped = wrapped + (t:get("wrapped") or 0) end
  io.write(string.format('BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p99":%d,"wrapped":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), wrapped))
end
`

/**
 * GET: each thread cycles through the URL list from its own offset.
 * PUT: threads take disjoint slices of a pool of presigned URLs (one new key per request) and
 * stamp a counter into the body so no two PUTs carry the same bytes (no content dedup).
 */
function script(method: 'GET' | 'PUT', pathsFile: string, bodyBytes: number, threads: number): string {
  const head = `
local threads = {}
local nthreads = 0
function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
  table.insert(threads, thread)
end
local paths = {}
for line in io.lines(${luaString(pathsFile)}) do paths[#paths + 1] = line end
local n = #paths
local i = 0
`
  if (method === 'GET') {
    return head + `
function init(args)
  i = (tid or 0) * math.floor(n / ${threads})
end
function request()
  i = i + 1
  if i > n then i = 1 end
  return wrk.format("GET", paths[i])
end
` + DONE
  }
  return head + `
local tail = string.rep("x", ${bodyBytes - 16})
local stride = ${threads}
function init(args)
  i = (tid or 0) + 1 - stride
  wrapped = 0
end
local seq = 0
function request()
  i = i + stride
  if i > n then
    i = (tid or 0) + 1
    wrapped = 1
  end
  seq = seq + 1
  local body = string.format("%08x%08x", tid or 0, seq) .. tail
  return wrk.format("PUT", paths[i], nil, body)
end
` + DONE
}

/** Runs wrk for `seconds` against the origin of `urls[0]`, cycling through the URLs' paths. */
export async function runWrk(opts: { method: 'GET' | 'PUT'; urls: string[]; connections: number; seconds: number; threads: number; objectBytes: number; server?: { pid: number; withChildren?: boolean } }): Promise<LoadResult> {
  const wrk = which('wrk')
  if (!wrk) throw new Error(WRK_HINT)
  const dir = benchTempDir('cs-bench-wrk-')
  try {
    const origin = new URL(opts.urls[0]).origin
    const pathsFile = join(dir, 'paths.txt')
    writeFileSync(pathsFile, opts.urls.map((u) => { const x = new URL(u); return x.pathname + x.search }).join('\n') + '\n')
    const lua = join(dir, 'bench.lua')
    const threads = Math.min(opts.threads, opts.connections)
    writeFileSync(lua, script(opts.method, pathsFile, opts.objectBytes, threads))
    const cpu0 = opts.server ? cpuSeconds(opts.server.pid, opts.server.withChildren) : 0
    const p = Bun.spawn([wrk, '-t', String(threads), '-c', String(opts.connections), '-d', `${opts.seconds}s`, '--timeout', '60s', '-s', lua, origin + '/'], { stdout: 'pipe', stderr: 'pipe' })
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
    const cpu = opts.server ? cpuSeconds(opts.server.pid, opts.server.withChildren) - cpu0 : null
    const m = /BENCH_JSON (\{.*\})/.exec(out)
    if (code !== 0 || !m) throw new Error(`wrk failed (${code}):\n${out}\n${err}`)
    const j = JSON.parse(m[1])
    const seconds = j.duration_us / 1e6
    const errs: string[] = []
    for (const k of ['connect', 'read', 'write', 'status', 'timeout']) if (j[k]) errs.push(`${k}=${j[k]}`)
    // Payload throughput (object bytes of successful requests), comparable across servers
    // whose response headers differ in size.
    const payload = opts.objectBytes * (j.requests - j.status)
    return {
      requests: j.requests, seconds, reqPerSec: j.requests / seconds, mibPerSec: payload / seconds / 2 ** 20,
      p50: j.p50 / 1000, p99: j.p99 / 1000,
      errors: j.connect + j.read + j.write + j.status + j.timeout, errorDetail: errs.join(' '),
      wrapped: j.wrapped > 0,
      cpuPerReqUs: cpu !== null && j.requests > 0 ? (cpu / j.requests) * 1e6 : null,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
