import { afterEach, describe, expect, test } from 'bun:test'
import React from 'react'
import { cleanup, render } from 'ink-testing-library'
import { App } from '../../tui/app'
import type { Overview, Problem } from '../../tui/client'
import { handled, overviewData, plain, renderInTerminal, ScriptedClient, waitForFrame } from './ink-harness'
import { until } from '../helpers/wait'

const data = (over: Partial<Overview> = {}): Overview => overviewData(over)
const requests = (total: number) => ({ requests: { total, errors: 2, perSecond: 4.5 } })
const refused: Problem = { kind: 'unreachable', code: 'ECONNREFUSED', message: 'cannot reach http://127.0.0.1:9001: connection refused', hint: 'is the appliance running (cloudstorage serve)? or point --url at it' }
const rejected: Problem = { kind: 'unauthorized', code: 'Unauthorized', message: 'admin token rejected (401 Unauthorized)', status: 401, hint: 'token from /srv/data/admin.token: is that the data dir of the server at this URL?' }

// Polls only when the test presses r: each frame is then caused by a known step.
const MANUAL = 3_600_000

afterEach(() => cleanup())

describe('overview screen (ink-testing-library)', () => {
  test('shows the numbers, in human units', async () => {
    const client = new ScriptedClient([data()])
    const { lastFrame } = render(<App client={client} intervalMs={MANUAL} />)
    const frame = await waitForFrame(lastFrame, (f) => f.includes('12,345'), 'overview data')
    expect(frame).toContain('CloudStorage v1.2.3')
    expect(frame).toContain('● online')
    expect(frame).toMatch(/Version\s+1\.2\.3/)
    expect(frame).toMatch(/Uptime\s+1d 1h/)
    expect(frame).toMatch(/Region\s+eu-central-1/)
    expect(frame).toMatch(/S3\s+http:\/\/127\.0\.0\.1:9000/)
    expect(frame).toMatch(/HTTP\s+http:\/\/127\.0\.0\.1:9001/)
    expect(frame).toMatch(/Data\s+\/srv\/data/)
    expect(frame).toMatch(/Disk free\s+80\.0 GiB of 100 GiB/)
    expect(frame).toMatch(/Requests\s+12,345/)
    expect(frame).toMatch(/Rate\s+4\.5\/s/)
    expect(frame).toMatch(/Errors \(5xx\)\s+2/)
    expect(frame).toMatch(/Rate-limited\s+7/)
    expect(frame).toMatch(/Quota rejected\s+3/)
    expect(frame).toMatch(/Accounts\s+4/)
    expect(frame).toMatch(/Buckets\s+9/)
    expect(frame).toMatch(/Multipart uploads\s+2/)
    expect(frame).toMatch(/Webhook queue\s+1/)
    expect(frame).toMatch(/GC ✔ \d\d:\d\d:\d\d 3 dead blobs/)
    expect(frame).toMatch(/Retention ✖ \d\d:\d\d:\d\d disk I\/O error/)
    expect(frame).toMatch(/Logical size\s+3\.00 GiB/)
    expect(frame).toMatch(/Stored on disk\s+1\.50 GiB/)
    expect(frame).toMatch(/Stored\/logical\s+50% of logical/)
    expect(frame).toMatch(/Objects\s+321/)
    expect(frame).toContain('q quit')
    expect(frame).toContain('r refresh now')
  })

  test('before the first answer it says it is connecting', () => {
    const client = new ScriptedClient([data()])
    const { lastFrame } = render(<App client={client} intervalMs={MANUAL} />)
    const first = plain(lastFrame())
    expect(first).toContain('○ connecting')
    expect(first).toContain('connecting to http://127.0.0.1:9001')
  })

  test('an unreachable server: which URL, why, and what to do', async () => {
    const { lastFrame } = render(<App client={new ScriptedClient([refused])} />)
    const frame = await waitForFrame(lastFrame, (f) => f.includes('connection refused'), 'the unreachable banner')
    expect(frame).toContain('✖ unreachable')
    expect(frame).toContain('cannot reach http://127.0.0.1:9001: connection refused')
    expect(frame).toContain('is the appliance running')
    expect(frame).toContain('retrying every 2s')
    expect(frame).toContain('not updated yet')
  })

  test('a rejected token says so and where the token came from', async () => {
    const { lastFrame } = render(<App client={new ScriptedClient([rejected])} intervalMs={MANUAL} />)
    const frame = await waitForFrame(lastFrame, (f) => f.includes('admin token rejected'), 'the token banner')
    expect(frame).toContain('✖ token rejected')
    expect(frame).toContain('/srv/data/admin.token')
    expect(frame).not.toContain('Requests')
  })

  test('r refreshes now: last numbers stay, marked stale, while the server is away; then recover', async () => {
    const client = new ScriptedClient([data(), refused, data(requests(99_999))])
    const { lastFrame, stdin } = render(<App client={client} intervalMs={MANUAL} />)
    await waitForFrame(lastFrame, (f) => f.includes('12,345'), 'first data')
    stdin.write('r')
    const stale = await waitForFrame(lastFrame, (f) => f.includes('connection refused'), 'the failure after r')
    expect(client.calls).toBe(2)
    expect(stale).toContain('(stale)')
    expect(stale).toMatch(/Requests\s+12,345/)
    expect(stale).toContain('✖ unreachable')
    stdin.write('r')
    const back = await waitForFrame(lastFrame, (f) => f.includes('99,999'), 'recovered data')
    expect(client.calls).toBe(3)
    expect(back).not.toContain('(stale)')
    expect(back).not.toContain('connection refused')
    expect(back).toContain('● online')
  })

  test('? shows the help with every key; ? or esc hides it', async () => {
    const { lastFrame, stdin } = render(<App client={new ScriptedClient([data()])} intervalMs={MANUAL} />)
    await waitForFrame(lastFrame, (f) => f.includes('12,345'), 'data')
    stdin.write('?')
    const help = await waitForFrame(lastFrame, (f) => f.includes('Keys ·'), 'help')
    expect(help).toMatch(/q, ctrl\+c\s+quit/)
    expect(help).toMatch(/r\s+refresh now/)
    expect(help).toMatch(/esc\s+back/)
    expect(help).toMatch(/1–8\s+1 Overview · 2 Accounts · 3 Keys/)
    expect(help).toContain('CLOUDSTORAGE_ADMIN_TOKEN')
    expect(help).not.toContain('12,345')
    stdin.write('?')
    await waitForFrame(lastFrame, (f) => f.includes('12,345') && !f.includes('Keys ·'), 'help hidden by ?')
    stdin.write('?')
    await waitForFrame(lastFrame, (f) => f.includes('Keys ·'), 'help again')
    stdin.write('\u001B')
    await waitForFrame(lastFrame, (f) => f.includes('12,345') && !f.includes('Keys ·'), 'help hidden by esc')
  })

  test('keys that arrive in one chunk each count', async () => {
    const client = new ScriptedClient([data(), data(requests(77))])
    const { lastFrame, stdin } = render(<App client={client} intervalMs={MANUAL} />)
    await waitForFrame(lastFrame, (f) => f.includes('12,345'), 'data')
    stdin.write('r?')
    await waitForFrame(lastFrame, (f) => f.includes('Keys ·'), 'help from the second key')
    expect(client.calls).toBe(2)
    // Closed and reopened; the trailing r shows all three were handled.
    stdin.write('??r')
    await until(() => client.calls >= 3, 'the third overview call')
    await waitForFrame(lastFrame, (f) => f.includes('Keys ·') && f.includes('● online'), 'help still open')
    // An unknown escape sequence is not a burst of keys: its "1" and "r" must not act.
    stdin.write('\u001B[1r~')
    stdin.write('r')
    await until(() => client.calls >= 4, 'the fourth overview call')
    await handled(client.answers[3])
    expect(client.calls).toBe(4)
    expect(plain(lastFrame())).toContain('Keys ·')
  })

  test('polls on its own at the given interval', async () => {
    const client = new ScriptedClient([data(), data(requests(1)), data(requests(2))])
    const { lastFrame } = render(<App client={client} intervalMs={5} />)
    await waitForFrame(lastFrame, (f) => /Requests\s+2\b/.test(f), 'the third poll')
    expect(client.calls).toBeGreaterThanOrEqual(3)
  })
})

