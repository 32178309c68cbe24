/**
 * `npm run bench`: CloudStorage against references measured in the same run (nginx for GET,
 * a raw fsync loop for PUT, cat for a large read), plus listing and memory figures. Not a
 * test: it reports, it does not judge the build. Knobs (environment):
 *
 *   BENCH_SECONDS=10          duration of each load point (each side of an A/B pair)
 *   BENCH_CONNECTIONS=16,64   concurrent connections / workers
 *   BENCH_ROUNDS=1            A/B rounds per point (median ratio reported)
 *   BENCH_LARGE_GIB=1         single-stream GET object size
 *   BENCH_BIG_GIB=5           streaming upload/download size for the memory figures
 *   BENCH_LIST_KEYS=1000,10000,100000   bucket sizes for the listing figures
 *   BENCH_ONLY=get,put,large,list,memory  run only these sections
 *   BENCH_DATA_ROOT=/path     where data dirs go (default: the OS temp dir)
 *   BENCH_WRK_THREADS=2       wrk threads
 *   BENCH_RESULTS=bench/results.md      where the markdown report is written
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { tmpdir } from 'node:os'
import { config, type Section } from './lib/config'
import { loadAverage, machineInfo, sourceCommit, which } from './lib/sys'
import { markdown, printSummary, Report } from './lib/report'
import { NGINX_HINT } from './lib/nginx'
import { WRK_HINT } from './lib/wrk'
import { getSmall } from './sections/get-small'
import { putSmall } from './sections/put-small'
import { largeGet } from './sections/large-get'
import { listing } from './sections/list'
import { memory } from './sections/memory'

const SECTIONS: Array<{ id: Section; title: string; run: typeof getSmall }> = [
  { id: 'get', title: 'GET small objects vs nginx', run: getSmall },
  { id: 'put', title: 'Durable PUT vs raw fsync loop', run: putSmall },
  { id: 'large', title: 'Single-stream GET of a large object', run: largeGet },
  { id: 'list', title: 'ListObjectsV2 page time by bucket size', run: listing },
  { id: 'memory', title: 'Memory: idle RSS and streaming', run: memory },
]

const report = new Report()
const machine = await machineInfo(config.dataRoot ?? tmpdir())
const loadBefore = loadAverage()
console.log(`CloudStorage benchmark — ${machine.date}, server source ${process.env.BENCH_SERVER_ROOT ?? `commit ${machine.commit}`}`)
console.log(`${machine.cpu}, ${machine.cores} cores, kernel ${machine.kernel}, ${machine.filesystem}, bun ${machine.bun}, load ${loadBefore}`)
if (!which('wrk')) console.log(`!! ${WRK_HINT}`)
if (!which('nginx')) console.log(`!! ${NGINX_HINT}`)
if (!which('curl')) console.log('!! curl not found: install it with `apt-get install -y curl`; the large GET and streaming download are skipped')

const settings = [
  `BENCH_SECONDS=${config.seconds}`, `BENCH_CONNECTIONS=${config.connections.join(',')}`, `BENCH_ROUNDS=${config.rounds}`,
  `BENCH_LARGE_GIB=${config.largeGiB}`, `BENCH_BIG_GIB=${config.bigGiB}`, `BENCH_LIST_KEYS=${config.listKeys.join(',')}`,
  `wrk threads ${config.wrkThreads}`, `sections ${[...config.sections].join(',')}`,
]

for (const s of SECTIONS) {
  if (!config.sections.has(s.id)) continue
  console.log(`\n=== ${s.title} ===`)
  const t = performance.now()
  try {
    await s.run(config, report)
  } catch (e) {
    report.fail(s.id, e)
  }
  console.log(`  (${((performance.now() - t) / 1000).toFixed(0)} s)`)
}

// Each section starts its own server from the tree as it is then: say so if it moved meanwhile.
const endCommit = await sourceCommit()
if (endCommit !== machine.commit) machine.commit = `${machine.commit} at the start, ${endCommit} at the end (the tree changed during the run)`

printSummary(report)
const METHOD = [
  'Each load point runs CloudStorage and then its reference for the same duration, back to back; with BENCH_ROUNDS > 1 the pairs repeat and the median ratio is reported. Ratios are the figures to read: absolute numbers move with the machine.',
  'GET: wrk (2 threads) cycles through presigned GET URLs (1,000 distinct 4 KiB objects, 100 distinct 1 MiB objects), so the load generator never signs. nginx (Debian package, `worker_processes auto`, sendfile, access log on, as Debian ships it) serves the same bytes from a temp directory at the same paths; it is started in the foreground with a throwaway config, no system daemon. wrk, the server and nginx share the same cores.',
  'PUT: wrk sends presigned PUTs, one fresh key per request (a presigned pool sized from a warm-up), and stamps a counter into each body so no two bodies are identical (CloudStorage deduplicates identical content). The reference is bench/raw-put.ts: the same number of concurrent async workers doing open → write → fdatasync → close → rename → fsync(dir) with node:fs/promises in a separate Bun process, on the same filesystem as the data dir.',
  'CPU/req: user + system CPU of the server process (nginx: master + workers; raw loop: its own process) during the run, divided by requests. It is less sensitive to a busy machine than req/s and shows the per-request cost directly.',
  'Large GET: one curl stream to /dev/null, CloudStorage (presigned) vs nginx vs `cat` of the stored blob file, alternated and timed from outside (process start included), median of 3; the page cache is warm for all three.',
  'Listing: keys `d<i mod 10>/key-<i>` created through @aws-sdk/client-s3 (64 in flight); each page is a presigned GET timed to the last byte, 3 warm-ups then the median of 20. "Independent of bucket size" is read as the largest bucket\'s page within 1.5× of the smallest\'s.',
  'Memory: VmRSS of the server from /proc/<pid>/status after 3 s idle; during the streaming upload (a generated body, never buffered) and download (curl) VmRSS is sampled every 200 ms and VmHWM is reset and read; growth = peak − idle. MB = 10^6 bytes.',
  'The machine is shared with other engineers running test suites, so absolute figures are noisy; the load average before and after the run is recorded above.',
]
const md = markdown(report, machine, settings, { before: loadBefore, after: loadAverage() }, METHOD)
mkdirSync(dirname(config.resultsPath), { recursive: true })
writeFileSync(config.resultsPath, md)
console.log(`\nwrote ${config.resultsPath}`)
process.exit(report.failures.length ? 1 : 0)
