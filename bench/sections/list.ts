import type { BenchConfig } from '../lib/config'
import { putMany, startCloudStorage } from '../lib/cloudstorage'
import { fmt, median, type Report } from '../lib/report'

/** Key i lives in one of 10 "directories", so a delimiter listing always has 10 prefixes. */
const keyOf = (i: number) => `d${i % 10}/key-${String(i).padStart(7, '0')}`
const DIRS = 10
const REPS = 20
const EMPTY = new Uint8Array(0)

interface PageTiming { median: number; p90: number; entries: number }

async function timePage(url: string, count: (xml: string) => number): Promise<PageTiming> {
  const one = async () => {
    const t = performance.now()
    const r = await fetch(url)
    const xml = await r.text()
    const ms = performance.now() - t
    if (r.status !== 200) throw new Error(`ListObjectsV2 answered ${r.status}: ${xml.slice(0, 300)}`)
    return { ms, xml }
  }
  for (let i = 0; i < 3; i++) await one() // warm-up
  const ms: number[] = []
  let entries = 0
  for (let i = 0; i < REPS; i++) {
    const r = await one()
    ms.push(r.ms)
    entries = count(r.xml)
  }
  ms.sort((a, b) => a - b)
  return { median: median(ms), p90: ms[Math.floor(ms.length * 0.9)], entries }
}

const countOf = (tag: string) => (xml: string) => xml.split(`<${tag}>`).length - 1

/**
 * ListObjectsV2 page time as the bucket grows: the first page of 1000 keys, and a delimiter
 * listing (10 CommonPrefixes over the whole bucket). Constant time means the listing seeks by
 * key instead of scanning the bucket.
 */
export async function listing(cfg: BenchConfig, report: Report) {
  const sizes = [...cfg.listKeys].sort((a, b) => a - b)
  const server = await startCloudStorage({ dataRoot: cfg.dataRoot })
  try {
    await server.createBucket('listing')
    const plainUrl = await server.presigner.url('GET', 'listing?list-type=2&max-keys=1000')
    const delimUrl = await server.presigner.url('GET', 'listing?list-type=2&max-keys=1000&delimiter=%2F')
    const prefixUrl = await server.presigner.url('GET', `listing?list-type=2&max-keys=1000&prefix=d7%2F&start-after=${encodeURIComponent(keyOf(7))}`)
    const results: Array<{ n: number; plain: PageTiming; delim: PageTiming; prefix: PageTiming; createRate: number }> = []
    let have = 0
    for (const n of sizes) {
      const keys: string[] = []
      for (let i = have; i < n; i++) keys.push(keyOf(i))
      const t = performance.now()
      console.log(`  creating keys ${fmt.n(have)}…${fmt.n(n)} (SDK PutObject, 64 in flight)…`)
      await putMany(server.s3, 'listing', keys, () => EMPTY, 64, (done) => {
        if (done % 10_000 === 0) console.log(`    ${fmt.n(have + done)} keys`)
      })
      const createRate = keys.length / ((performance.now() - t) / 1000)
      have = n
      const plain = await timePage(plainUrl, countOf('Key'))
      const delim = await timePage(delimUrl, countOf('CommonPrefixes'))
      const prefix = await timePage(prefixUrl, countOf('Key'))
      results.push({ n, plain, delim, prefix, createRate })
      console.log(`  ${fmt.n(n)} keys: page ${fmt.ms(plain.median)} ms, delimiter ${fmt.ms(delim.median)} ms, prefix+start-after ${fmt.ms(prefix.median)} ms`)
    }
    const row = (name: string, pick: (r: (typeof results)[number]) => PageTiming) => [
      name,
      ...results.map((r) => `${fmt.ms(pick(r).median)} ms (p90 ${fmt.ms(pick(r).p90)}; ${fmt.n(pick(r).entries)} entries)`),
      results.length > 1 ? `${(pick(results[results.length - 1]).median / pick(results[0]).median).toFixed(2)}×` : '—',
    ]
    report.table({
      title: 'ListObjectsV2 page time by bucket size (median of 20 sequential requests, presigned GET, whole response read)',
      head: ['Listing', ...results.map((r) => `${fmt.n(r.n)} keys`), 'largest / smallest'],
      rows: [
        row('max-keys=1000, from the start', (r) => r.plain),
        row(`delimiter=/ (${DIRS} CommonPrefixes)`, (r) => r.delim),
        row('prefix=d7/ + start-after, max-keys=1000', (r) => r.prefix),
      ],
    })
    // "Independent of bucket size": the largest bucket's page within 1.5× of the smallest's.
    for (const [name, pick] of [['ListObjectsV2 page (max-keys 1000)', (r: (typeof results)[number]) => r.plain], ['ListObjectsV2 delimiter page', (r: (typeof results)[number]) => r.delim]] as const) {
      if (results.length < 2) break
      const a = results[0]
      const b = results[results.length - 1]
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
