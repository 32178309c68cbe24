import { afterEach, describe, expect, test } from 'bun:test'
import React from 'react'
import { cleanup, render } from 'ink-testing-library'
import { App } from '../../tui/app'
import type { Account } from '../../tui/client'
import { account, FakeAppliance, handled, plain, renderInTerminal, waitForFrame } from './ink-harness'
import { until } from '../helpers/wait'

const GiB = 1024 ** 3

function appliance(extra: Account[] = []): FakeAppliance {
  return new FakeAppliance([
    account('root@test.local', { isAdmin: true, usage: { bytes: 1.5 * GiB, storedBytes: GiB, objects: 12_345 }, createdAt: '2025-01-02T03:04:05.000Z' }),
    account('bob@example.com', { status: 'suspended', usage: { bytes: 9.5 * GiB, storedBytes: 9 * GiB, objects: 3 } }),
    account('alice@example.com', { plan: 'pro', quotaBytes: 100 * GiB }),
    ...extra,
  ], 'root@test.local')
}

// Polls only when the test presses r (or a change asks for a refresh): each frame has a known cause.
const MANUAL = 3_600_000

const UP = '\u001B[A'
const DOWN = '\u001B[B'
const ENTER = '\r'
const ESC = '\u001B'
const TAB = '\t'
const BACKSPACE = '\u007F'

/** The table row of an account (rows start with the selection marker or two spaces). */
const rowOf = (frame: string, email: string) => frame.split('\n').find((l) => /^(› | {2})\S/.test(l) && l.includes(email)) ?? ''
const selectedRow = (frame: string) => frame.split('\n').find((l) => l.startsWith('› ')) ?? ''

async function openAccounts(client: FakeAppliance) {
  const r = render(<App client={client} intervalMs={MANUAL} />)
  await waitForFrame(r.lastFrame, (f) => f.includes('● online'), 'the overview')
  r.stdin.write('2')
  await waitForFrame(r.lastFrame, (f) => f.includes('root@test.local'), 'the accounts list')
  return r
}

/**
 * Writes one key and waits until the frame shows its effect. Ink reads keys one chunk at a
 * time; waiting between keys is also what a person does.
 */
async function press(r: { stdin: { write(s: string): void }; lastFrame: () => string | undefined }, keys: string, until: (f: string) => boolean, what: string) {
  r.stdin.write(keys)
  return waitForFrame(r.lastFrame, until, what)
}

afterEach(() => cleanup())

