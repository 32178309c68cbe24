import { loadConfig, SERVE_FLAGS } from '../config/load'
import { createAppContext, prepareDataDir, type AppContext } from '../app'
import { Logger } from '../log/logger'
import { bindListeners, type Listeners } from '../server'
import { bootstrapAdmin, bootstrapBanner, bootstrapFields } from '../services/accounts/bootstrap'
import { startBackgroundJobs } from '../services/background'
import { startWebhookWorker } from '../events/webhook-worker'
import { lockDataDir, type DataDirLock } from '../fs/data-lock'
import { removeServerFile, writeServerFile } from '../fs/server-file'
import { ADMIN_TOKEN_FILE } from '../auth/admin-token'
import { parseArgs } from './args'
import { SERVE_USAGE } from './usage'
import { VERSION } from '../version'
import { runSelfTest } from './self-test'
import { rmdirSync } from 'node:fs'
import { join } from 'node:path'

/** The address clients use: a wildcard listener is reached on loopback; IPv6 literals in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

/**
 * `cloudstorage serve`, in this order: lock the data dir → bind both ports (answering 503
 * "starting") → open the database, migrate, master key → recovery → first-start bootstrap →
 * the real handlers (/healthz turns 200) → banner, server.json, "ready". A second server on the
 * same data dir or port fails at the first two steps, before it touches anything. Stops cleanly
 * on SIGTERM/SIGINT.
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

  const createdDataDir = prepareDataDir(config.dataDir)
  const lock = await lockDataDir(config.dataDir)
  let listeners: Listeners | null = null
  let ctx: AppContext | null = null
  let stopJobs: () => Promise<void> = async () => {}
  try {
    listeners = bindListeners(config)
    ctx = createAppContext(config, { report: (msg, err) => log.error(msg, err) })
    const recovery = await ctx.services.recovery.run()
    log.info('recovery finished', recovery)
    const boot = await bootstrapAdmin(ctx, ctx.services.accounts)
    // The first admin and key are committed durably before anyone is told they exist.
    await ctx.db.durable()
    listeners.activate(ctx, log)
    const jobs = startBackgroundJobs(ctx, log)
    const webhooks = startWebhookWorker(ctx, log)
    stopJobs = async () => {
      await webhooks.stop()
      await jobs.stop()
    }
    const host = urlHost(config.host)
    const s3Url = `http://${host}:${listeners.s3Port}`
    const httpUrl = `http://${host}:${listeners.port}`
    if (boot) {
      const banner = { s3Url, httpUrl, region: config.region, dataDir: config.dataDir }
      // With --log-format json every stdout line must stay one JSON object (log shippers parse it).
      if (config.logFormat === 'json') log.info('first start: admin credentials (shown once)', bootstrapFields(boot, banner))
      else out(bootstrapBanner(boot, banner))
    }
    writeServerFile(config.dataDir, {
      pid: process.pid, version: VERSION, s3Url, httpUrl, adminTokenPath: join(config.dataDir, ADMIN_TOKEN_FILE),
      startedAt: new Date().toISOString(), config: config.configFile,
    })
    log.info(`CloudStorage ${VERSION} ready`, { s3: s3Url, http: httpUrl, data: config.dataDir, region: config.region })
  } catch (e) {
    await listeners?.stop()
    await stopJobs()
    ctx?.db.close()
    lock.release()
    // A start that failed on a busy port leaves no empty data dir behind (rmdir refuses a full one).
    if (createdDataDir) try { rmdirSync(config.dataDir) } catch { /* not empty: keep it */ }
    throw e
  }

  const running = { listeners, ctx }
  await new Promise<void>((resolve) => {
    let stopping = false
    const stop = async (signal: string) => {
      if (stopping) return
      stopping = true
      log.info('shutting down', { signal })
      await running.listeners.stop()
      await stopJobs()
      removeServerFile(config.dataDir)
      running.ctx.db.close()
      lock.release()
      resolve()
    }
    process.on('SIGTERM', () => void stop('SIGTERM'))
    process.on('SIGINT', () => void stop('SIGINT'))
  })
  return 0
}
