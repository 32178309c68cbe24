/** The real CLI's contract for bad input: usage + exit 2, one clear line, never a stack trace. */
import { describe, test, expect, afterAll, setDefaultTimeout } from 'bun:test'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { VERSION } from '../../src/version'
import { MAIN_USAGE, SERVE_USAGE, ADMIN_USAGE, ADMIN_COMMAND_USAGE } from '../../src/cli/usage'
import { expectOneLineError, runCli, tempDir } from './util'

// Each case spawns the CLI; a loaded 2-core box can take seconds per start (hang guard only).
setDefaultTimeout(60_000)

const tmp = tempDir('cs-cli-')
afterAll(() => tmp.cleanup())

describe('--version and --help', () => {
  test('--version prints the package version', async () => {
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' })
  })

  test.each([
    [['--help'], MAIN_USAGE],
    [['help'], MAIN_USAGE],
    [['serve', '--help'], SERVE_USAGE],
    [['admin', '--help'], ADMIN_USAGE],
    [['admin', 'key', 'create', '--help'], ADMIN_COMMAND_USAGE['key create']],
    [['admin', 'account', 'create', '--help'], ADMIN_COMMAND_USAGE['account create']],
    [['admin', 'usage', '--recompute', '--help'], ADMIN_COMMAND_USAGE.usage],
  ].map(([args, usage]) => [(args as string[]).join(' '), args, usage]) as Array<[string, string[], string]>)('%s prints its usage on stdout, exit 0', async (_, args, usage) => {
    const r = await runCli(args)
    expect(r).toEqual({ code: 0, stdout: usage.endsWith('\n') ? usage : usage + '\n', stderr: '' })
  })

  test('admin --help lists the flags every admin command takes, --config and --init included', () => {
    for (const flag of ['--data', '--config', '--init', '--master-key-file', '--json', '--help']) expect(ADMIN_USAGE).toContain(`\n  ${flag} `)
  })

  test('every admin command has its own --help listing its flags and the common ones', async () => {
    const own: Record<string, string[]> = {
      'account create': ['--email', '--password', '--password-stdin', '--admin', '--quota', '--plan', '--access-key', '--secret-key'],
      'account list': [], 'key create': ['--email', '--name', '--access-key', '--secret-key'], 'key list': ['--email'],
      'key revoke': ['--access-key'], usage: ['--recompute'], scrub: [],
    }
    expect(Object.keys(ADMIN_COMMAND_USAGE).sort()).toEqual(Object.keys(own).sort())
    for (const [cmd, flags] of Object.entries(own)) {
      const text = ADMIN_COMMAND_USAGE[cmd]
      expect(text).toStartWith(`Usage: cloudstorage admin ${cmd} `)
      for (const flag of [...flags, '--data', '--config', '--init', '--json']) expect(text).toContain(`\n  ${flag} `)
    }
  })

  test('serve --help documents every contract flag', () => {
    for (const flag of ['--data', '--host', '--s3-port', '--port', '--region', '--domain', '--config', '--blob-backend', '--master-key-file', '--log-format']) expect(SERVE_USAGE).toContain(flag)
  })
})

describe('usage errors: message + usage on stderr, exit 2', () => {
  test.each([
    [['frobnicate'], "unknown command 'frobnicate'", MAIN_USAGE],
    [['serve', '--bogus'], 'unknown flag --bogus', SERVE_USAGE],
    [['--bogus'], 'unknown flag --bogus', SERVE_USAGE],
    [['serve', '--s3-port'], '--s3-port needs a value', SERVE_USAGE],
    [['serve', 'extra'], "unexpected argument 'extra'", SERVE_USAGE],
    [['serve', '--help=yes'], '--help takes no value', SERVE_USAGE],
    [['admin'], 'admin needs a command', ADMIN_USAGE],
    [['admin', 'frob'], "unknown admin command 'frob'", ADMIN_USAGE],
    [['admin', 'account', 'delete'], "unknown admin command 'account delete'", ADMIN_USAGE],
    [['admin', 'key', 'create'], 'key create needs --email', ADMIN_COMMAND_USAGE['key create']],
    [['admin', 'key', 'revoke'], 'key revoke needs --access-key', ADMIN_COMMAND_USAGE['key revoke']],
    [['admin', 'account', 'create', '--email', 'a@b.c'], 'account create needs --password (or --password-stdin)', ADMIN_COMMAND_USAGE['account create']],
    [['admin', 'account', 'create', '--email', 'a@b.c', '--password', 'pw-123456789', '--password-stdin'], '--password and --password-stdin exclude each other', ADMIN_COMMAND_USAGE['account create']],
    [['admin', 'account', 'list', '--bogus'], 'unknown flag --bogus', ADMIN_COMMAND_USAGE['account list']],
    [['admin', 'account', 'create', '--email', 'a@b.c', '--password', 'pw-123456789', '--quota', 'lots'], "invalid --quota: 'lots' is not a size such as 10GiB", ADMIN_COMMAND_USAGE['account create']],
    [['admin', 'key', 'create', '--email', 'a@b.c', '--access-key', 'CSONLYTHEACCESSKEY00'], '--access-key and --secret-key go together', ADMIN_COMMAND_USAGE['key create']],
  ].map(([args, message, usage]) => [(args as string[]).join(' '), args, message, usage]) as Array<[string, string[], string, string]>)('%s', async (_, args, message, usage) => {
    // The data dir comes from the environment so no flag can swallow or follow the arguments.
    const r = await runCli(args, { env: { CLOUDSTORAGE_DATA: join(tmp.dir, 'never-created') } })
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr.startsWith(`cloudstorage: ${message}\n`)).toBe(true)
    expect(r.stderr).toContain(usage.trimEnd())
    expect(r.stderr).not.toMatch(/^\s+at /m)
    // A usage error happens before anything touches the data directory.
    expect(existsSync(join(tmp.dir, 'never-created'))).toBe(false)
  })
})

