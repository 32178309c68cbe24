import { loadConfig, SERVE_FLAGS } from '../config/load'
import { Logger } from '../log/logger'
import { startAppliance } from '../appliance'
import { parseArgs } from './args'
import { SERVE_USAGE } from './usage'
import { runSelfTest } from './self-test'

/**
 * `cloudstorage serve`: the appliance (src/appliance.ts: lock, ports, database, recovery,
 * bootstrap, ready) in this process, with the process's concerns around it: a private umask,
 * and a clean stop on SIGTERM/SIGINT.
 */
export async function runServe(argv: string[], out: (s: string) => void): Promise<number> {
  const args = parseArgs(argv, { values: SERVE_FLAGS, bools: ['--help', '--self-test'] }, SERVE_USAGE)
  if (args.bools.has('--help')) { out(SERVE_USAGE); return 0 }
  const config = loadConfig(args.values)
  const log = new Logger(config.logFormat)
  // Everything the appliance creates is private to its user (0700 dirs, 0600 files), SQLite's
  // -wal/-shm included, whatever umask the shell or `npm start` runs it with.
  process.umask(0o077)
  if (args.bools.has('--self-test')) return runSelfTest(config, out)

  // The orphan sweep spares files newer than the process's start (before the listeners bound).
  const app = await startAppliance(config, { log, out, startedAt: Math.floor(performance.timeOrigin) })
  await new Promise<void>((resolve) => {
    let stopping = false
    const stop = async (signal: string) => {
      if (stopping) return
      stopping = true
      log.info('shutting down', { signal })
      await app.stop()
      resolve()
    }
    process.on('SIGTERM', () => void stop('SIGTERM'))
    process.on('SIGINT', () => void stop('SIGINT'))
  })
  return 0
}
