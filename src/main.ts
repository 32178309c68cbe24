#!/usr/bin/env bun
import { UsageError } from './cli/args'
import { describeError } from './cli/errors'
import { MAIN_USAGE } from './cli/usage'
import { runServe } from './cli/serve'
import { runAdmin } from './cli/admin'
import { VERSION } from './version'

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : s + '\n')
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : s + '\n')

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  if (cmd === '--version' || cmd === 'version') { out(VERSION); return 0 }
  if (cmd === '--help' || cmd === 'help') { out(MAIN_USAGE); return 0 }
  if (cmd === undefined || cmd.startsWith('--')) return runServe(argv, out)
  switch (cmd) {
    case 'serve': return runServe(rest, out)
    case 'admin': return runAdmin(rest, out, err)
    case 'tui': {
      const { runTui } = await import('./cli/tui')
      return runTui(rest, out)
    }
    default:
      throw new UsageError(`unknown command '${cmd}'`, MAIN_USAGE)
  }
}

/** Operator-facing failures are one clear line, never a stack trace. */
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    const r = describeError(e)
    err(`cloudstorage: ${r.line}`)
    if (r.usage) err(r.usage)
    if (r.code === 'InternalError' && process.env.CLOUDSTORAGE_DEBUG) err((e as Error)?.stack ?? '')
    process.exit(r.exit)
  },
)
