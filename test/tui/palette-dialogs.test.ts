/** The `:` palette, the dialogs' keys, the CORS editor, transfer progress and the key sets. */
import { describe, expect, test } from 'bun:test'
import { initialState, reducer, type Action, type TuiState } from '../../tui/state/reducer'
import { candidates, paletteCommand, parseCommand } from '../../tui/state/palette'
import { dialogReducer, editor, type Dialog } from '../../tui/state/dialog'
import { etaSeconds, fraction, progress, type Transfer } from '../../tui/state/transfer'
import { findConflicts, GLOBAL_BINDINGS, MODAL_QUIT, screenBindings } from '../../tui/keymap'
import { ALL_OVERLAY_KEYS, NAV } from '../../tui/screens/list-keys'
import { SCREENS } from '../../tui/screens/registry'
import { osc52 } from '../../tui/hooks/use-clipboard'
import { tabLabels } from '../../tui/components/Header'
import { bar } from '../../tui/components/TransferBar'
import { expandPath } from '../../tui/transfer'
import { homedir } from 'node:os'
import type { Bucket } from '../../tui/api'

const run = (s: TuiState, ...actions: Action[]) => actions.reduce(reducer, s)
const bucket = (name: string) => ({ name, createdAt: '', isDefault: false, region: 'r', versioning: '', timeMachine: true, publicRead: false, retention: { maxVersions: null, maxAgeDays: null }, usage: { bytes: 0, storedBytes: 0, objects: 0 } }) as Bucket

describe('the : palette', () => {
  const s0 = run(initialState('keys'), { type: 'loaded', resource: 'buckets', data: [bucket('photos'), bucket('pictures'), bucket('root')], at: 1 })

  test('candidates: commands by prefix, then bucket names for files and tm', () => {
    expect(candidates(s0, '')).toContain('buckets')
    expect(candidates(s0, 'b')).toEqual(['buckets'])
    expect(candidates(s0, 'tm p')).toEqual(['tm photos/', 'tm pictures/'])
    expect(candidates(s0, 'files r')).toEqual(['files root/'])
    expect(candidates(s0, 'keys x')).toEqual([])
  })

  test('tab completes the highlighted candidate; ↓ moves the highlight', () => {
    let s = run(s0, { type: 'palette/open' }, { type: 'palette/type', text: 'f' }, { type: 'palette/complete' })
    expect(s.palette?.text).toBe('files ')
    s = run(s, { type: 'palette/type', text: 'p' }, { type: 'palette/choose', step: 1 }, { type: 'palette/complete' })
    expect(s.palette?.text).toBe('files pictures/')
    expect(run(s, { type: 'palette/close' }).palette).toBeNull()
  })

  test('lines become places: screens, folders, a file\'s versions; nonsense says why', () => {
    expect(parseCommand('buckets')).toEqual({ kind: 'screen', screen: 'buckets' })
    expect(parseCommand('b')).toEqual({ kind: 'screen', screen: 'buckets' })
    expect(parseCommand('tm photos/2024/img.jpg')).toEqual({ kind: 'tm', bucket: 'photos', key: '2024/img.jpg' })
    expect(parseCommand('tm photos')).toEqual({ kind: 'tm', bucket: 'photos', key: null })
    expect(parseCommand('files photos/2024/')).toEqual({ kind: 'files', bucket: 'photos', prefix: '2024/' })
    expect(parseCommand('files photos/2024/img.jpg')).toEqual({ kind: 'files', bucket: 'photos', prefix: '2024/' })
    expect(parseCommand('q')).toEqual({ kind: 'quit' })
    expect(parseCommand('frobnicate')).toBe("no command 'frobnicate' (Tab shows them)")
  })

  test('enter on a word that is no command takes the highlighted completion; a complete line runs as typed', () => {
    const s1 = run(s0, { type: 'loaded', resource: 'buckets', data: [bucket('photos-old'), bucket('photos'), bucket('pictures')], at: 2 })
    const enter = (text: string, choose = 0) => {
      let s = run(s1, { type: 'palette/open' }, { type: 'palette/type', text })
      for (let i = 0; i < choose; i++) s = run(s, { type: 'palette/choose', step: 1 })
      return paletteCommand(s, s.palette!)
    }
    expect(enter('bu')).toEqual({ kind: 'screen', screen: 'buckets' })
    expect(enter('webh')).toEqual({ kind: 'screen', screen: 'webhooks' })
    expect(enter('tm pi')).toEqual({ kind: 'tm', bucket: 'pictures', key: null })
    expect(enter('tm p', 1)).toEqual({ kind: 'tm', bucket: 'photos', key: null })
    // As typed: a command (its alias too) and a bucket that exists, however many names it begins.
    expect(enter('b')).toEqual({ kind: 'screen', screen: 'buckets' })
    expect(enter('tm photos')).toEqual({ kind: 'tm', bucket: 'photos', key: null })
    expect(enter('files photos/2024/')).toEqual({ kind: 'files', bucket: 'photos', prefix: '2024/' })
    // Nothing to complete: why not.
    expect(enter('xyz')).toBe("no command 'xyz' (Tab shows them)")
    expect(enter('')).toBe('type a command, e.g. buckets or tm photos/2024/img.jpg')
  })

  test('goto: a place on another screen, from any screen', () => {
    const s = run(s0, { type: 'goto', place: { screen: 'tm', bucket: 'photos', key: '2024/img.jpg' } })
    expect(s).toMatchObject({ screen: 'tm', tm: { bucket: 'photos', key: '2024/img.jpg' } })
  })
})

