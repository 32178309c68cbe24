import { describe, expect, test } from 'bun:test'
import type { Key } from 'ink'
import { formatBytes, formatCount, formatDuration, formatRatio } from '../../tui/format'
import { findConflicts, GLOBAL_BINDINGS, keyName, resolveKey, screenBindings } from '../../tui/keymap'
import { SCREENS } from '../../tui/screens/registry'
import { createPoller } from '../../tui/state/poller'
import { jsonEqual } from '../../tui/state/equal'
import { prepareTerminalEnv } from '../../tui/main'

describe('format', () => {
  test('bytes in binary units with three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1024)).toBe('1.00 KiB')
    expect(formatBytes(1536)).toBe('1.50 KiB')
    expect(formatBytes(15 * 1024 * 1024)).toBe('15.0 MiB')
    expect(formatBytes(150 * 1024 ** 3)).toBe('150 GiB')
    expect(formatBytes(2 * 1024 ** 4)).toBe('2.00 TiB')
    expect(formatBytes(-1)).toBe('?')
  })

  test('durations show the two most significant units', () => {
    expect(formatDuration(0)).toBe('0s')
    expect(formatDuration(59)).toBe('59s')
    expect(formatDuration(61)).toBe('1m 1s')
    expect(formatDuration(3600)).toBe('1h')
    expect(formatDuration(3 * 86400 + 4 * 3600 + 5)).toBe('3d 4h')
    expect(formatDuration(86400 + 59)).toBe('1d')
  })

  test('counts and ratios', () => {
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatRatio(900, 1000)).toBe('90% of logical')
    expect(formatRatio(0, 0)).toBe('—')
  })
})

const noKey: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
}

describe('keymap', () => {
  const all = [...GLOBAL_BINDINGS, ...screenBindings(SCREENS)]

  test('no key is bound twice, globally or by a screen', () => {
    expect(findConflicts(all)).toEqual([])
    expect(findConflicts([...all, { keys: ['r'], label: 'r', description: 'x', command: { type: 'refresh' } }])).toEqual(['r'])
  })

  test('names keys the way the registry spells them', () => {
    expect(keyName('q', noKey)).toBe('q')
    expect(keyName('?', { ...noKey, shift: true })).toBe('?')
    expect(keyName('c', { ...noKey, ctrl: true })).toBe('ctrl+c')
    expect(keyName('', { ...noKey, escape: true, meta: true })).toBe('escape')
    expect(keyName('', { ...noKey, tab: true, shift: true })).toBe('shift+tab')
  })

  test('q and Ctrl+C quit, r refreshes, ? helps, 1 shows the overview', () => {
    expect(resolveKey(all, 'q')).toEqual({ type: 'quit' })
    expect(resolveKey(all, 'ctrl+c')).toEqual({ type: 'quit' })
    expect(resolveKey(all, 'r')).toEqual({ type: 'refresh' })
    expect(resolveKey(all, '?')).toEqual({ type: 'help' })
    expect(resolveKey(all, '1')).toEqual({ type: 'screen', screen: 'overview' })
    expect(resolveKey(all, 'x')).toBeNull()
  })
})

describe('jsonEqual', () => {
  test('compares nested JSON values', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true)
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false)
    expect(jsonEqual([1, 2], { 0: 1, 1: 2 })).toBe(false)
    expect(jsonEqual({ a: { b: 1 } }, { a: { b: 2 } })).toBe(false)
    expect(jsonEqual(null, {})).toBe(false)
  })
})

/** A task whose runs finish only when the test says so. */
function controlledTask() {
  const runs: Array<{ signal: AbortSignal; finish: () => void }> = []
  const waiters: Array<() => void> = []
  const task = (signal: AbortSignal) => new Promise<void>((resolve) => {
    runs.push({ signal, finish: resolve })
    waiters.splice(0).forEach((w) => w())
  })
  const nextRun = async (n: number) => {
    while (runs.length < n) await new Promise<void>((resolve) => waiters.push(resolve))
  }
  return { task, runs, nextRun }
}

describe('poller', () => {
  // A long interval keeps the timer out of these tests: every run here is caused by start/refreshNow.
  const LONG = 3_600_000

  test('runs at start, never overlaps, and a refresh during a run runs once more after it', async () => {
    const t = controlledTask()
    const p = createPoller(t.task, LONG)
    p.start()
    await t.nextRun(1)
    p.refreshNow()
    p.refreshNow()
    expect(t.runs.length).toBe(1)
    t.runs[0].finish()
    await t.nextRun(2)
    t.runs[1].finish()
    await Bun.sleep(0)
    expect(t.runs.length).toBe(2)
    p.refreshNow()
    await t.nextRun(3)
    p.stop()
    expect(t.runs[2].signal.aborted).toBe(true)
    t.runs[2].finish()
  })

  test('stop aborts the run in flight and nothing runs afterwards', async () => {
    const t = controlledTask()
    const p = createPoller(t.task, 1)
    p.start()
    await t.nextRun(1)
    p.stop()
    expect(t.runs[0].signal.aborted).toBe(true)
    t.runs[0].finish()
    p.refreshNow()
    await Bun.sleep(5)
    expect(t.runs.length).toBe(1)
  })

  test('the interval follows the end of each run', async () => {
    const t = controlledTask()
    const p = createPoller(t.task, 1)
    p.start()
    await t.nextRun(1)
    t.runs[0].finish()
    await t.nextRun(2)
    t.runs[1].finish()
    await t.nextRun(3)
    p.stop()
    t.runs[2].finish()
  })
})

describe('terminal env', () => {
  test('NO_COLOR turns chalk off; DEV is dropped; an interactive run is not treated as CI', () => {
    const env: Record<string, string | undefined> = { NO_COLOR: '1', CI: 'true', CONTINUOUS_INTEGRATION: '1', DEV: 'true', HOME: '/root' }
    prepareTerminalEnv(env, true)
    expect(env).toEqual({ NO_COLOR: '1', FORCE_COLOR: '0', HOME: '/root' })
    const piped: Record<string, string | undefined> = { CI: 'true', DEV: 'true' }
    prepareTerminalEnv(piped, false)
    expect(piped).toEqual({ CI: 'true' })
  })
})