describe('in a sized terminal', () => {
  test('80x24: everything fits, with a problem banner and stale data too', async () => {
    const client = new ScriptedClient([data(), refused])
    const t = renderInTerminal(<App client={client} intervalMs={MANUAL} />, 80, 24)
    const check = (frame: string) => {
      const lines = frame.replace(/\n$/, '').split('\n')
      // One row short of the terminal, so Ink never has to clear the whole screen to repaint.
      expect(lines.length).toBe(23)
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(80)
      expect(lines.at(-1)).toContain('q quit')
    }
    const ok = await waitForFrame(t.lastFrame, (f) => f.includes('12,345'), 'data')
    check(ok)
    t.stdin.write('r')
    const failing = await waitForFrame(t.lastFrame, (f) => f.includes('connection refused'), 'banner')
    check(failing)
    expect(failing).toContain('(stale)')
    expect(failing).toMatch(/Quota rejected\s+3/)
    t.instance.unmount()
  })

  test('too small a terminal gets a one-line notice, and recovers on resize', async () => {
    const t = renderInTerminal(<App client={new ScriptedClient([data()])} intervalMs={MANUAL} />, 50, 10)
    expect(plain(t.lastFrame())).toContain('terminal too small (50x10')
    t.stdout.resize(80, 24)
    await waitForFrame(t.lastFrame, (f) => f.includes('12,345'), 'layout after resize')
    t.instance.unmount()
  })

  test('q quits', async () => {
    const client = new ScriptedClient([data()])
    const t = renderInTerminal(<App client={client} intervalMs={MANUAL} />, 80, 24)
    await waitForFrame(t.lastFrame, (f) => f.includes('12,345'), 'data')
    t.stdin.write('q')
    await t.instance.waitUntilExit()
  })

  test('Ctrl+C quits', async () => {
    const t = renderInTerminal(<App client={new ScriptedClient([data()])} intervalMs={MANUAL} />, 80, 24)
    await waitForFrame(t.lastFrame, (f) => f.includes('12,345'), 'data')
    t.stdin.write('\u0003')
    await t.instance.waitUntilExit()
  })

  test('a refresh that brings nothing new renders nothing', async () => {
    const client = new ScriptedClient([data()])
    const t = renderInTerminal(<App client={client} intervalMs={MANUAL} now={() => 1_700_000_000_000} />, 80, 24)
    await waitForFrame(t.lastFrame, (f) => f.includes('12,345'), 'data')
    const frames = t.stdout.frames.length
    for (let i = 2; i <= 4; i++) {
      t.stdin.write('r')
      await until(() => client.calls >= i, `overview call ${i}`)
    }
    // Let the last answer reach the reducer before counting.
    await handled(client.answers.at(-1))
    expect(t.stdout.frames.length).toBe(frames)
    t.instance.unmount()
  })
})