describe('accounts list', () => {
  test('one row per account, sorted by email, with usage against quota', async () => {
    const r = await openAccounts(appliance())
    const frame = plain(r.lastFrame())
    const lines = frame.split('\n')
    const order = ['alice@example.com', 'bob@example.com', 'root@test.local'].map((e) => lines.findIndex((l) => l.includes(e)))
    expect(order[0]).toBeGreaterThan(0)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(frame).toMatch(/email\s+admin\s+status\s+plan\s+used\/quota\s+%\s+objects\s+created/)
    expect(rowOf(frame, 'root@test.local')).toMatch(/root@test\.local\s+yes\s+active\s+default\s+1\.50G\/10\.0G\s+15%\s+12,345 2025-01-02/)
    expect(rowOf(frame, 'bob@example.com')).toMatch(/bob@example\.com\s+suspended\s+default\s+9\.50G\/10\.0G\s+95%\s+3 2025-03-04/)
    expect(rowOf(frame, 'alice@example.com')).toMatch(/alice@example\.com\s+active\s+pro\s+0B\/100G\s+0%\s+0/)
    expect(frame).toContain('3 accounts')
    expect(frame).toMatch(/enter show {2}n new {2}p plan {2}a admin {2}w password {2}q quit {2}\? help {2}r refresh now/)
    expect(frame).toMatch(/2 Accounts/)
  })

  test('↓ ↑ and j k move the selection; it stays on the account when a refresh adds rows', async () => {
    const client = appliance()
    const r = await openAccounts(client)
    expect(selectedRow(plain(r.lastFrame()))).toContain('alice@example.com')
    await press(r, DOWN, (f) => selectedRow(f).includes('bob@example.com'), '↓')
    await press(r, 'j', (f) => selectedRow(f).includes('root@test.local'), 'j')
    await press(r, UP, (f) => selectedRow(f).includes('bob@example.com'), '↑')
    client.accounts.push(account('aaron@example.com'))
    const after = await press(r, 'r', (f) => f.includes('aaron@example.com'), 'refresh with a new account')
    expect(selectedRow(after)).toContain('bob@example.com')
    await press(r, 'k', (f) => selectedRow(f).includes('alice@example.com'), 'k')
    await press(r, 'k', (f) => selectedRow(f).includes('aaron@example.com'), 'k again')
  })

  test('the help lists the screen keys next to the global ones', async () => {
    const r = await openAccounts(appliance())
    const help = await press(r, '?', (f) => f.includes('Keys ·'), 'help')
    expect(help).toMatch(/↑↓\s+move: ↑\/k ↓\/j pgup pgdn home\/g end\/G/)
    expect(help).toMatch(/s\s+suspend \/ activate/)
    expect(help).toMatch(/d\s+delete with all data/)
    expect(help).toMatch(/p\s+change the plan/)
    expect(help).toMatch(/w\s+reset the password/)
    expect(help).toMatch(/enter\s+the account's keys, buckets and usage/)
    expect(help).toMatch(/1–8\s+1 Overview · 2 Accounts/)
    // While the help covers the list, its keys do nothing.
    r.stdin.write('s')
    await press(r, '?', (f) => f.includes('root@test.local') && !f.includes('Keys ·'), 'help closed')
    expect(plain(r.lastFrame())).not.toContain('Suspend')
  })
})

describe('suspend / activate', () => {
  test('s asks first; n leaves it; y suspends and the row shows it', async () => {
    const client = appliance()
    const r = await openAccounts(client)
    let f = await press(r, 's', (fr) => fr.includes('Suspend alice@example.com?'), 'the question')
    expect(f).toContain('[y/N]')
    expect(f).toMatch(/y yes {2}n no/)
    expect(f).not.toContain('q quit')
    await press(r, 'n', (fr) => !fr.includes('Suspend alice'), 'n closes it')
    expect(client.requests.filter((q) => q.startsWith('PATCH'))).toEqual([])
    await press(r, 's', (fr) => fr.includes('Suspend alice@example.com?'), 'the question again')
    f = await press(r, 'y', (fr) => fr.includes('✔ alice@example.com suspended'), 'the outcome')
    expect(rowOf(f, 'alice@example.com')).toContain('suspended')
    expect(client.accounts.find((a) => a.email === 'alice@example.com')!.status).toBe('suspended')
    // s on a suspended account offers to activate it.
    await press(r, 's', (fr) => fr.includes('Activate alice@example.com?'), 'activate question')
    f = await press(r, 'y', (fr) => fr.includes('✔ alice@example.com activated'), 'activated')
    expect(rowOf(f, 'alice@example.com')).toMatch(/active\s/)
  })

  test('shows "suspending…" while the server works, and ignores keys meanwhile', async () => {
    const client = appliance()
    const r = await openAccounts(client)
    await press(r, 's', (f) => f.includes('Suspend alice'), 'the question')
    const release = client.hold()
    await press(r, 'y', (f) => f.includes('suspending…'), 'the wait')
    r.stdin.write(ESC)
    r.stdin.write('q')
    release()
    await waitForFrame(r.lastFrame, (f) => f.includes('✔ alice@example.com suspended'), 'the outcome')
  })

  test("the server's refusal (suspending yourself) appears in the banner", async () => {
    const r = await openAccounts(appliance())
    await press(r, 'G', (f) => selectedRow(f).includes('root@test.local'), 'G')
    await press(r, 's', (f) => f.includes('Suspend root@test.local?'), 'the question')
    const f = await press(r, 'y', (fr) => fr.includes('could not suspend'), 'the refusal')
    expect(f).toContain('✖ could not suspend root@test.local')
    expect(f).toContain('Administrators cannot suspend or demote themselves. (ValidationError)')
    expect(rowOf(f, 'root@test.local')).toMatch(/active/)
  })
})

describe('quota', () => {
  test('e opens an input that gets every letter (q too); an API error shows and the input stays; a good value saves', async () => {
    const client = appliance()
    const r = await openAccounts(client)
    await press(r, DOWN, (f) => selectedRow(f).includes('bob@example.com'), '↓')
    let f = await press(r, 'e', (fr) => fr.includes('Quota for bob@example.com'), 'the input')
    expect(f).toContain('(now 10.0 GiB)')
    expect(f).toMatch(/enter save {2}esc cancel/)
    // q, r, ? and 1 are text here, not quit, refresh, help or a screen switch.
    f = await press(r, 'q?r1', (fr) => fr.includes('› q?r1'), 'typed text')
    expect(f).toContain('Quota for bob@example.com')
    for (let i = 0; i < 4; i++) r.stdin.write(BACKSPACE)
    await waitForFrame(r.lastFrame, (fr) => fr.includes('Quota for bob') && !fr.includes('q?r') && !fr.includes('› q'), 'erased')
    await press(r, 'lots', (fr) => fr.includes('› lots'), 'typed lots')
    f = await press(r, ENTER, (fr) => fr.includes('not changed'), 'the API error')
    expect(f).toContain('✖ quota of bob@example.com not changed')
    expect(f).toContain('quota must be a size such as "10GiB" or a byte count. (ValidationError)')
    expect(f).toContain('› lots')
    for (let i = 0; i < 4; i++) r.stdin.write(BACKSPACE)
    await press(r, '50GiB', (fr) => fr.includes('› 50GiB'), 'typed 50GiB')
    f = await press(r, ENTER, (fr) => fr.includes('✔ quota of bob@example.com is now 50.0 GiB'), 'saved')
    expect(f).not.toContain('not changed')
    expect(rowOf(f, 'bob@example.com')).toContain('9.50G/50.0G  19%')
    expect(client.accounts.find((a) => a.email === 'bob@example.com')!.quotaBytes).toBe(50 * GiB)
    expect(client.requests.filter((q) => q.startsWith('PATCH')).map((q) => q.split(' ').at(-1))).toEqual(['{"quota":"lots"}', '{"quota":"50GiB"}'])
  })

  test('Esc cancels without sending anything', async () => {
    const client = appliance()
    const r = await openAccounts(client)
    await press(r, 'e', (f) => f.includes('Quota for alice@example.com'), 'the input')
    await press(r, '1TiB', (f) => f.includes('› 1TiB'), 'typed')
    const f = await press(r, ESC, (fr) => !fr.includes('Quota for'), 'closed')
    expect(f).toContain('enter show')
    expect(client.requests.filter((q) => !q.startsWith('GET'))).toEqual([])
  })
})

describe('delete', () => {
  test('needs the exact email typed; then deletes the account and its row', async () => {
    const client = appliance()
    const r = await openAccounts(client)
    await press(r, 'j', (f) => selectedRow(f).includes('bob@example.com'), 'j')
    let f = await press(r, 'd', (fr) => fr.includes('Delete bob@example.com and ALL its data?'), 'the dialog')
    expect(f).toContain('Type the email to confirm:')
    expect(f).toMatch(/enter delete {2}esc cancel/)
    // Enter with nothing, or with a near miss, deletes nothing.
    f = await press(r, ENTER, (fr) => fr.includes('not the account'), 'empty refused')
    await press(r, 'Bob@example.com', (fr) => fr.includes('confirm: Bob@example.com'), 'typed near miss')
    f = await press(r, ENTER, (fr) => fr.includes('not the account'), 'near miss refused')
    expect(client.requests.filter((q) => q.startsWith('DELETE'))).toEqual([])
    expect(client.accounts.map((a) => a.email)).toContain('bob@example.com')
    for (let i = 0; i < 15; i++) r.stdin.write(BACKSPACE)
    await waitForFrame(r.lastFrame, (fr) => fr.includes('Its buckets, objects and keys') && !fr.includes('confirm: B'), 'erased')
    await press(r, 'bob@example.com', (fr) => fr.includes('confirm: bob@example.com'), 'typed the email')
    f = await press(r, ENTER, (fr) => fr.includes('✔ deleted bob@example.com and all its data'), 'deleted')
    expect(rowOf(f, 'bob@example.com')).toBe('')
    expect(f).toContain('2 accounts')
    expect(client.accounts.map((a) => a.email)).not.toContain('bob@example.com')
    // The row that took its place is selected.
    expect(selectedRow(f)).toContain('root@test.local')
  })

  test('a list read from before the delete, answered after it, does not bring the row back', async () => {
    const client = appliance()
    const r = await openAccounts(client)
    const gets = () => client.requests.filter((q) => q.startsWith('GET')).length
    await press(r, 'j', (f) => selectedRow(f).includes('bob@example.com'), 'j')
    const releaseStale = client.holdReads()
    r.stdin.write('r')
    await until(() => gets() >= 2, 'the refresh read')
    await press(r, 'd', (f) => f.includes('Delete bob@example.com'), 'the dialog')
    await press(r, 'bob@example.com', (f) => f.includes('confirm: bob@example.com'), 'typed')
    await press(r, ENTER, (f) => f.includes('✔ deleted bob@example.com'), 'deleted')
    // The read from before the delete answers now, with bob in it; the re-read waits meanwhile.
    const from = r.frames.length
    const releaseFresh = client.holdReads()
    releaseStale()
    await until(() => gets() >= 3, 'the re-read after the delete')
    await handled(client.reads[1])
    for (const f of r.frames.slice(from).map(plain)) expect(rowOf(f, 'bob@example.com')).toBe('')
    expect(rowOf(plain(r.lastFrame()), 'bob@example.com')).toBe('')
    releaseFresh()
    client.accounts.push(account('zoe@example.com'))
    await press(r, 'r', (f) => f.includes('zoe@example.com'), 'a later refresh still lands')
  })

  test('an account that went away meanwhile: the error shows, and the list catches up', async () => {
    const client = appliance()
    const r = await openAccounts(client)
    await press(r, 'd', (f) => f.includes('Delete alice@example.com'), 'the dialog')
    await press(r, 'alice@example.com', (f) => f.includes('confirm: alice@example.com'), 'typed')
    client.accounts = client.accounts.filter((a) => a.email !== 'alice@example.com')
    const f = await press(r, ENTER, (fr) => fr.includes('alice@example.com not deleted') && !rowOf(fr, 'alice@example.com').includes('active'), 'error and refreshed list')
    expect(f).toContain('The specified account does not exist. (NoSuchAccount)')
  })
})

describe('create', () => {
  test('n: email, masked password, admin y/n; the keys are shown once, then the account is listed', async () => {
    const client = appliance()
    const r = await openAccounts(client)
    let f = await press(r, 'n', (fr) => fr.includes('New account'), 'the form')
    expect(f).toMatch(/enter next {2}tab next field {2}esc cancel/)
    await press(r, 'dave@example.com', (fr) => fr.includes('› Email     dave@example.com'), 'email typed')
    await press(r, TAB, (fr) => fr.includes('› Password'), 'tab')
    f = await press(r, 'qwerty-secret-1', (fr) => fr.includes('•'.repeat(15)), 'password typed')
    expect(f).not.toContain('qwerty')
    f = await press(r, ENTER, (fr) => fr.includes('y/n'), 'admin field')
    expect(f).toMatch(/enter create {2}y admin {2}n not admin/)
    await press(r, 'y', (fr) => /Admin\s+yes/.test(fr), 'admin yes')
    f = await press(r, ENTER, (fr) => fr.includes('shown only this once'), 'the keys')
    expect(f).toContain('✔ Created dave@example.com')
    expect(f).toContain('Access key  CSFAKEACCESSKEY00001')
    expect(f).toContain(`Secret key  fakeSecret${'x'.repeat(30)}`)
    expect(f).toContain('Bucket      dave')
    expect(f).toMatch(/enter close/)
    // Only Enter or Esc closes it: a stray q must not quit and lose the secret.
    r.stdin.write('q')
    f = await press(r, ENTER, (fr) => !fr.includes('shown only this once'), 'closed')
    expect(f).not.toContain('fakeSecret')
    expect(rowOf(f, 'dave@example.com')).toMatch(/yes\s+active/)
    expect(selectedRow(f)).toContain('dave@example.com')
    expect(f).toContain('4 accounts')
    expect(client.accounts.find((a) => a.email === 'dave@example.com')?.isAdmin).toBe(true)
  })

  test('a refused password keeps the form, with the error, and the cursor on the password', async () => {
    const client = appliance()
    const r = await openAccounts(client)
    await press(r, 'n', (f) => f.includes('New account'), 'the form')
    await press(r, 'erin@example.com', (f) => f.includes('erin@example.com'), 'email')
    await press(r, ENTER, (f) => f.includes('enter next'), 'to password')
    await press(r, 'short', (f) => f.includes('•••••'), 'password')
    await press(r, ENTER, (f) => f.includes('y/n'), 'to admin')
    let f = await press(r, ENTER, (fr) => fr.includes('not created'), 'the refusal')
    expect(f).toContain('✖ account erin@example.com not created')
    expect(f).toContain('The password must be at least 10 characters long. (WeakPassword)')
    expect(f).toContain('New account')
    // Typing continues the password, where the cursor is.
    await press(r, '-and-longer', (fr) => fr.includes('•'.repeat(16)), 'password continued')
    await press(r, ENTER, (fr) => fr.includes('y/n'), 'to admin')
    f = await press(r, ENTER, (fr) => fr.includes('shown only this once'), 'created')
    expect(client.accounts.find((a) => a.email === 'erin@example.com')?.isAdmin).toBe(false)
    await press(r, ESC, (fr) => !fr.includes('shown only this once'), 'closed with esc')
  })

  test('Ctrl+C still quits from inside a form', async () => {
    const client = appliance()
    const t = renderInTerminal(<App client={client} intervalMs={MANUAL} />, 80, 24)
    await waitForFrame(t.lastFrame, (f) => f.includes('● online'), 'overview')
    t.stdin.write('2')
    await waitForFrame(t.lastFrame, (f) => f.includes('root@test.local'), 'accounts')
    t.stdin.write('n')
    await waitForFrame(t.lastFrame, (f) => f.includes('New account'), 'form')
    t.stdin.write('\u0003')
    await t.instance.waitUntilExit()
  })
})

describe('in an 80x24 terminal', () => {
  const many = () => Array.from({ length: 40 }, (_, i) => account(`user${String(i).padStart(2, '0')}@example.com`))

  const fits = (frame: string) => {
    const lines = frame.replace(/\n$/, '').split('\n')
    expect(lines.length).toBe(23)
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80)
    return lines
  }

  test('the list, each dialog and the error banner fit; long lists scroll', async () => {
    const client = appliance([account('a-rather-long-address-for-a-narrow-column@example.org'), ...many()])
    const t = renderInTerminal(<App client={client} intervalMs={MANUAL} />, 80, 24)
    await waitForFrame(t.lastFrame, (f) => f.includes('● online'), 'overview')
    t.stdin.write('2')
    let f = await waitForFrame(t.lastFrame, (fr) => fr.includes('44 accounts'), 'accounts')
    let lines = fits(f)
    // Enter (the account in full), plan, admin and password, with quit and help, in 80 columns.
    expect(lines.at(-1)).toMatch(/^enter show {2}n new {2}p plan {2}a admin {2}w password {2}q quit {2}\? help\s+updated/)
    expect(f).toContain('a-rather-long-add…')
    expect(f).toContain('44 accounts · 1–18 shown')
    // Down to the last row: the window follows.
    t.stdin.write('G')
    f = await waitForFrame(t.lastFrame, (fr) => selectedRow(fr).includes('user39@example.com'), 'G')
    fits(f)
    expect(f).toContain('27–44 shown')
    expect(f).not.toContain('alice@example.com')
    for (let i = 0; i < 18; i++) t.stdin.write(UP)
    f = await waitForFrame(t.lastFrame, (fr) => selectedRow(fr).includes('user21@example.com'), '18 rows up')
    expect(f).toContain('26–43 shown')
    t.stdin.write('g')
    f = await waitForFrame(t.lastFrame, (fr) => selectedRow(fr).includes('a-rather-long'), 'g')
    expect(f).toContain('1–18 shown')
    for (const [key, shows] of [['s', 'Suspend'], ['e', 'Quota for'], ['d', 'Delete'], ['n', 'New account']] as const) {
      t.stdin.write(key)
      f = await waitForFrame(t.lastFrame, (fr) => fr.includes(shows), shows)
      fits(f)
      expect(selectedRow(f) || shows === 'New account').toBeTruthy()
      t.stdin.write(ESC)
      await waitForFrame(t.lastFrame, (fr) => !fr.includes(shows), `${shows} closed`)
    }
    t.stdin.write('e')
    await waitForFrame(t.lastFrame, (fr) => fr.includes('Quota for'), 'quota')
    t.stdin.write('x')
    await waitForFrame(t.lastFrame, (fr) => fr.includes('› x'), 'typed')
    t.stdin.write(ENTER)
    f = await waitForFrame(t.lastFrame, (fr) => fr.includes('not changed'), 'error')
    lines = fits(f)
    expect(selectedRow(f)).toContain('a-rather-long')
    t.instance.unmount()
  })

  test('the secret is shown whole at 80 columns', async () => {
    const t = renderInTerminal(<App client={appliance()} intervalMs={MANUAL} />, 80, 24)
    await waitForFrame(t.lastFrame, (f) => f.includes('● online'), 'overview')
    t.stdin.write('2')
    await waitForFrame(t.lastFrame, (f) => f.includes('root@test.local'), 'accounts')
    t.stdin.write('n')
    await waitForFrame(t.lastFrame, (f) => f.includes('New account'), 'form')
    t.stdin.write('frank@example.com')
    await waitForFrame(t.lastFrame, (f) => f.includes('frank@example.com'), 'email')
    t.stdin.write(ENTER)
    await waitForFrame(t.lastFrame, (f) => f.includes('enter next  tab'), 'password field')
    t.stdin.write('long-enough-pw')
    await waitForFrame(t.lastFrame, (f) => f.includes('••••'), 'password')
    t.stdin.write(ENTER)
    await waitForFrame(t.lastFrame, (f) => f.includes('y/n'), 'admin')
    t.stdin.write(ENTER)
    const f = await waitForFrame(t.lastFrame, (fr) => fr.includes('shown only this once'), 'secret')
    fits(f)
    expect(f).toContain(`fakeSecret${'x'.repeat(30)}`)
    t.instance.unmount()
  })

  test('a refresh that brings nothing new renders nothing', async () => {
    const client = appliance(many())
    const t = renderInTerminal(<App client={client} intervalMs={MANUAL} now={() => 1_700_000_000_000} />, 80, 24)
    await waitForFrame(t.lastFrame, (f) => f.includes('● online'), 'overview')
    t.stdin.write('2')
    await waitForFrame(t.lastFrame, (f) => f.includes('43 accounts'), 'accounts')
    const gets = () => client.requests.filter((q) => q.startsWith('GET')).length
    // Let the measurement (an effect after the list rendered) settle before counting.
    await handled(client.reads.at(-1))
    const frames = t.stdout.frames.length
    for (let i = 1; i <= 3; i++) {
      const before = gets()
      t.stdin.write('r')
      await until(() => gets() !== before, `refresh ${i}`)
    }
    await handled(client.reads.at(-1))
    expect(t.stdout.frames.length).toBe(frames)
    t.instance.unmount()
  })
})
