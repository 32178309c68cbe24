/**
 * `npm test`: runs every test file under test/ (or the paths given after `--`; flags pass through to
 * `bun test`) in its own `bun test` process, three files at a time (CLOUDSTORAGE_TEST_WORKERS),
 * prints each file's output when it finishes, and ends with exactly one plain line computed from
 * the real run:
 *
 *   N passed, N failed            or            N passed, N failed, N skipped
 *
 * CI readers and `.ci/run` take that last line at face value, so it must never be invented: the
 * counts come from each file's own bun summary block (" N pass", " N fail", " N skip", " N todo"),
 * with its JUnit report as a fallback when the console summary is missing. A file for which neither
 * yields counts counts as a failure rather than being left out.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '..')

export interface Counts {
  passed: number
  failed: number
  skipped: number
}

// Bun colours its output when it believes it writes to a terminal; strip that before parsing.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g
export const stripAnsi = (s: string) => s.replace(ANSI, '')

/**
 * Parses bun's closing summary. Only the LAST block counts: a test may print text that looks like
 * a summary line, but the real block is the one right before the final "Ran N tests across M
 * files" line. Errors outside tests ("N error") are already included in bun's fail count.
 */
export function parseConsoleSummary(output: string): Counts | null {
  const lines = stripAnsi(output).split(/\r?\n/)
  let ran = -1
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^Ran \d+ tests? across \d+ files?\b/.test(lines[i].trim())) { ran = i; break }
  }
  if (ran < 0) return null
  const n: Record<string, number> = {}
  for (let i = ran - 1; i >= 0; i--) {
    const m = /^\s*(\d+) (pass|fail|skip|todo|error|snapshots?|expect\(\) calls)\b/.exec(lines[i])
    if (!m) break
    n[m[2]] = Number(m[1])
  }
  if (n.pass === undefined && n.fail === undefined) return null
  return { passed: n.pass ?? 0, failed: Math.max(n.fail ?? 0, n.error ?? 0), skipped: (n.skip ?? 0) + (n.todo ?? 0) }
}

/** Fallback: totals from the JUnit report (it omits files that fail to load, hence second choice). */
export function parseJunit(xml: string): Counts | null {
  const m = /<testsuites\b[^>]*>/.exec(xml)
  if (!m) return null
  const attr = (name: string) => {
    const a = new RegExp(`\\b${name}="(\\d+)"`).exec(m[0])
    return a ? Number(a[1]) : null
  }
  const tests = attr('tests')
  const failures = attr('failures')
  const skipped = attr('skipped') ?? 0
  if (tests === null || failures === null) return null
  return { passed: tests - failures - skipped, failed: failures, skipped }
}

export function summaryLine(c: Counts): string {
  return `${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''}`
}

/** Synchronous writes keep our lines in order with bun's output even when 2>&1 shares one pipe. */
function writeAll(fd: number, data: Uint8Array | string) {
  let buf = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  while (buf.length) {
    try {
      buf = buf.subarray(writeSync(fd, buf))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e
      Bun.sleepSync(2) // a non-blocking pipe is full: let the reader catch up
    }
  }
}

/** Test files under `paths` (files as given, directories searched), in a stable order. */
export function testFiles(paths: string[]): string[] {
  const out: string[] = []
  for (const p of paths) {
    const abs = resolve(ROOT, p)
    if (!existsSync(abs)) throw new Error(`no such test file or directory: ${p}`)
    if (statSync(abs).isFile()) { out.push(abs); continue }
    for (const e of readdirSync(abs, { withFileTypes: true, recursive: true })) {
      if (e.isFile() && /\.(test|spec)\.[cm]?[jt]sx?$/.test(e.name) && !e.parentPath.split('/').includes('node_modules')) out.push(join(e.parentPath, e.name))
    }
  }
  return [...new Set(out)].sort()
}

/**
 * The directories whose files run for a minute or more each (browsers, real clients and the
 * compiled binary, rate-limit shaping, crash loops). They start first, so that the workers
 * finish together instead of one of them starting the dashboard's browser run at the very end.
 */
const LONG_FIRST = ['test/dashboard/', 'test/e2e/', 'test/ratelimit/', 'test/reliability/']

/** `files` in the order they are started: the long directories' first, each group sorted. */
export function scheduleOrder(files: string[]): string[] {
  const rank = (f: string) => {
    const i = LONG_FIRST.findIndex((d) => relative(ROOT, f).startsWith(d))
    return i < 0 ? LONG_FIRST.length : i
  }
  return [...files].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
}

interface FileResult {
  file: string
  output: string
  code: number
  counts: Counts | null
}

