import { rmdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from './config/config'
import { createAppContext, prepareDataDir, type AppContext } from './app'
import type { Logger } from './log/logger'
import { bindListeners, type Listeners } from './server'
import { bootstrapAdmin, bootstrapBanner, bootstrapFields } from './services/accounts/bootstrap'
import { startBackgroundJobs } from './services/background'
import { startWebhookWorker } from './events/webhook-worker'
import { lockDataDir } from './fs/data-lock'
import { removeServerFile, writeServerFile } from './fs/server-file'
import { ADMIN_TOKEN_FILE } from './auth/admin-token'
import { VERSION } from './version'

/** The address clients use: a wildcard listener is reached on loopback; IPv6 literals in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

export interface ApplianceOptions {
  /** Request log and operator messages. */
  log: Logger
  /** Where the first-start credentials banner goes in text log format (stdout for `serve`). */
  out: (s: string) => void
  /** The clock of the whole appliance (sessions, throttles, timestamps); tests pass one they can advance. */
  now?: () => number
  /**
   * Epoch ms the startup orphan sweep treats as "this start": blob files newer than it are spared.
   * `serve` passes the process's start; by default it is the moment this call began, which is
   * before the listeners exist, so no write of this appliance can be older.
   */
  startedAt?: number
}

/** A running appliance: both listeners, the context and its jobs. */
export interface Appliance {
  s3Port: number
  port: number
  s3Url: string
  httpUrl: string
  ctx: AppContext
  /** Runs one pass of the periodic jobs (GC, stale uploads, history pruning) now. */
  runBackgroundJobs(): Promise<void>
  /**
   * Stops cleanly: listeners (in-flight requests finish, bounded), background jobs and the
   * webhook worker, server.json, the database, the data-dir lock. Idempotent.
   */
  stop(): Promise<void>
}

/**
 * The whole start, in this order: lock the data dir → bind both ports (answering 503
 * "starting") → open the database, migrate, master key → recovery → first-start bootstrap →
 * the real handlers (/healthz turns 200) → banner, server.json, "ready". A second appliance on the
 * same data dir or port fails at the first two steps, before it touches anything. Process
 * concerns (umask, signals, exit) belong to the caller: `cloudstorage serve`, or a test that runs
 * the appliance inside its own process.
 */
export async function startAppliance(config: Config, opts: ApplianceOptions): Promise<Appliance> {
  const { log, out } = opts
  const startedAt = opts.startedAt ?? Date.now()
  const createdDataDir = prepareDataDir(config.dataDir)
  const lock = await lockDataDir(config.dataDir)
  let listeners: Listeners | null = null
  let ctx: AppContext | null = null
  let stopJobs: () => Promise<void> = async () => {}
  let runJobs: () => Promise<void> = async () => {}
  try {
    listeners = bindListeners(config)
    ctx = createAppContext(config, { now: opts.now, report: (msg, err) => log.error(msg, err) })
    const recovery = await ctx.services.recovery.run()
    log.info('recovery finished', recovery)
    const boot = await bootstrapAdmin(ctx, ctx.services.accounts)
    // The first admin and key are committed durably before anyone is told they exist.
    await ctx.db.durable()
    listeners.activate(ctx, log)
    const jobs = startBackgroundJobs(ctx, log, { startedAt })
    const webhooks = startWebhookWorker(ctx, log)
    runJobs = () => jobs.runOnce()
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

    const running = { listeners, ctx }
    let stopped: Promise<void> | null = null
    return {
      s3Port: listeners.s3Port,
      port: listeners.port,
      s3Url,
      httpUrl,
      ctx,
      runBackgroundJobs: runJobs,
      stop: () => (stopped ??= (async () => {
        await running.listeners.stop()
        await stopJobs()
        removeServerFile(config.dataDir)
        running.ctx.db.close()
        lock.release()
      })()),
    }
  } catch (e) {
    await listeners?.stop()
    await stopJobs()
    ctx?.db.close()
    lock.release()
    // A start that failed on a busy port leaves no empty data dir behind (rmdir refuses a full one).
    if (createdDataDir) try { rmdirSync(config.dataDir) } catch { /* not empty: keep it */ }
    throw e
  }
}
