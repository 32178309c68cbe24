/**
 * `npm test`: runs `bun test` over test/ (or the paths/flags given after `--`), streams its output
 * as it happens, and ends with exactly one plain line computed from the real run:
 *
 *   N passed, N failed            or            N passed, N failed, N skipped
 *
 * CI readers and `.ci/run` take that last line at face value, so it must never be invented: the
 * counts come from bun's own summary block (" N pass", " N fail", " N skip", " N todo"), with the
 * JUnit report as a fallback when the console summary is missing. When neither yields counts the
 * run fails (exit 1) rather than print a line it cannot justify.
 */
import { mkdtempSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

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

async function main(): Promise<number> {
  const extra = process.argv.slice(2)
  // Paths (anything not a flag) replace the default test/ root; flags pass through to bun test.
  const hasPaths = extra.some((a) => !a.startsWith('-'))
  const reportDir = mkdtempSync(join(tmpdir(), 'cs-test-report-'))
  const junitPath = join(reportDir, 'junit.xml')
  // bun ignores bunfig's [test] timeout; without a flag every test gets 5 s, too short for tests
  // that start servers on a loaded 2-core box. This is a hang guard, not a performance limit.
  const timeout = extra.some((a) => a.startsWith('--timeout')) ? [] : ['--timeout=120000']
  const cmd = [process.execPath, 'test', `--reporter=junit`, `--reporter-outfile=${junitPath}`, ...timeout, ...extra, ...(hasPaths ? [] : ['./test'])]
  const env = { ...process.env } as Record<string, string>
  if (process.stdout.isTTY && !env.NO_COLOR) env.FORCE_COLOR ??= '1'

  const child = Bun.spawn(cmd, { cwd: ROOT, env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig))

  let captured = ''
  const decoder = { out: new TextDecoder(), err: new TextDecoder() }
  const pump = async (stream: ReadableStream<Uint8Array>, fd: number, dec: TextDecoder) => {
    for await (const chunk of stream) {
      writeAll(fd, chunk)
      captured += dec.decode(chunk, { stream: true })
    }
  }
  await Promise.all([pump(child.stdout as ReadableStream<Uint8Array>, 1, decoder.out), pump(child.stderr as ReadableStream<Uint8Array>, 2, decoder.err)])
  const code = await child.exited

  let junit = ''
  try { junit = readFileSync(junitPath, 'utf8') } catch { /* bun died before writing it */ }
  rmSync(reportDir, { recursive: true, force: true })

  // Skipped tests carry their reason in the name ("… [skipped: rclone not installed]"); list
  // them together so a reader sees at a glance what this machine could not run.
  const plain = stripAnsi(captured)
  const skips = [...plain.matchAll(/^\(skip\) (.*?)(?: \[\d+(?:\.\d+)?m?s\])?$/gm)].map((m) => m[1])
  const fails = [...plain.matchAll(/^\(fail\) (.*?)(?: \[\d+(?:\.\d+)?m?s\])?$/gm)].map((m) => m[1])
  let tail = ''
  if (skips.length) tail += `\nSkipped (${skips.length}):\n${skips.map((s) => `  - ${s}`).join('\n')}\n`
  if (fails.length) tail += `\nFailed (${fails.length}):\n${fails.map((s) => `  - ${s}`).join('\n')}\n`

  const counts = parseConsoleSummary(captured) ?? parseJunit(junit)
  if (!counts) {
    writeAll(2, `${tail}\ntest/run.ts: could not read pass/fail counts from bun test (exit code ${code}); treating the run as failed\n`)
    return code || 1
  }
  // bun exits non-zero without a failing test when, e.g., no test file matched.
  if (code !== 0 && counts.failed === 0) tail += `\nbun test exited with code ${code}\n`
  writeAll(1, `${tail}\n${summaryLine(counts)}\n`)
  return code !== 0 ? code : counts.failed > 0 ? 1 : 0
}

if (import.meta.main) process.exit(await main())