describe('dialogs', () => {
  test('the CORS editor: typing, new lines, erasing across lines, moving', () => {
    let d: Dialog = editor('CORS', 'b', '[\n]')
    const apply = (...as: Action[]) => { for (const a of as) d = dialogReducer(d, a as never) ?? d }
    apply({ type: 'dialog/type', text: '[' }, { type: 'dialog/erase' })
    expect(d).toMatchObject({ lines: ['[', ']'], row: 0, col: 0 })
    apply({ type: 'dialog/cycle', step: 1 }, { type: 'dialog/newline' }, { type: 'dialog/type', text: '  {}' })
    expect(d).toMatchObject({ lines: ['[', '  {}', ']'], row: 1, col: 4 })
    apply({ type: 'dialog/line', step: 1 }, { type: 'dialog/cycle', step: -1 }, { type: 'dialog/cycle', step: -1 })
    // Down to "]" (column 1), left to its start, left again: the end of the line above.
    expect(d).toMatchObject({ row: 1, col: 4 })
    apply({ type: 'dialog/line', step: -1 }, { type: 'dialog/line', step: 1 }, { type: 'dialog/erase' }, { type: 'dialog/erase' })
    // Up keeps the column where the line allows; erasing at a line's start joins it to the one above.
    expect(d).toMatchObject({ lines: ['[ {}', ']'], row: 0, col: 1 })
  })

  test('ctrl+s saves valid JSON as the bucket\'s rules; invalid JSON stays in the editor', () => {
    const s0 = { ...initialState('buckets'), dialog: editor('CORS', 'photos', '[{"allowedOrigins":["*"],"allowedMethods":["GET"]}]') }
    expect(reducer(s0, { type: 'dialog/submit' }).pending).toMatchObject({ op: 'updateBucket', name: 'photos', patch: { cors: [{ allowedOrigins: ['*'], allowedMethods: ['GET'] }] } })
    const bad = reducer({ ...s0, dialog: editor('CORS', 'photos', '[{') }, { type: 'dialog/submit' })
    expect(bad.pending).toBeNull()
    expect((bad.dialog as Extract<Dialog, { kind: 'editor' }>).error).toStartWith('not JSON')
    const notList = reducer({ ...s0, dialog: editor('CORS', 'photos', '{}') }, { type: 'dialog/submit' })
    expect((notList.dialog as Extract<Dialog, { kind: 'editor' }>).error).toContain('JSON array')
  })

  test('keys wait while a request is on its way; esc does not drop its dialog', () => {
    const s = run({ ...initialState('keys'), dialog: editor('x', 'b', '') }, { type: 'dialog/submit' })
    expect(s.pending).not.toBeNull()
    expect(run(s, { type: 'dialog/type', text: 'z' })).toBe(s)
    expect(run(s, { type: 'dialog/cancel' })).toBe(s)
  })
})

