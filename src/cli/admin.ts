import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../config/load'
import { parseSize } from '../config/size'
import type { Config } from '../config/config'
import { createAppContext, DB_FILE, StartupError, type AppContext } from '../app'
import { readServerFile } from '../fs/server-file'
import { parseArgs, UsageError, type ParsedArgs } from './args'
import { describeError } from './errors'
import { ADMIN_COMMAND_USAGE, ADMIN_USAGE } from './usage'

const COMMON_VALUES = ['--data', '--config', '--master-key-file']
const COMMON_BOOLS = ['--json', '--help', '--init']

/** Each command's own flags (its help text, also printed with its usage errors, is in ADMIN_COMMAND_USAGE). */
const COMMANDS: Record<string, { values: string[]; bools: string[] }> = {
  'account create': { values: ['--email', '--password', '--quota', '--plan', '--access-key', '--secret-key'], bools: ['--admin', '--password-stdin'] },
  'account list': { values: [], bools: [] },
  'key create': { values: ['--email', '--name', '--access-key', '--secret-key'], bools: [] },
  'key list': { values: ['--email'], bools: [] },
  'key revoke': { values: ['--access-key'], bools: [] },
  usage: { values: [], bools: ['--recompute'] },
  scrub: { values: [], bools: [] },
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n')
}

/**
 * The settings a server on this data dir runs with: `--config` / CLOUDSTORAGE_CONFIG when given,
 * else the config file the running server read (recorded in `<data>/server.json`), so plans and
 * quotas defined there are the ones admin commands see.
 */
export function adminConfig(values: Record<string, string>, env: Record<string, string | undefined> = process.env): Config {
  const config = loadConfig(values, env)
  if (values['--config'] !== undefined || env.CLOUDSTORAGE_CONFIG) return config
  const recorded = readServerFile(config.dataDir)?.config
  return recorded ? loadConfig({ ...values, '--config': recorded }, env) : config
}

/**
 * Opens the data dir. A directory without a database is refused unless `--init` is given: a
 * mistyped --data must not create a fresh appliance that nobody runs and report success on it.
 */
function openContext(args: ParsedArgs): AppContext {
  const config = adminConfig(args.values)
  if (!args.bools.has('--init') && !existsSync(join(config.dataDir, DB_FILE))) {
    throw new StartupError(`no CloudStorage data in ${config.dataDir} (pass --init to create a new data directory there)`, 'NoData')
  }
  // Files the CLI creates (with --init, or SQLite's -wal/-shm) are private, as the server's are.
  process.umask(0o077)
  return createAppContext(config)
}

const bytes = (n: number) => String(n)

/** The password from stdin for `--password-stdin`: everything read, one trailing newline dropped. */
async function readPasswordFromStdin(): Promise<string> {
  const text = await new Response(Bun.stdin.stream()).text()
  return text.replace(/\r?\n$/, '')
}

/**
 * `cloudstorage admin …`: acts on the data dir's database; a running server sees it at once.
 * With `--json`, a failure is one JSON document `{"error":{"code","message"}}` on stderr.
 */
export async function runAdmin(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  try {
    return await adminCommand(argv, out)
  } catch (e) {
    if (!argv.includes('--json')) throw e
    const r = describeError(e)
    err(JSON.stringify({ error: { code: r.code, message: r.message } }))
    return r.exit
  }
}

