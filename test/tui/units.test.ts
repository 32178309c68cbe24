import { describe, expect, test } from 'bun:test'
import type { Key } from 'ink'
import { formatBytes, formatCount, formatCountShort, formatDay, formatDuration, formatPercent, formatRatio } from '../../tui/format'
import { charName, findConflicts, GLOBAL_BINDINGS, isPrintable, keyName, MODAL_QUIT, resolveKey, screenBindings } from '../../tui/keymap'
import { ALL_ACCOUNTS_KEYS, LIST_BINDINGS } from '../../tui/screens/accounts-keys'
import { fitHints } from '../../tui/components/HintBar'
import { columnsFor } from '../../tui/screens/Accounts'
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

  test('short sizes for table columns: at most five characters', () => {
    expect(formatBytes(0, 'short')).toBe('0B')
    expect(formatBytes(1023, 'short')).toBe('1023B')
    expect(formatBytes(1536, 'short')).toBe('1.50K')
    expect(formatBytes(10 * 1024 ** 3, 'short')).toBe('10.0G')
    expect(formatBytes(150 * 1024 ** 3, 'short')).toBe('150G')
    // Rounding up into four digits moves to the next unit instead.
    expect(formatBytes(1024 ** 2 - 1, 'short')).toBe('1.00M')
    expect(formatBytes(999.7 * 1024, 'short')).toBe('0.98M')
    for (let n = 1; n < 2 ** 53; n = Math.ceil(n * 1.37)) expect(formatBytes(n, 'short').length).toBeLessThanOrEqual(5)
    expect(formatBytes(-1, 'short')).toBe('?')
  })

  test('percent of quota, day of a timestamp, short counts', () => {
    expect(formatPercent(0, 100)).toBe('0%')
    expect(formatPercent(95, 100)).toBe('95%')
    expect(formatPercent(999, 1000)).toBe('99%')
    expect(formatPercent(250, 100)).toBe('250%')
    expect(formatPercent(5, 0)).toBe('—')
    expect(formatDay('2025-01-31T23:59:59.000Z')).toBe('2025-01-31')
    expect(formatDay('yesterday')).toBe('?')
    expect(formatCountShort(12_345)).toBe('12,345')
    expect(formatCountShort(123_456)).toBe('123k')
    expect(formatCountShort(1_234_567)).toBe('1.2M')
    expect(formatCountShort(98_765_432)).toBe('98M')
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

  test('no key is bound twice on the Accounts screen, in any mode', () => {
    expect(findConflicts([...LIST_BINDINGS, ...all])).toEqual([])
    for (const k of ALL_ACCOUNTS_KEYS) {
      if (k.modal) expect(findConflicts([...k.bindings, MODAL_QUIT])).toEqual([])
      else expect(findConflicts([...k.bindings, ...all])).toEqual([])
    }
  })

  test('inputs and dialogs can always be left, and never quit on q', () => {
    for (const k of ALL_ACCOUNTS_KEYS.filter((x) => x.modal)) {
      const keys = k.bindings.flatMap((b) => b.keys)
      expect(keys).toContain('escape')
      expect(keys).not.toContain('q')
      expect(k.bindings.some((b) => b.command.type === 'quit')).toBe(false)
    }
  })

  test('a chunk typed into an input: control characters are keys, the rest is text', () => {
    expect([...'ab\tc\r\u007F'].map(charName)).toEqual(['a', 'b', 'tab', 'c', 'enter', 'backspace'])
    expect(isPrintable('q')).toBe(true)
    expect(isPrintable('é')).toBe(true)
    expect(isPrintable('enter')).toBe(false)
    expect(isPrintable('\u0007')).toBe(false)
  })

  test('the hint bar keeps the hints that fit, in order, and never wraps', () => {
    const hints = [...LIST_BINDINGS, ...GLOBAL_BINDINGS]
    const labels = (room: number) => fitHints(hints, room).map((b) => b.label)
    expect(labels(200)).toEqual(['enter', 'n', 'p', 'a', 'w', 'q', '?', 'r'])
    // 80 columns minus "updated 12:00:00": the refresh hint gives way, help stays.
    expect(labels(63)).toEqual(['enter', 'n', 'p', 'a', 'w', 'q', '?'])
    // A hint that does not fit is skipped; a shorter one after it may still fit.
    expect(labels(8)).toEqual(['n'])
    expect(labels(3)).toEqual([])
  })

  test('table columns: email gets the rest; narrow terminals drop created, then plan', () => {
    expect(columnsFor(100)).toEqual({ email: 38, plan: 7, created: 10 })
    expect(columnsFor(80)).toEqual({ email: 18, plan: 7, created: 10 })
    expect(columnsFor(79)).toEqual({ email: 28, plan: 7, created: 0 })
    expect(columnsFor(60)).toEqual({ email: 17, plan: 0, created: 0 })
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
    expect(resolveKey(all, '2')).toEqual({ type: 'screen', screen: 'accounts' })
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
