import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { cliCommand, ROOT, ROOT_EMAIL, startInProcess, type TestServer } from '../helpers/server'
import { s3Fetch } from '../helpers/raw-s3'
import { hasTool, testWithTool } from '../helpers/tools'
import { interactiveEnv, openTmux, shq, waitFor, type Terminal } from '../helpers/tmux'
import pkg from '../../package.json'

/**
 * The real CLI in a real pseudo-terminal: raw mode, the alternate screen, key input through
 * Bun's stdin and the exit path are only exercised here. tmux renders the screen as a terminal
 * would (so "fits in 80x24" is checked on what a user sees); `script` is the fallback.
 */

function tuiCommand(srv: TestServer, env: Record<string, string> = {}, args: string[] = ['--data', srv.dataDir, '--url', srv.httpUrl]): string {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`)
  return ['env', ...vars, ...cliCommand(), 'tui', ...args].map(shq).join(' ')
}

/** util-linux script: a pty with our pipes on the other side; stty sets its size. */
function openScript(command: string, columns: number, rows: number): Terminal {
  const proc = Bun.spawn(['script', '-qfec', `stty cols ${columns} rows ${rows}; cd ${shq(ROOT)} && exec ${command}`, '/dev/null'], {
    env: interactiveEnv(), stdin: 'pipe', stdout: 'pipe', stderr: 'pipe',
  })
  let out = ''
  void (async () => {
    const dec = new TextDecoder()
    for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) out += dec.decode(chunk)
  })()
  return {
    screen: () => stripVTControlCharacters(out),
    press: (keys) => { proc.stdin.write(keys); proc.stdin.flush() },
    exited: () => proc.exited,
    close: () => { if (proc.exitCode === null) proc.kill() },
  }
}

const useTmux = hasTool('tmux', ['-V'])
const useScript = !useTmux && hasTool('script', ['--version'])
const tool = useTmux ? 'tmux' : 'script'

describe('cloudstorage tui in a pseudo-terminal', () => {
  let srv: TestServer
  let dir: string
  beforeAll(async () => {
    if (!useTmux && !useScript) return
    srv = await startInProcess()
    dir = mkdtempSync(join(tmpdir(), 'cs-tui-pty-'))
  })
  afterAll(async () => {
    await srv?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  testWithTool('tmux or script', useTmux || useScript, `shows the live overview at 80x24, help on ?, exits 0 on q (${tool})`, async () => {
    const term = useTmux ? openTmux(dir, tuiCommand(srv), 80, 24) : openScript(tuiCommand(srv), 80, 24)
    try {
      const screen = await waitFor(term, (s) => s.includes('● online') && s.includes('Quota rejected'), 'the overview')
      expect(screen).toContain(`CloudStorage v${pkg.version}`)
      expect(screen).toMatch(new RegExp(`Version\\s+${pkg.version.replace(/\./g, '\\.')}`))
      expect(screen).toMatch(/Accounts\s+1\b/)
      expect(screen).toContain(srv.httpUrl)
      expect(screen).toContain('q quit')
      if (useTmux) {
        const lines = screen.replace(/\n$/, '').split('\n')
        expect(lines.length).toBe(24)
        expect(lines[0]).toStartWith('CloudStorage')
        // The hint bar sits on the last row Ink draws: nothing scrolled off the top.
        expect(lines[22]).toContain('q quit')
      }
      term.press('?')
      await waitFor(term, (s) => s.includes('Keys ·') && s.includes('CLOUDSTORAGE_ADMIN_TOKEN'), 'the help overlay')
      term.press('?')
      if (useTmux) await waitFor(term, (s) => !s.includes('Keys ·') && s.includes('Quota rejected'), 'help closed')
      term.press('q')
      expect(await term.exited()).toBe(0)
      if (useTmux) {
        const after = await waitFor(term, (s) => s.includes('TUI-EXITED'), 'the shell after exit')
        expect(after).not.toContain('Quota rejected')
      }
    } finally {
      term.close()
    }
  })

  testWithTool('tmux or script', useTmux || useScript, `Accounts screen: lists the admin, creates an account through the UI, shows its keys once (${tool})`, async () => {
    const term = useTmux ? openTmux(dir, tuiCommand(srv), 80, 24) : openScript(tuiCommand(srv), 80, 24)
    const email = 'carol@example.com'
    const password = 'carol-password-1'
    // A table row (not a banner line that mentions the email).
    const row = (screen: string, who: string) => screen.split('\n').find((l) => /^(› | {2})\S/.test(l) && l.includes(who)) ?? ''
    try {
      await waitFor(term, (s) => s.includes('● online') && s.includes('Quota rejected'), 'the overview')
      term.press('2')
      let screen = await waitFor(term, (s) => /\badmin\s+status\b/.test(s) && row(s, ROOT_EMAIL) !== '', 'the accounts table')
      expect(row(screen, ROOT_EMAIL)).toMatch(/yes\s+active\s+default/)
      expect(screen).toContain('n new')
      term.press('n')
      await waitFor(term, (s) => s.includes('New account') && s.includes('› Email'), 'the form')
      // Typed text goes to the form: the q in it must not quit.
      term.press(email)
      await waitFor(term, (s) => s.includes(`› Email     ${email}`), 'the email typed')
      term.press('\t')
      await waitFor(term, (s) => s.includes('› Password'), 'the password field')
      term.press(password)
      screen = await waitFor(term, (s) => s.includes('•'.repeat(password.length)), 'the masked password')
      if (useTmux) expect(screen).not.toContain(password)
      term.press('\r')
      await waitFor(term, (s) => s.includes('› Admin') && s.includes('y/n'), 'the admin field')
      term.press('\r')
      screen = await waitFor(term, (s) => s.includes('shown only this once'), 'the new keys')
      const accessKey = /Access key {2}(\S+)/.exec(screen)?.[1]
      const secretKey = /Secret key {2}(\S+)/.exec(screen)?.[1]
      const bucket = /Bucket {6}(\S+)/.exec(screen)?.[1]
      expect(accessKey).toBeDefined()
      expect(secretKey).toBeDefined()
      term.press('\r')
      if (useTmux) {
        screen = await waitFor(term, (s) => !s.includes('shown only this once') && row(s, email) !== '', 'the new account listed')
        expect(screen).not.toContain(secretKey!)
        expect(row(screen, email)).toMatch(/active\s+default/)
        const lines = screen.replace(/\n$/, '').split('\n')
        expect(lines.length).toBe(24)
        expect(lines[22]).toContain('q quit')
      } else {
        await waitFor(term, (s) => s.includes(`created ${email}`), 'the outcome')
      }

      // The server agrees, and the keys shown once really are the account's.
      const token = (await Bun.file(join(srv.dataDir, 'admin.token')).text()).trim()
      const res = await fetch(`${srv.httpUrl}/api/admin/accounts`, { headers: { authorization: `Bearer ${token}` } })
      expect(res.status).toBe(200)
      const { accounts } = await res.json() as { accounts: Array<{ email: string; isAdmin: boolean; status: string }> }
      expect(accounts.find((a) => a.email === email)).toMatchObject({ isAdmin: false, status: 'active' })
      expect(accounts.map((a) => a.email)).toContain(ROOT_EMAIL)
      const list = await s3Fetch(srv.s3Url, { creds: { accessKeyId: accessKey!, secretAccessKey: secretKey! } })
      expect(list.status).toBe(200)
      expect(await list.text()).toContain(`<Name>${bucket}</Name>`)

      term.press('q')
      expect(await term.exited()).toBe(0)
    } finally {
      term.close()
    }
  })

  testWithTool('tmux or script', useTmux || useScript, `Ctrl+C exits 0; a wrong token is reported on screen (${tool})`, async () => {
    const cmd = tuiCommand(srv, { CLOUDSTORAGE_ADMIN_TOKEN: 'cst_wrong' })
    const term = useTmux ? openTmux(dir, cmd, 80, 24) : openScript(cmd, 80, 24)
    try {
      const screen = await waitFor(term, (s) => s.includes('admin token rejected'), 'the token error')
      expect(screen).toContain('✖ token rejected')
      expect(screen).toContain('CLOUDSTORAGE_ADMIN_TOKEN')
      term.press('\u0003')
      expect(await term.exited()).toBe(0)
    } finally {
      term.close()
    }
  })
})

describe('cloudstorage tui finds the server, or signs in remotely', () => {
  let srv: TestServer
  let dir: string
  beforeAll(async () => {
    if (!useTmux) return
    srv = await startInProcess()
    dir = mkdtempSync(join(tmpdir(), 'cs-tui-pty-'))
  })
  afterAll(async () => {
    await srv?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  testWithTool('tmux', useTmux, 'no --url: the server running on --data DIR (its server.json)', async () => {
    const term = openTmux(dir, tuiCommand(srv, {}, ['--data', srv.dataDir]), 80, 24)
    try {
      const screen = await waitFor(term, (s) => s.includes('● online') && s.includes('Quota rejected'), 'the overview')
      expect(screen).toContain(srv.httpUrl)
      expect(screen).toMatch(/Accounts\s+1\b/)
      term.press('q')
      expect(await term.exited()).toBe(0)
    } finally {
      term.close()
    }
  })

  testWithTool('tmux', useTmux, '--login asks for the email and the password (unechoed), then shows that account', async () => {
    const token = (await Bun.file(join(srv.dataDir, 'admin.token')).text()).trim()
    const r = await fetch(`${srv.httpUrl}/api/admin/accounts`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'dora@example.com', password: 'dora-password-1' }) })
    expect(r.status).toBe(201)
    const term = openTmux(dir, tuiCommand(srv, {}, ['--url', srv.httpUrl, '--login']), 80, 24)
    try {
      await waitFor(term, (s) => s.includes('Email:'), 'the email prompt')
      term.press('dora@example.com\r')
      await waitFor(term, (s) => s.includes('Password:'), 'the password prompt')
      term.press('wrong-password\r')
      await waitFor(term, (s) => s.includes('✖ The email or password is incorrect.'), 'refused')
      term.press('dora@example.com\r')
      await waitFor(term, (s) => s.split('Password:').length === 3, 'asked again')
      term.press('dora-password-1\r')
      const screen = await waitFor(term, (s) => s.includes('dora@example.com') && s.includes('Plan'), 'her overview')
      expect(screen).not.toContain('2 Accounts')
      expect(screen).not.toContain('dora-password-1')
      term.press('3')
      await waitFor(term, (s) => /default\s+CS/.test(s), 'her key')
      term.press('q')
      expect(await term.exited()).toBe(0)
    } finally {
      term.close()
    }
  })
})

describe('cloudstorage tui without a terminal', () => {
  test('piped stdin: one clear line on stderr, exit 2, no escape codes', async () => {
    const p = Bun.spawn([...cliCommand(), 'tui', '--data', tmpdir(), '--url', 'http://127.0.0.1:9'], { cwd: ROOT, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' })
    p.stdin.end()
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toBe("cloudstorage tui: needs an interactive terminal (stdin is not a TTY); for scripts use 'cloudstorage admin … --json'\n")
  })

  test('--help works anywhere', async () => {
    const p = Bun.spawn([...cliCommand(), 'tui', '--help'], { cwd: ROOT, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' })
    p.stdin.end()
    const [stdout, code] = await Promise.all([new Response(p.stdout).text(), p.exited])
    expect(code).toBe(0)
    expect(stdout).toContain('Usage: cloudstorage tui')
  })
})
