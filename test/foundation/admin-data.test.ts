/**
 * `cloudstorage admin` and the data dir it acts on: a directory without appliance data is
 * refused unless `--init` is given; the settings are the running server's (its config file);
 * `--password-stdin`; with `--json`, errors are one JSON document on stderr.
 */
import { describe, test, expect, afterAll, setDefaultTimeout } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, ROOT_EMAIL, cliCommand, startInProcess } from '../helpers/server'
import { createAppContext } from '../../src/app'
import { loadConfig } from '../../src/config/load'
import { cleanEnv, expectOneLineError, runCli, tempDir } from './util'

// Each admin command is a process start on a shared 2-core box (hang guard only).
setDefaultTimeout(120_000)

const tmp = tempDir('cs-admin-data-')
afterAll(() => tmp.cleanup())

const GiB = 2 ** 30
const noData = (dir: string) => `cloudstorage: no CloudStorage data in ${dir} (pass --init to create a new data directory there)`

/** Runs the CLI with `input` on stdin. */
async function runWithStdin(args: string[], input: string) {
  const p = Bun.spawn([...cliCommand(), ...args], { env: cleanEnv(), cwd: ROOT, stdin: new TextEncoder().encode(input), stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { code, stdout, stderr }
}

/** Every command, with the arguments it needs to get as far as opening the data dir. */
const COMMANDS = [
  ['account', 'list'],
  ['account', 'create', '--email', 'new@test.local', '--password', 'new-password-123'],
  ['key', 'create', '--email', 'new@test.local'],
  ['key', 'list', '--email', 'new@test.local'],
  ['key', 'revoke', '--access-key', 'CSNOSUCHKEY000000000'],
  ['usage'],
  ['scrub'],
]

describe('a directory without CloudStorage data is refused unless --init', () => {
  test.each(COMMANDS.map((c) => [c.slice(0, 2).join(' '), c] as const))('%s on a missing directory: exit 1, nothing created', async (_, cmd) => {
    const dir = join(tmp.dir, 'missing', 'data')
    const r = await runCli(['admin', ...cmd, '--data', dir])
    expect(expectOneLineError(r, 1)).toBe(noData(dir))
    expect(existsSync(join(tmp.dir, 'missing'))).toBe(false)
  })

  test.each(COMMANDS.map((c) => [c.slice(0, 2).join(' '), c] as const))('%s on an empty directory: exit 1, it stays empty', async (_, cmd) => {
    const dir = join(tmp.dir, 'empty')
    mkdirSync(dir, { recursive: true })
    const r = await runCli(['admin', ...cmd, '--data', dir])
    expect(expectOneLineError(r, 1)).toBe(noData(dir))
    expect(readdirSync(dir)).toEqual([])
  })

  test('with --init the directory is created (0700, files 0600) and the command runs; later commands need no --init', async () => {
    const dir = join(tmp.dir, 'init', 'data')
    const r = await runCli(['admin', 'account', 'create', '--email', 'first@test.local', '--password', 'first-password-1', '--data', dir, '--init', '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).account.email).toBe('first@test.local')
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    for (const f of readdirSync(dir)) {
      const s = statSync(join(dir, f))
      expect([f, s.mode & 0o777]).toEqual([f, s.isDirectory() ? 0o700 : 0o600])
    }
    const list = await runCli(['admin', 'account', 'list', '--data', dir, '--json'])
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout).accounts.map((a: { email: string }) => a.email)).toEqual(['first@test.local'])
  })
})

describe('--json: errors are one JSON document on stderr', () => {
  const expectJsonError = (r: { code: number; stdout: string; stderr: string }, exit: number) => {
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: exit, stdout: '' })
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
    return JSON.parse(r.stderr)
  }

  test('no data in the directory (exit 1)', async () => {
    const dir = join(tmp.dir, 'json-missing')
    expect(expectJsonError(await runCli(['admin', 'account', 'list', '--data', dir, '--json']), 1)).toEqual({ error: { code: 'NoData', message: `no CloudStorage data in ${dir} (pass --init to create a new data directory there)` } })
  })

  test('usage errors (exit 2, no usage text)', async () => {
    expect(expectJsonError(await runCli(['admin', '--json']), 2)).toEqual({ error: { code: 'UsageError', message: 'admin needs a command' } })
    expect(expectJsonError(await runCli(['admin', 'frob', '--json']), 2)).toEqual({ error: { code: 'UsageError', message: "unknown admin command 'frob'" } })
    expect(expectJsonError(await runCli(['admin', 'key', 'list', '--json']), 2)).toEqual({ error: { code: 'UsageError', message: 'key list needs --email' } })
    expect(expectJsonError(await runCli(['admin', 'key', 'list', '--json', '--bogus']), 2)).toEqual({ error: { code: 'UsageError', message: 'unknown flag --bogus' } })
  })

  test('invalid settings (exit 2)', async () => {
    const r = await runCli(['admin', 'account', 'list', '--json', '--data', join(tmp.dir, 'x')], { env: { CLOUDSTORAGE_REGION: 'Bad Region' } })
    expect(expectJsonError(r, 2)).toEqual({ error: { code: 'InvalidConfig', message: 'invalid CLOUDSTORAGE_REGION: "Bad Region" is not a region name such as eu-central-1' } })
  })

  test('errors from the appliance (exit 1, the catalog code)', async () => {
    const dir = join(tmp.dir, 'json-app')
    expect((await runCli(['admin', 'account', 'list', '--data', dir, '--init'])).code).toBe(0)
    const r = await runCli(['admin', 'key', 'list', '--email', 'nobody@test.local', '--data', dir, '--json'])
    expect(expectJsonError(r, 1)).toEqual({ error: { code: 'NoSuchAccount', message: "No account has the email 'nobody@test.local'." } })
  })
})

