import { loadConfig, SERVE_FLAGS } from '../config/load'
import { createAppContext } from '../app'
import { Logger } from '../http/common/log'
import { startServers } from '../server'
import { bootstrapAdmin, bootstrapBanner, bootstrapFields } from '../services/accounts/bootstrap'
import { startBackgroundJobs } from '../services/background'
import { startWebhookWorker } from '../events/webhook-worker'
import { parseArgs } from './args'
import { SERVE_USAGE } from './usage'
import { VERSION } from '../version'
import { runSelfTest } from './self-test'

/** `cloudstorage serve`: recover, bootstrap, listen, and stop cleanly on SIGTERM/SIGINT. */
export async function runServe(argv: string[], out: (s: string) => void): Promise<number> {
  const args = parseArgs(argv, { values: SERVE_FLAGS, bools: ['--help', '--self-test'] }, SERVE_USAGE)
  if (args.bools.has('--help')) { out(SERVE_USAGE); return 0 }
  const config = loadConfig(args.values)
  const log = new Logger(config.logFormat)
  if (args.bools.has('--self-test')) return runSelfTest(config, out)

  const ctx = createAppContext(config)
  const recovery = await ctx.services.recovery.run()
  log.info('recovery finished', recovery)
  // Listen before bootstrapping: generated first-start credentials are shown only once, so a
  // start that fails on a busy port must not create them and then exit before printing them.
  const servers = await startServers(ctx, log)
  const boot = await bootstrapAdmin(ctx, ctx.services.accounts)
  const jobs = startBackgroundJobs(ctx, log)
  const webhooks = startWebhookWorker(ctx, log)
  const shown = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  if (boot) {
    // With --log-format json every stdout line must stay one JSON object (log shippers parse it).
    if (config.logFormat === 'json') log.info('first start: admin credentials (shown once)', bootstrapFields(boot, `http://${shown}:${servers.s3Port}`, config.region))
    else out(bootstrapBanner(boot, `http://${shown}:${servers.s3Port}`, config.region))
  }
  log.info(`CloudStorage ${VERSION} ready`, {
    s3: `http://${shown}:${servers.s3Port}`, http: `http://${shown}:${servers.port}`, data: config.dataDir, region: config.region,
  })

  await new Promise<void>((resolve) => {
    let stopping = false
    const stop = async (signal: string) => {
      if (stopping) return
      stopping = true
      log.info('shutting down', { signal })
      await servers.stop()
      await webhooks.stop()
      await jobs.stop()
      ctx.db.close()
      resolve()
    }
    process.on('SIGTERM', () => void stop('SIGTERM'))
    process.on('SIGINT', () => void stop('SIGINT'))
  })
  return 0
}
