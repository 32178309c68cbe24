/**
 * test/run.ts: the closing `N passed, N failed[, N skipped]` line must come from the real run.
 * Parser cases use bun's actual output shapes; the end-to-end cases run test/run.ts itself on tiny
 * throwaway test files (in a temp dir, so they never join the real suite).
 */
import { describe, test, expect, afterAll, setDefaultTimeout } from 'bun:test'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseConsoleSummary, parseJunit, scheduleOrder, stripAnsi, summaryLine, testFiles } from '../run'

// The end-to-end cases spawn bun test (hang guard only).
setDefaultTimeout(120_000)

describe('parseConsoleSummary', () => {
  test('counts pass/fail/skip/todo from the closing block', () => {
    const out = 'test/a.test.ts:\n(pass) a\n(fail) b\n\n 3 pass\n 1 skip\n 2 todo\n 4 fail\n 1 error\n 17 expect() calls\nRan 10 tests across 3 files. [1.2s]\n'
    expect(parseConsoleSummary(out)).toEqual({ passed: 3, failed: 4, skipped: 3 })
  })

  test('singular wording and colours', () => {
    expect(parseConsoleSummary('\x1b[32m 1 pass\x1b[0m\n\x1b[2m 0 fail\x1b[0m\nRan 1 test across 1 file. [5ms]')).toEqual({ passed: 1, failed: 0, skipped: 0 })
  })

  test('only the last block counts, not summary-like lines a test printed', () => {
    const out = ' 99 pass\n 0 fail\nRan 99 tests across 1 files.\n(pass) something\n 2 pass\n 1 fail\nRan 3 tests across 1 file. [1s]\n'
    expect(parseConsoleSummary(out)).toEqual({ passed: 2, failed: 1, skipped: 0 })
  })

  test('errors outside tests count as failures when bun did not count them', () => {
    expect(parseConsoleSummary(' 2 pass\n 0 fail\n 1 error\nRan 2 tests across 2 files.')).toEqual({ passed: 2, failed: 1, skipped: 0 })
  })

  test('no summary → null (the runner then fails instead of inventing a line)', () => {
    expect(parseConsoleSummary('bun crashed\n')).toBeNull()
    expect(parseConsoleSummary('Ran 3 tests across 1 file.')).toBeNull()
  })
})

test('parseJunit reads the totals', () => {
  expect(parseJunit('<?xml version="1.0"?>\n<testsuites name="bun test" tests="7" assertions="9" failures="2" skipped="1" time="0.1">')).toEqual({ passed: 4, failed: 2, skipped: 1 })
  expect(parseJunit('<nope/>')).toBeNull()
})

test('summaryLine', () => {
  expect(summaryLine({ passed: 5, failed: 0, skipped: 0 })).toBe('5 passed, 0 failed')
  expect(summaryLine({ passed: 5, failed: 1, skipped: 2 })).toBe('5 passed, 1 failed, 2 skipped')
  expect(stripAnsi('\x1b[1m\x1b[31mx\x1b[0m')).toBe('x')
})

describe('scheduleOrder', () => {
  test('the long directories start first (dashboard, e2e, rate limits, reliability), each group sorted; nothing lost', () => {
    const root = resolve(import.meta.dir, '..', '..')
    const files = ['test/unit/a.test.ts', 'test/e2e/z.test.ts', 'test/rest/b.test.ts', 'test/dashboard/d.test.ts', 'test/e2e/a.test.ts', 'test/reliability/c.test.ts']
      .map((f) => join(root, f))
    expect(scheduleOrder(files).map((f) => f.slice(root.length + 1))).toEqual([
      'test/dashboard/d.test.ts', 'test/e2e/a.test.ts', 'test/e2e/z.test.ts', 'test/reliability/c.test.ts', 'test/rest/b.test.ts', 'test/unit/a.test.ts',
    ])
    const all = testFiles(['test'])
    expect(scheduleOrder(all).slice().sort()).toEqual(all)
  })
})

describe('test/run.ts end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-runner-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const RUN = resolve(import.meta.dir, '../run.ts')

  async function runOn(files: Record<string, string>) {
    const d = join(dir, `case${Math.random().toString(36).slice(2)}`)
    mkdirSync(d)
    for (const [name, body] of Object.entries(files)) writeFileSync(join(d, name), body)
    const p = Bun.spawn([process.execPath, RUN, d], { stdout: 'pipe', stderr: 'pipe', env: { ...process.env, NO_COLOR: '1' } })
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
    return { stdout, stderr, code, last: stdout.trimEnd().split('\n').at(-1) }
  }

  test('all passing (with a tool-skip showing its reason) → exit 0 and the closing line', async () => {
    const r = await runOn({
      'a.test.ts': `import { test } from 'bun:test'\ntest('one', () => {})\ntest('two', () => {})\ntest.skip('drives rclone [skipped: rclone not installed]', () => {})\n`,
    })
    expect(r.code).toBe(0)
    expect(r.last).toBe('2 passed, 0 failed, 1 skipped')
    expect(r.stdout).toContain('  - drives rclone [skipped: rclone not installed]')
  })

  test('a failure → non-zero exit, the failing test listed, counts from the run', async () => {
    const r = await runOn({
      'a.test.ts': `import { test, expect } from 'bun:test'\ntest('good', () => {})\ntest('bad', () => { expect(1).toBe(2) })\n`,
      'b.test.ts': `import { test } from 'bun:test'\ntest('also good', () => {})\n`,
    })
    expect(r.code).not.toBe(0)
    expect(r.last).toBe('2 passed, 1 failed')
    expect(r.stdout).toContain('  - bad')
  })

  test('a file that throws while loading counts as a failure', async () => {
    const r = await runOn({
      'a.test.ts': `import { test } from 'bun:test'\ntest('fine', () => {})\n`,
      'b.test.ts': `throw new Error('cannot load')\n`,
    })
    expect(r.code).not.toBe(0)
    expect(r.last).toMatch(/^1 passed, [1-9]\d* failed$/)
  })
})