describe('--password-stdin', () => {
  const dir = join(tmp.dir, 'stdin')

  test('reads the password from stdin without its trailing newline', async () => {
    const r = await runWithStdin(['admin', 'account', 'create', '--email', 'piped@test.local', '--password-stdin', '--data', dir, '--init', '--json'], 'piped password 123\n')
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    const ctx = createAppContext(loadConfig({ '--data': dir }, {}))
    try {
      await ctx.services.accounts.login('piped@test.local', 'piped password 123', '127.0.0.1')
      await expect(ctx.services.accounts.login('piped@test.local', 'piped password 123\n', '127.0.0.1')).rejects.toMatchObject({ code: 'InvalidCredentials' })
    } finally {
      ctx.db.close()
    }
  })

  test('an empty stdin is a (too short) empty password, refused', async () => {
    const r = await runWithStdin(['admin', 'account', 'create', '--email', 'empty@test.local', '--password-stdin', '--data', dir], '')
    expect(expectOneLineError(r, 1)).toBe('cloudstorage: WeakPassword: The password must be at least 10 characters long.')
  })
})

describe('admin commands read the running server\'s config file', () => {
  const dataDir = join(tmp.dir, 'configured')
  const cfg = join(tmp.dir, 'cloudstorage.yaml')
  writeFileSync(cfg, 'default-quota: 20GiB\nplans:\n  family:\n    quota: 500GiB\n    max-keys: 3\n')

  test('plans from `serve --config` are known to admin commands run without --config, and quotas print right', async () => {
    const srv = await startInProcess({ dataDir, args: ['--config', cfg] })
    try {
      const created = await srv.admin('account', 'create', '--email', 'fam@test.local', '--password', 'family-password-1', '--plan', 'family', '--json')
      expect({ code: created.code, stderr: created.stderr }).toEqual({ code: 0, stderr: '' })
      expect(JSON.parse(created.stdout).account).toMatchObject({ plan: 'family', quotaBytes: 500 * GiB })
      const list = await srv.admin('account', 'list', '--json')
      expect(JSON.parse(list.stdout).accounts.map((a: { email: string; plan: string; quotaBytes: number }) => [a.email, a.plan, a.quotaBytes])).toEqual([
        [ROOT_EMAIL, 'default', 20 * GiB],
        ['fam@test.local', 'family', 500 * GiB],
      ])
      const text = await srv.admin('account', 'list')
      expect(text.stdout).toMatch(/^fam@test\.local\s+no\s+active\s+family\s+0\s+536870912000\s/m)
    } finally {
      expect(await srv.stop()).toBe(0)
    }
  })

  test('with the server stopped, --config or CLOUDSTORAGE_CONFIG name it', async () => {
    const viaFlag = await runCli(['admin', 'account', 'list', '--data', dataDir, '--config', cfg, '--json'])
    expect(JSON.parse(viaFlag.stdout).accounts.map((a: { quotaBytes: number }) => a.quotaBytes)).toEqual([20 * GiB, 500 * GiB])
    const viaEnv = await runCli(['admin', 'account', 'list', '--data', dataDir, '--json'], { env: { CLOUDSTORAGE_CONFIG: cfg } })
    expect(JSON.parse(viaEnv.stdout).accounts.map((a: { quotaBytes: number }) => a.quotaBytes)).toEqual([20 * GiB, 500 * GiB])
  })
})
