import type { BenchConfig } from '../lib/config'
import { putMany, startCloudStorage } from '../lib/cloudstorage'
import { fmt, median, type Report } from '../lib/report'

/** Key i lives in one of 10 "directories", so a delimiter listing always has 10 prefixes. */
const keyOf = (i: number) => `d${i % 10}/key-${String(i).padStart(7, '0')}`
const DIRS = 10
const REPS = 20
const WARMUP = 3
const EMPTY = new Uint8Array(0)

interface PageTiming { median: number; p90: number; entries: number }

interface Probe { url: string; count: (xml: string) => number; ms: number[]; entries: number }

async function timeOnce(p: Probe, record: boolean) {
  const t = performance.now()
  const r = await fetch(p.url)
  const xml = await r.text()
  const ms = performance.now() - t
  if (r.status !== 200) throw new Error(`ListObjectsV2 answered ${r.status}: ${xml.slice(0, 300)}`)
  if (record) {
    p.ms.push(ms)
    p.entries = p.count(xml)
  }
}

function summary(p: Probe): PageTiming {
  const ms = [...p.ms].sort((a, b) => a - b)
  return { median: median(ms), p90: ms[Math.floor(ms.length * 0.9)], entries: p.entries }
}

const countOf = (tag: string) => (xml: string) => xml.split(`<${tag}>`).length - 1

/**
 * ListObjectsV2 page time as the bucket grows: the first page of 1000 keys, and a delimiter
 * listing (10 CommonPrefixes over the whole bucket). Constant time means the listing seeks by
 * key instead of scanning the bucket.
 */
export async function listing(cfg: BenchConfig, report: Report) {
  const sizes = [...new Set(cfg.listKeys)].sort((a, b) => a - b)
  const server = await startCloudStorage({ dataRoot: cfg.dataRoot })
  try {
    // One bucket per size, all kept, so the pages can be timed interleaved (1k, 10k, 100k, 1k, …)
    // and a drift in machine load hits every size alike.
    const buckets: Array<{ n: number; name: string; createRate: number; plain: Probe; delim: Probe; prefix: Probe }> = []
    for (const n of sizes) {
      const name = `listing-${n}`
      await server.createBucket(name)
      const keys = Array.from({ length: n }, (_, i) => keyOf(i))
      console.log(`  creating ${fmt.n(n)} keys in ${name} (SDK PutObject, 64 in flight)…`)
      const t = performance.now()
      await putMany(server.s3, name, keys, () => EMPTY, 64, (done) => {
        if (done % 10_000 === 0) console.log(`    ${fmt.n(done)} keys`)
      })
      const createRate = n / ((performance.now() - t) / 1000)
      const probe = async (query: string, count: (xml: string) => number): Promise<Probe> => ({ url: await server.presigner.url('GET', `${name}?${query}`), count, ms: [], entries: 0 })
      buckets.push({
        n, name, createRate,
        plain: await probe('list-type=2&max-keys=1000', countOf('Key')),
        delim: await probe('list-type=2&max-keys=1000&delimiter=%2F', countOf('CommonPrefixes')),
        prefix: await probe(`list-type=2&max-keys=1000&prefix=d7%2F&start-after=${encodeURIComponent(keyOf(7))}`, countOf('Key')),
      })
    }
    for (let rep = 0; rep < WARMUP + REPS; rep++) {
      for (const b of buckets) for (const p of [b.plain, b.delim, b.prefix]) await timeOnce(p, rep >= WARMUP)
    }
    const results = buckets.map((b) => ({ n: b.n, plain: summary(b.plain), delim: summary(b.delim), prefix: summary(b.prefix), createRate: b.createRate }))
    for (const r of results) console.log(`  ${fmt.n(r.n)} keys: page ${fmt.ms(r.plain.median)} ms, delimiter ${fmt.ms(r.delim.median)} ms, prefix+start-after ${fmt.ms(r.prefix.median)} ms`)
    type R = (typeof results)[number]
    // Compare the largest bucket with the smallest one whose page has as many entries.
    const pair = (pick: (r: R) => PageTiming): [R, R] | null => {
      const b = results[results.length - 1]
      const a = results.find((r) => pick(r).entries === pick(b).entries)
      return a && a !== b ? [a, b] : null
    }
    const row = (name: string, pick: (r: R) => PageTiming) => {
      const p = pair(pick)
      return [
        name,
        ...results.map((r) => `${fmt.ms(pick(r).median)} ms (p90 ${fmt.ms(pick(r).p90)}; ${fmt.n(pick(r).entries)} entries)`),
        p ? `${(pick(p[1]).median / pick(p[0]).median).toFixed(2)}× (vs ${fmt.n(p[0].n)})` : '—',
      ]
    }
    report.table({
      title: `ListObjectsV2 page time by bucket size (presigned GET timed to the last byte; buckets timed in turn, ${WARMUP} warm-ups then the median of ${REPS})`,
      head: ['Listing', ...results.map((r) => `${fmt.n(r.n)} keys`), 'largest / smallest with equal entries'],
      rows: [
        row('max-keys=1000, from the start', (r) => r.plain),
        row(`delimiter=/ (${DIRS} CommonPrefixes)`, (r) => r.delim),
        row('prefix=d7/ + start-after, max-keys=1000', (r) => r.prefix),
      ],
    })
    // "Independent of bucket size": the largest bucket's page within 1.5× of the smallest's.
    for (const [name, pick] of [['ListObjectsV2 page (max-keys 1000)', (r: R) => r.plain], ['ListObjectsV2 delimiter page', (r: R) => r.delim]] as const) {
      const p = pair(pick)
      if (!p) continue
      const [a, b] = p
      const ratio = pick(b).median / pick(a).median
      report.ratio({
        benchmark: `${name}, ${fmt.n(b.n)} vs ${fmt.n(a.n)} keys`,
        subject: `${fmt.ms(pick(b).median)} ms/page at ${fmt.n(b.n)} keys`,
        reference: `${fmt.ms(pick(a).median)} ms/page at ${fmt.n(a.n)} keys`,
        ratio, target: '≤ 1.5× (size-independent)', verdict: ratio <= 1.5 ? 'PASS' : 'BELOW',
      })
    }
    report.note(`listing keys were created through @aws-sdk/client-s3 PutObject (empty bodies, 64 in flight) at ${results.map((r) => `${fmt.n(r.createRate)}/s`).join(', ')}`)
  } finally {
    await server.stop()
  }
}
