import { parseArgs } from '../src/cli/args'
import { TUI_USAGE } from '../src/cli/usage'

/** `cloudstorage tui`: the Ink admin UI, talking only to the HTTP API. */
export async function runTui(argv: string[], out: (s: string) => void): Promise<number> {
  const args = parseArgs(argv, { values: ['--data', '--url'], bools: ['--help'] }, TUI_USAGE)
  if (args.bools.has('--help')) { out(TUI_USAGE); return 0 }
  const { startTui } = await import('./app')
  return startTui({ url: args.values['--url'] ?? process.env.CLOUDSTORAGE_URL ?? 'http://127.0.0.1:9001', dataDir: args.values['--data'] ?? process.env.CLOUDSTORAGE_DATA ?? './data' })
}
