/** Benchmark knobs, all from the environment so `npm run bench` needs no arguments. */

function num(name: string, def: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return def
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`)
  return n
}

function list(name: string, def: number[]): number[] {
  const raw = process.env[name]
  if (!raw) return def
  return raw.split(',').map((s) => {
    const n = Number(s.trim())
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a comma-separated list of positive integers, got ${JSON.stringify(raw)}`)
    return n
  })
}

export const SECTIONS = ['get', 'put', 'large', 'list', 'memory'] as const
export type Section = (typeof SECTIONS)[number]

function sections(): Set<Section> {
  const raw = process.env.BENCH_ONLY
  if (!raw) return new Set(SECTIONS)
  const want = raw.split(',').map((s) => s.trim()).filter(Boolean)
  for (const w of want) if (!(SECTIONS as readonly string[]).includes(w)) throw new Error(`BENCH_ONLY: unknown section ${JSON.stringify(w)} (known: ${SECTIONS.join(', ')})`)
  return new Set(want as Section[])
}

export const config = {
  /** Duration of each load point (CloudStorage and its reference each run this long). */
  seconds: num('BENCH_SECONDS', 10),
  /** Concurrent connections (wrk) / workers (raw loop). */
  connections: list('BENCH_CONNECTIONS', [16, 64]),
  /** A/B rounds per point; the reported ratio is the median of the per-round ratios. */
  rounds: num('BENCH_ROUNDS', 1),
  /** Size of the single-stream GET object, in GiB. */
  largeGiB: num('BENCH_LARGE_GIB', 1),
  /** Size of the streaming upload/download in the memory section, in GiB. */
  bigGiB: num('BENCH_BIG_GIB', 5),
  /** Bucket sizes for the listing section. */
  listKeys: list('BENCH_LIST_KEYS', [1_000, 10_000, 100_000]),
  /** Where the server's data dir and the raw-loop dir are created (same filesystem for both). */
  dataRoot: process.env.BENCH_DATA_ROOT || undefined,
  sections: sections(),
  /** wrk threads: one per core is wrk's own advice; the server shares the same cores. */
  wrkThreads: num('BENCH_WRK_THREADS', 2),
  /** Where the markdown report goes. */
  resultsPath: process.env.BENCH_RESULTS || new URL('../results.md', import.meta.url).pathname,
}

export type BenchConfig = typeof config