describe('transfers', () => {
  const t0: Transfer = { id: 1, request: { kind: 'upload', path: 'f', bucket: 'b', key: 'k' }, status: 'running', total: 100 * 2 ** 20, done: 0, startedAt: 0, at: 0, rate: 0, error: null }

  test('progress: the rate is smoothed, the ETA follows it', () => {
    let s = run({ ...initialState('files'), transfer: t0 }, { type: 'transfer/progress', id: 1, done: 0, total: 100 * 2 ** 20, at: 10_000 })
    s = run(s, { type: 'transfer/progress', id: 1, done: 10 * 2 ** 20, total: null, at: 11_000 })
    expect(s.transfer!.rate).toBe(10 * 2 ** 20)
    expect(etaSeconds(s.transfer!)).toBe(9)
    expect(fraction(s.transfer!)).toBe(0.1)
    s = run(s, { type: 'transfer/progress', id: 1, done: 40 * 2 ** 20, total: null, at: 12_000 })
    // 30 MiB/s sampled, 30% of it counts: 16 MiB/s.
    expect(s.transfer!.rate).toBe(16 * 2 ** 20)
    expect(progress(t0, 5, null, 0).rate).toBe(0)
  })

  test('reports of another transfer are ignored; cancel and dismiss', () => {
    const s = { ...initialState('files'), transfer: t0 }
    expect(run(s, { type: 'transfer/progress', id: 2, done: 5, total: 5, at: 1 })).toBe(s)
    expect(run(s, { type: 'transfer/dismiss' })).toBe(s)
    const c = run(s, { type: 'transfer/cancel' })
    expect(c.transfer?.status).toBe('cancelled')
    expect(run(c, { type: 'transfer/failed', id: 1, error: 'aborted', at: 2 }).transfer?.status).toBe('cancelled')
    expect(run(c, { type: 'transfer/dismiss' }).transfer).toBeNull()
  })

  test('the bar, paths and OSC 52', () => {
    expect(bar(0.5, 10)).toBe('█████░░░░░')
    expect(bar(null, 4)).toBe('░░░░')
    expect(expandPath('~/x.txt')).toBe(`${homedir()}/x.txt`)
    expect(osc52('héllo')).toBe(`\x1b]52;c;${Buffer.from('héllo').toString('base64')}\x07`)
  })
})

describe('keys', () => {
  const global = [...GLOBAL_BINDINGS, ...screenBindings(SCREENS)]

  test('no screen binds a key twice, nor one of the global keys', () => {
    expect(findConflicts(global)).toEqual([])
    for (const def of SCREENS.filter((d) => d.keys)) {
      for (const s of [initialState(def.id), { ...initialState(def.id), files: { bucket: 'b', prefix: '', pages: [] } }, { ...initialState(def.id), tm: { bucket: 'b', key: 'k', deleted: false, mark: null, pages: [] } }]) {
        const keys = def.keys!(s)
        expect({ screen: def.id, conflicts: findConflicts(keys.modal ? [...keys.bindings, MODAL_QUIT] : [...keys.bindings, ...global]) }).toEqual({ screen: def.id, conflicts: [] })
      }
    }
    for (const k of ALL_OVERLAY_KEYS) {
      expect(findConflicts([...k.bindings, MODAL_QUIT])).toEqual([])
      // Every overlay can be left without quitting.
      expect(k.bindings.some((b) => b.keys.includes('escape'))).toBe(true)
    }
    expect(findConflicts(NAV)).toEqual([])
  })

  test('the tab bar fits: full titles, short ones, then numbers', () => {
    expect(tabLabels(SCREENS, 'overview', 120).join('')).toContain('6 Time Machine')
    const at80 = tabLabels(SCREENS, 'overview', 80)
    expect(at80.join('').length).toBeLessThanOrEqual(80)
    expect(at80.join('')).toContain('6 TM')
    const at60 = tabLabels(SCREENS, 'files', 60)
    expect(at60.join('').length).toBeLessThanOrEqual(60)
    expect(at60.join('')).toContain('5 Files')
  })
})