describe('invalid settings: one line naming the setting, exit 2, data dir untouched', () => {
  const data = join(tmp.dir, 'untouched')

  test('serve --s3-port abc', async () => {
    const r = await runCli(['serve', '--s3-port', 'abc', '--data', data])
    expect(expectOneLineError(r, 2)).toBe('cloudstorage: invalid --s3-port: "abc" is not a port number (0-65535)')
    expect(existsSync(data)).toBe(false)
  })

  test.each(([
    [['--port', '70000'], {}, 'cloudstorage: invalid --port: "70000" is not a port number (0-65535)'],
    [['--log-format', 'xml'], {}, 'cloudstorage: invalid --log-format: "xml" is not one of text, json'],
    [['--region', 'Not A Region'], {}, 'cloudstorage: invalid --region: "Not A Region" is not a region name such as eu-central-1'],
    [['--blob-backend', 's3'], {}, "cloudstorage: invalid --blob-backend: 's3' needs CLOUDSTORAGE_UPSTREAM_ENDPOINT"],
    [[], { CLOUDSTORAGE_S3_PORT: 'abc' }, 'cloudstorage: invalid CLOUDSTORAGE_S3_PORT: "abc" is not a port number (0-65535)'],
    [[], { CLOUDSTORAGE_DEFAULT_QUOTA: '10 parsecs' }, 'cloudstorage: invalid CLOUDSTORAGE_DEFAULT_QUOTA: "10 parsecs" is not a size such as 10GiB, 500MB or 1048576'],
    [[], { CLOUDSTORAGE_RATE_LIMITS: 'maybe' }, 'cloudstorage: invalid CLOUDSTORAGE_RATE_LIMITS: "maybe" is not on or off'],
    [['--s3-port', 'abc'], { CLOUDSTORAGE_S3_PORT: '9000' }, 'cloudstorage: invalid --s3-port: "abc" is not a port number (0-65535)'],
  ] as Array<[string[], Record<string, string>, string]>).map(([args, env, line]) => [[...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'serve', ...args].join(' '), args, env, line] as const))('%s', async (_, args, env, line) => {
    const r = await runCli(['serve', '--data', data, ...args], { env })
    expect(expectOneLineError(r, 2)).toBe(line)
    expect(existsSync(data)).toBe(false)
  })

  test('a config file with an unknown key, from --config and from CLOUDSTORAGE_CONFIG', async () => {
    const cfg = join(tmp.dir, 'bad.yaml')
    writeFileSync(cfg, 's3-port: 9000\nlisten-port: 9001\n')
    const line = `cloudstorage: invalid --config: unknown setting 'listen-port' in ${cfg}`
    expect(expectOneLineError(await runCli(['serve', '--data', data, '--config', cfg]), 2)).toBe(line)
    expect(expectOneLineError(await runCli(['serve', '--data', data], { env: { CLOUDSTORAGE_CONFIG: cfg } }), 2)).toBe(`cloudstorage: invalid --config: unknown setting 'listen-port' in ${cfg}`)
    expect(existsSync(data)).toBe(false)
  })

  test('a bad value in a config file names the key and the file', async () => {
    const cfg = join(tmp.dir, 'bad.toml')
    writeFileSync(cfg, 's3-port = "abc"\n')
    expect(expectOneLineError(await runCli(['serve', '--data', data, '--config', cfg]), 2)).toBe(`cloudstorage: invalid s3-port (in ${cfg}): "abc" is not a port number (0-65535)`)
  })

  test('admin commands validate settings the same way', async () => {
    const r = await runCli(['admin', 'account', 'list', '--data', data], { env: { CLOUDSTORAGE_REGION: 'Bad Region' } })
    expect(expectOneLineError(r, 2)).toBe('cloudstorage: invalid CLOUDSTORAGE_REGION: "Bad Region" is not a region name such as eu-central-1')
  })
})
