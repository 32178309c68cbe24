import type { MachineInfo } from './sys'

export type Verdict = 'PASS' | 'BELOW' | 'n/a'

/** One figure beside its reference: the main results table. */
export interface RatioRow {
  benchmark: string
  subject: string
  reference: string
  ratio: number | null
  target: string
  verdict: Verdict | ''
}

export interface Table {
  title: string
  head: string[]
  rows: string[][]
}

export class Report {
  readonly ratios: RatioRow[] = []
  readonly tables: Table[] = []
  readonly notes: string[] = []
  readonly failures: string[] = []

  ratio(row: RatioRow) {
    this.ratios.push(row)
    printRows([row])
  }

  table(t: Table) {
    this.tables.push(t)
    console.log(`\n${t.title}`)
    console.log(textTable(t.head, t.rows))
  }

  note(text: string) {
    if (this.notes.includes(text)) return
    this.notes.push(text)
    console.log(`  note: ${text}`)
  }

  fail(section: string, err: unknown) {
    const msg = err instanceof Error ? err.message : String(err)
    this.failures.push(`${section}: ${msg}`)
    console.error(`\n!! section ${section} failed: ${msg}\n`)
  }
}

export const fmt = {
  n: (x: number, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }),
  ratio: (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : `${x.toFixed(2)}×`),
  ms: (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)),
}

/** PASS/BELOW for a "ratio ≥ min" target; n/a without a reference. */
export function atLeast(ratio: number | null, min: number): Verdict {
  if (ratio === null || !Number.isFinite(ratio)) return 'n/a'
  return ratio >= min ? 'PASS' : 'BELOW'
}

export function median(xs: number[]): number {
  if (!xs.length) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const RATIO_HEAD = ['Benchmark', 'CloudStorage', 'Reference', 'Ratio', 'Target', 'Verdict']
const ratioCells = (r: RatioRow) => [r.benchmark, r.subject, r.reference, fmt.ratio(r.ratio), r.target, r.verdict]

function printRows(rows: RatioRow[]) {
  for (const r of rows) console.log(`  ${r.benchmark}: ${r.subject} | ref ${r.reference} | ${fmt.ratio(r.ratio)} ${r.target ? `(target ${r.target}: ${r.verdict})` : ''}`)
}

export function textTable(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(w[i])).join('  ').trimEnd()
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n')
}

function mdTable(head: string[], rows: string[][]): string {
  const esc = (s: string) => (s ?? '').replace(/\|/g, '\\|')
  return [`| ${head.map(esc).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n')
}

export function printSummary(report: Report) {
  console.log('\n================ Summary ================')
  console.log(textTable(RATIO_HEAD, report.ratios.map(ratioCells)))
  for (const t of report.tables) {
    console.log(`\n${t.title}`)
    console.log(textTable(t.head, t.rows))
  }
  if (report.notes.length) console.log(`\nNotes:\n${report.notes.map((n) => `- ${n}`).join('\n')}`)
  if (report.failures.length) console.log(`\nFAILED sections:\n${report.failures.map((n) => `- ${n}`).join('\n')}`)
}

export function markdown(report: Report, m: MachineInfo, settings: string[], load: { before: string; after: string }, method: string[]): string {
  const out: string[] = []
  out.push('# CloudStorage benchmark results', '')
  out.push('Produced by `npm run bench` (bench/run.ts). Every figure is a ratio to a reference measured in the same run, back to back on the same machine; absolute numbers only mean something next to their reference.', '')
  out.push('## Machine', '')
  out.push(mdTable(['', ''], [
    ['Date (UTC)', m.date],
    ['Server source', process.env.BENCH_SERVER_ROOT ? `BENCH_SERVER_ROOT=${process.env.BENCH_SERVER_ROOT}` : `commit ${m.commit}`],
    ['CPU', `${m.cpu}, ${m.cores} cores`],
    ['Memory', `${m.memGiB} GiB`],
    ['Kernel', m.kernel],
    ['Data dir filesystem', m.filesystem],
    ['Bun', m.bun],
    ['nginx', m.nginx ?? 'not installed'],
    ['wrk', m.wrk ?? 'not installed'],
    ['Load average before / after', `${load.before} / ${load.after}`],
  ]), '')
  out.push('Settings: ' + settings.join(', ') + '.', '')
  out.push('## Figures against references', '')
  out.push(mdTable(RATIO_HEAD, report.ratios.map(ratioCells)), '')
  for (const t of report.tables) out.push(`### ${t.title}`, '', mdTable(t.head, t.rows), '')
  if (report.notes.length) out.push('## Notes', '', ...report.notes.map((n) => `- ${n}`), '')
  if (report.failures.length) out.push('## Failed sections', '', ...report.failures.map((n) => `- ${n}`), '')
  out.push('## How the figures are taken', '', ...method.map((n) => `- ${n}`), '')
  return out.join('\n')
}
