/** A usage error: main prints the message and the command's usage, then exits 2. */
export class UsageError extends Error {
  override name = 'UsageError'
  constructor(message: string, readonly usage: string) {
    super(message)
  }
}

export interface ParsedArgs {
  values: Record<string, string>
  bools: Set<string>
  positionals: string[]
}

/**
 * Parses `--flag value`, `--flag=value` and boolean `--flag`. Anything not declared is a
 * UsageError, so typos fail loudly instead of being ignored.
 */
export function parseArgs(argv: string[], spec: { values: string[]; bools: string[] }, usage: string, maxPositionals = 0): ParsedArgs {
  const out: ParsedArgs = { values: {}, bools: new Set(), positionals: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      const name = eq < 0 ? a : a.slice(0, eq)
      if (spec.bools.includes(name)) {
        if (eq >= 0) throw new UsageError(`${name} takes no value`, usage)
        out.bools.add(name)
      } else if (spec.values.includes(name)) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i]
        if (v === undefined) throw new UsageError(`${name} needs a value`, usage)
        out.values[name] = v
      } else {
        throw new UsageError(`unknown flag ${name}`, usage)
      }
    } else {
      if (out.positionals.length >= maxPositionals) throw new UsageError(`unexpected argument '${a}'`, usage)
      out.positionals.push(a)
    }
  }
  return out
}