async function adminCommand(argv: string[], out: (s: string) => void): Promise<number> {
  // The command is the leading words only: `admin --data D` has none, `admin frob --json` is 'frob'.
  const group = argv[0]?.startsWith('-') ? undefined : argv[0]
  const action = group === undefined || argv[1]?.startsWith('-') ? undefined : argv[1]
  const key = `${group ?? ''} ${action ?? ''}`.trim()
  const cmdKey = COMMANDS[key] ? key : COMMANDS[group ?? ''] ? group! : null
  if (!cmdKey) {
    if (argv.includes('--help')) { out(ADMIN_USAGE); return 0 }
    if (!group) throw new UsageError('admin needs a command', ADMIN_USAGE)
    throw new UsageError(`unknown admin command '${key}'`, ADMIN_USAGE)
  }
  const usage = ADMIN_COMMAND_USAGE[cmdKey]
  const spec = COMMANDS[cmdKey]
  const rest = argv.slice(cmdKey.split(' ').length)
  if (rest.includes('--help')) { out(usage); return 0 }
  const args = parseArgs(rest, { values: [...spec.values, ...COMMON_VALUES], bools: [...spec.bools, ...COMMON_BOOLS] }, usage)
  const json = args.bools.has('--json')
  const need = (flag: string) => {
    const v = args.values[flag]
    if (v === undefined || v === '') throw new UsageError(`${cmdKey} needs ${flag}`, usage)
    return v
  }
  const keyPair = () => {
    if ((args.values['--access-key'] === undefined) !== (args.values['--secret-key'] === undefined)) throw new UsageError('--access-key and --secret-key go together', usage)
  }
  const emit = (doc: unknown, text: string) => out(json ? JSON.stringify(doc, null, 2) : text)

  switch (cmdKey) {
    case 'account create': {
      const email = need('--email')
      const fromStdin = args.bools.has('--password-stdin')
      if (fromStdin && args.values['--password'] !== undefined) throw new UsageError('--password and --password-stdin exclude each other', usage)
      if (!fromStdin && !args.values['--password']) throw new UsageError('account create needs --password (or --password-stdin)', usage)
      let quotaBytes: number | null = null
      if (args.values['--quota'] !== undefined) {
        quotaBytes = parseSize(args.values['--quota'])
        if (quotaBytes === null) throw new UsageError(`invalid --quota: '${args.values['--quota']}' is not a size such as 10GiB`, usage)
      }
      keyPair()
      const password = fromStdin ? await readPasswordFromStdin() : args.values['--password']
      const ctx = openContext(args)
      try {
        const r = await ctx.services.accounts.create({
          email, password, isAdmin: args.bools.has('--admin'), quotaBytes, plan: args.values['--plan'] ?? null,
          accessKey: args.values['--access-key'] ?? null, secretKey: args.values['--secret-key'] ?? null,
        })
        emit({ account: r.account, accessKey: r.key.accessKey, secretKey: r.key.secretKey, bucket: r.bucket.name },
          `Created account ${r.account.email}${r.account.isAdmin ? ' (admin)' : ''}\nAccess key: ${r.key.accessKey}\nSecret key: ${r.key.secretKey}\nDefault bucket: ${r.bucket.name}`)
      } finally { ctx.db.close() }
      return 0
    }
    case 'account list': {
      const ctx = openContext(args)
      try {
        const list = ctx.services.accounts.list()
        emit({ accounts: list }, table([
          ['EMAIL', 'ADMIN', 'STATUS', 'PLAN', 'USED_BYTES', 'QUOTA_BYTES', 'OBJECTS', 'CREATED'],
          ...list.map((a) => [a.email, a.isAdmin ? 'yes' : 'no', a.status, a.plan, bytes(a.usage.bytes), bytes(a.quotaBytes), String(a.usage.objects), a.createdAt]),
        ]))
      } finally { ctx.db.close() }
      return 0
    }
    case 'key create': {
      const email = need('--email')
      keyPair()
      const ctx = openContext(args)
      try {
        const account = ctx.services.accounts.byEmail(email)
        const k = ctx.services.keys.create(account.id, { name: args.values['--name'], accessKey: args.values['--access-key'], secretKey: args.values['--secret-key'] })
        emit({ accessKey: k.accessKey, secretKey: k.secretKey, name: k.name, createdAt: k.createdAt }, `Access key: ${k.accessKey}\nSecret key: ${k.secretKey}`)
      } finally { ctx.db.close() }
      return 0
    }
    case 'key list': {
      const email = need('--email')
      const ctx = openContext(args)
      try {
        const keys = ctx.services.keys.list(ctx.services.accounts.byEmail(email).id)
        emit({ keys }, table([['ACCESS_KEY', 'NAME', 'CREATED', 'LAST_USED'], ...keys.map((k) => [k.accessKey, k.name || '-', k.createdAt, k.lastUsedAt ?? 'never'])]))
      } finally { ctx.db.close() }
      return 0
    }
    case 'key revoke': {
      const ak = need('--access-key')
      const ctx = openContext(args)
      try {
        ctx.services.keys.revoke(ak)
        emit({ revoked: ak }, `Revoked ${ak}`)
      } finally { ctx.db.close() }
      return 0
    }
    default:
      return runMaintenance(cmdKey, args, emit)
  }
}

/** usage / scrub: maintenance commands wired to services added with their features. */
async function runMaintenance(cmd: string, args: ParsedArgs, emit: (doc: unknown, text: string) => void): Promise<number> {
  const ctx = openContext(args)
  try {
    if (cmd === 'usage') {
      const report = ctx.services.usage.report({ recompute: args.bools.has('--recompute') })
      emit(report, report.accounts.map((a) => `${a.email}: ${a.bytes} bytes, ${a.objects} objects${a.corrected ? ' (corrected)' : ''}`).join('\n') || 'no accounts')
      return 0
    }
    const r = await ctx.services.scrub.run()
    emit(r, `Checked ${r.checked} blobs: ${r.corrupt.length} corrupt, ${r.missing.length} missing` + [...r.corrupt, ...r.missing].map((x) => `\n  ${x.problem}: ${x.bucket}/${x.key} (blob ${x.blobId})`).join(''))
    return r.corrupt.length || r.missing.length ? 1 : 0
  } finally { ctx.db.close() }
}
