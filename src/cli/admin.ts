import { loadConfig } from '../config/load'
import { parseSize } from '../config/size'
import { createAppContext, type AppContext } from '../app'
import { parseArgs, UsageError } from './args'
import { ADMIN_USAGE } from './usage'

const COMMON_VALUES = ['--data', '--config', '--master-key-file']
const COMMON_BOOLS = ['--json', '--help']

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n')
}

function ctxFor(values: Record<string, string>): AppContext {
  return createAppContext(loadConfig(values))
}

const bytes = (n: number) => String(n)

/** `cloudstorage admin …`: acts on the data dir's database; a running server sees it at once. */
export async function runAdmin(argv: string[], out: (s: string) => void): Promise<number> {
  // The command is the leading words only: `admin --data D` has none, `admin frob --json` is 'frob'.
  const group = argv[0]?.startsWith('-') ? undefined : argv[0]
  const action = group === undefined || argv[1]?.startsWith('-') ? undefined : argv[1]
  const rest = argv.slice(group === undefined ? 0 : action === undefined ? 1 : 2)
  const key = `${group ?? ''} ${action ?? ''}`.trim()
  const specs: Record<string, { values: string[]; bools: string[] }> = {
    'account create': { values: ['--email', '--password', '--quota', '--plan', '--access-key', '--secret-key'], bools: ['--admin'] },
    'account list': { values: [], bools: [] },
    'key create': { values: ['--email', '--name', '--access-key', '--secret-key'], bools: [] },
    'key list': { values: ['--email'], bools: [] },
    'key revoke': { values: ['--access-key'], bools: [] },
    usage: { values: [], bools: ['--recompute'] },
    scrub: { values: [], bools: [] },
  }
  const cmdKey = specs[key] ? key : specs[group ?? ''] ? group : null
  if (!cmdKey) {
    if (argv.includes('--help')) { out(ADMIN_USAGE); return 0 }
    if (!group) throw new UsageError('admin needs a command', ADMIN_USAGE)
    throw new UsageError(`unknown admin command '${key}'`, ADMIN_USAGE)
  }
  const spec = specs[cmdKey]
  const args = parseArgs(cmdKey === key ? rest : argv.slice(1), { values: [...spec.values, ...COMMON_VALUES], bools: [...spec.bools, ...COMMON_BOOLS] }, ADMIN_USAGE)
  if (args.bools.has('--help')) { out(ADMIN_USAGE); return 0 }
  const json = args.bools.has('--json')
  const need = (flag: string) => {
    const v = args.values[flag]
    if (v === undefined || v === '') throw new UsageError(`${cmdKey} needs ${flag}`, ADMIN_USAGE)
    return v
  }
  const emit = (doc: unknown, text: string) => out(json ? JSON.stringify(doc, null, 2) : text)

  switch (cmdKey) {
    case 'account create': {
      const email = need('--email')
      const password = need('--password')
      let quotaBytes: number | null = null
      if (args.values['--quota'] !== undefined) {
        quotaBytes = parseSize(args.values['--quota'])
        if (quotaBytes === null) throw new UsageError(`invalid --quota: '${args.values['--quota']}' is not a size such as 10GiB`, ADMIN_USAGE)
      }
      if ((args.values['--access-key'] === undefined) !== (args.values['--secret-key'] === undefined)) throw new UsageError('--access-key and --secret-key go together', ADMIN_USAGE)
      const ctx = ctxFor(args.values)
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
      const ctx = ctxFor(args.values)
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
      if ((args.values['--access-key'] === undefined) !== (args.values['--secret-key'] === undefined)) throw new UsageError('--access-key and --secret-key go together', ADMIN_USAGE)
      const ctx = ctxFor(args.values)
      try {
        const account = ctx.services.accounts.byEmail(email)
        const k = ctx.services.keys.create(account.id, { name: args.values['--name'], accessKey: args.values['--access-key'], secretKey: args.values['--secret-key'] })
        emit({ accessKey: k.accessKey, secretKey: k.secretKey, name: k.name, createdAt: k.createdAt }, `Access key: ${k.accessKey}\nSecret key: ${k.secretKey}`)
      } finally { ctx.db.close() }
      return 0
    }
    case 'key list': {
      const email = need('--email')
      const ctx = ctxFor(args.values)
      try {
        const keys = ctx.services.keys.list(ctx.services.accounts.byEmail(email).id)
        emit({ keys }, table([['ACCESS_KEY', 'NAME', 'CREATED', 'LAST_USED'], ...keys.map((k) => [k.accessKey, k.name || '-', k.createdAt, k.lastUsedAt ?? 'never'])]))
      } finally { ctx.db.close() }
      return 0
    }
    case 'key revoke': {
      const ak = need('--access-key')
      const ctx = ctxFor(args.values)
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
async function runMaintenance(cmd: string, args: ReturnType<typeof parseArgs>, emit: (doc: unknown, text: string) => void): Promise<number> {
  const ctx = ctxFor(args.values)
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