/** Runs one test file in its own `bun test` process; its output is kept, not streamed. */
async function runFile(file: string, flags: string[], env: Record<string, string>): Promise<FileResult> {
  const reportDir = mkdtempSync(join(tmpdir(), 'cs-test-report-'))
  const junitPath = join(reportDir, 'junit.xml')
  const child = Bun.spawn([process.execPath, 'test', '--reporter=junit', `--reporter-outfile=${junitPath}`, ...flags, file], {
    cwd: ROOT, env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe',
  })
  running.add(child)
  // Both pipes are drained concurrently (a full pipe would stall the child); stderr is where bun
  // writes its test lines, stdout is whatever the tests print.
  const [out, err] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()])
  const code = await child.exited
  running.delete(child)
  let junit = ''
  try { junit = readFileSync(junitPath, 'utf8') } catch { /* bun died before writing it */ }
  rmSync(reportDir, { recursive: true, force: true })
  const output = out + err
  return { file, output, code, counts: parseConsoleSummary(output) ?? parseJunit(junit) }
}

const running = new Set<ReturnType<typeof Bun.spawn>>()

/**
 * `npm test`: every test file in its own `bun test` process, CLOUDSTORAGE_TEST_WORKERS at a time
 * (default 3: the suite mostly waits on servers, clients, browsers and timers, so on a 2-core
 * machine one file at a time leaves it idle; measured there, 3 at a time took 9 m 08 s, 2 about
 * 10 m 20 s). Each file's output is printed whole when it finishes, then one summary line from
 * the real counts.
 */
async function main(): Promise<number> {
  const extra = process.argv.slice(2)
  // Paths (anything not a flag) replace the default test/ root; flags pass through to bun test.
  const paths = extra.filter((a) => !a.startsWith('-'))
  // bun ignores bunfig's [test] timeout; without a flag every test gets 5 s, too short for tests
  // that start servers on a loaded 2-core box. This is a hang guard, not a performance limit.
  const flags = extra.filter((a) => a.startsWith('-'))
  if (!flags.some((a) => a.startsWith('--timeout'))) flags.push('--timeout=120000')
  const env = { ...process.env } as Record<string, string>
  if (process.stdout.isTTY && !env.NO_COLOR) env.FORCE_COLOR ??= '1'
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { for (const c of running) c.kill(sig) })

  let files: string[]
  try {
    files = scheduleOrder(testFiles(paths.length ? paths : ['test']))
  } catch (e) {
    writeAll(2, `test/run.ts: ${(e as Error).message}\n`)
    return 1
  }
  if (files.length === 0) { writeAll(2, 'test/run.ts: no test files found\n'); return 1 }
  const workers = Math.max(1, Number(env.CLOUDSTORAGE_TEST_WORKERS) || 3)
  const results: FileResult[] = []
  let next = 0
  await Promise.all(Array.from({ length: Math.min(workers, files.length) }, async () => {
    while (next < files.length) {
      const r = await runFile(files[next++], flags, env)
      results.push(r)
      writeAll(1, r.output.endsWith('\n') ? r.output : r.output + '\n')
    }
  }))

  const total: Counts = { passed: 0, failed: 0, skipped: 0 }
  const broken: string[] = []
  for (const r of results) {
    if (!r.counts) { broken.push(`${relative(ROOT, r.file)} (exit code ${r.code}, no test counts)`); total.failed++; continue }
    total.passed += r.counts.passed
    total.failed += r.counts.failed
    total.skipped += r.counts.skipped
    // bun exits non-zero without a failing test when, e.g., a file matched no test.
    if (r.code !== 0 && r.counts.failed === 0) { broken.push(`${relative(ROOT, r.file)} (bun test exited with code ${r.code})`); total.failed++ }
  }

  // Skipped tests carry their reason in the name ("… [skipped: rclone not installed]"); list
  // them together so a reader sees at a glance what this machine could not run.
  const plain = stripAnsi(results.map((r) => r.output).join('\n'))
  const skips = [...plain.matchAll(/^\(skip\) (.*?)(?: \[\d+(?:\.\d+)?m?s\])?$/gm)].map((m) => m[1])
  const fails = [...plain.matchAll(/^\(fail\) (.*?)(?: \[\d+(?:\.\d+)?m?s\])?$/gm)].map((m) => m[1])
  let tail = ''
  if (skips.length) tail += `\nSkipped (${skips.length}):\n${skips.map((s) => `  - ${s}`).join('\n')}\n`
  if (fails.length) tail += `\nFailed (${fails.length}):\n${fails.map((s) => `  - ${s}`).join('\n')}\n`
  if (broken.length) tail += `\nFiles that did not finish cleanly (${broken.length}):\n${broken.map((s) => `  - ${s}`).join('\n')}\n`
  writeAll(1, `${tail}\n${summaryLine(total)}\n`)
  return total.failed > 0 ? 1 : 0
}

if (import.meta.main) process.exit(await main())
