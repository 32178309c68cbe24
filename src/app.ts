import { accessSync, constants, existsSync, readFileSync } from 'node:fs'
import { mkdirDurable } from './fs/durable'
import { StartupError } from './errors/startup-error'
import { join } from 'node:path'
import type { Config } from './config/config'
import { openDatabase, type Db } from './db/client'
import { migrate } from './db/migrate'
import { quickCheck } from './db/pragmas'
import { createRepos, type Repos } from './db/repos'
import { FsBlobStore } from './blob/fs-store'
import { SpaceReserve, spaceReserveBytes } from './blob/space-reserve'
import type { BlobStore } from './blob/blob-store'
import { EventBus } from './events/bus'
import { loadMasterKey, openSecret } from './auth/master-key'
import { createServices, type Services } from './services'
import { syncPlans } from './services/accounts/plans'
import { sealClearWebhookSecrets } from './services/webhooks/webhooks'
import type { Deps } from './services/deps'
import { Metrics } from './metrics/metrics'
import { InflightGate } from './limits/inflight-gate'
import { Logger, type ErrorReporter } from './log/logger'

export { StartupError }

export interface AppContext extends Deps {
  services: Services
  metrics: Metrics
  /** Global cap on requests being handled, shared by both listeners. */
  gate: InflightGate
}

export const DB_FILE = 'cloudstorage.db'

/**
 * Creates the data dir if needed (0700, durable in its parent before anything inside it is
 * written) and checks that it is usable.
 */
export function prepareDataDir(dir: string): boolean {
  try {
    const created = mkdirDurable(dir, 0o700)
    accessSync(dir, constants.W_OK | constants.R_OK | constants.X_OK)
    return created
  } catch (e) {
    throw new StartupError(`data directory ${dir} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
}

function openDb(path: string): Db {
  if (existsSync(path)) {
    // A file that is not SQLite at all would otherwise be "repaired" into an empty database.
    const head = readFileSync(path).subarray(0, 16).toString('latin1')
    if (head.length > 0 && head !== 'SQLite format 3\0') throw new StartupError(`database ${path} is not a CloudStorage database (corrupt or foreign file); restore it from a backup`)
  }
  let db: Db
  try {
    db = openDatabase(path)
    const check = quickCheck(db)
    if (check !== 'ok') throw new Error(check)
  } catch (e) {
    // quick_check's report starts with a "*** in database main ***" banner; show the finding.
    const detail = (e as Error).message.replace(/^\*\*\* in database \w+ \*\*\*\s*/, '').split('\n')[0]
    throw new StartupError(`database ${path} is corrupt or unreadable (${detail}); restore it from a backup`)
  }
  try {
    migrate(db.sqlite)
  } catch (e) {
    db.close()
    throw new StartupError((e as Error).message)
  }
  return db
}

/**
 * A master key that does not match the stored secrets would start a server on which every signed
 * request fails, and new keys would be sealed under a second key: refuse to start instead.
 */
function checkMasterKey(config: Config, key: Buffer, repos: Repos) {
  const probe = repos.accessKeys.any()
  if (!probe) return
  try {
    openSecret(key, probe.secretEnc, probe.id)
  } catch {
    const from = config.masterKey ? 'CLOUDSTORAGE_MASTER_KEY' : (config.masterKeyFile ?? join(config.dataDir, 'master.key'))
    throw new StartupError(`the master key from ${from} does not match this database (its stored secrets cannot be decrypted); start with the key the database was created with`)
  }
}

/**
 * The composition root: config → data dir → database (migrated) → master key → blobs → bus →
 * services. Used by the server and, with the same wiring, by the admin CLI.
 */
export function createAppContext(config: Config, opts: { now?: () => number; report?: ErrorReporter } = {}): AppContext {
  if (config.blobBackend !== 'fs') {
    throw new StartupError(`blob backend '${config.blobBackend}' is not available in this version; use --blob-backend fs`)
  }
  prepareDataDir(config.dataDir)
  // The server passes its request log's reporter; other users (admin CLI, self-test) log to stderr.
  const fallback = opts.report ? null : new Logger(config.logFormat, (line) => { process.stderr.write(line + '\n') })
  const report: ErrorReporter = opts.report ?? ((msg, err) => fallback!.error(msg, err))
  const db = openDb(join(config.dataDir, DB_FILE))
  db.onError(report)
  try {
    const repos: Repos = createRepos(db)
    // A new key is created only for a database without sealed secrets: after restoring a database
    // without its key, a fresh key would make every stored secret unreadable.
    const keyPath = config.masterKeyFile ?? join(config.dataDir, 'master.key')
    if (!config.masterKey && !existsSync(keyPath) && (repos.accessKeys.any() || repos.webhooks.anySealed() || repos.shares.anySealed())) {
      throw new StartupError(`master key ${keyPath} is missing, but the database holds secrets sealed with one; restore the key from your backup or set CLOUDSTORAGE_MASTER_KEY`)
    }
    const masterKey = loadMasterKey({ dataDir: config.dataDir, masterKey: config.masterKey, masterKeyFile: config.masterKeyFile, create: true })
    checkMasterKey(config, masterKey, repos)
    sealClearWebhookSecrets(db, repos, masterKey)
    const space = new SpaceReserve(config.dataDir, spaceReserveBytes(config.diskReserveBytes), report)
    const blobs: BlobStore = new FsBlobStore(config.dataDir, config.diskReserveBytes, space)
    // Deletes on a completely full disk commit into the metadata reserve.
    db.onDiskFull(() => space.release())
    const bus = new EventBus(db, repos.events, report)
    const deps: Deps = { config, db, repos, blobs, bus, masterKey, now: opts.now ?? Date.now, report }
    syncPlans(deps)
    // The request rate follows the appliance clock (tests advance it).
    const metrics = new Metrics(deps.now)
    const gate = new InflightGate(config.maxInflight)
    // Storage usage for a homelab dashboard, read on scrape from the exact usage counters.
    const totals = () => repos.accounts.usageTotals()
    metrics.addGauge({ name: 'cloudstorage_storage_logical_bytes', help: 'Bytes of all kept object versions and uploaded parts, all accounts.', read: () => [{ labels: {}, value: totals().logicalBytes }] })
    metrics.addGauge({ name: 'cloudstorage_storage_stored_bytes', help: 'Bytes of distinct blobs on disk, all accounts.', read: () => [{ labels: {}, value: totals().storedBytes }] })
    metrics.addGauge({ name: 'cloudstorage_objects', help: 'Stored objects, all accounts.', read: () => [{ labels: {}, value: totals().objects }] })
    metrics.addGauge({ name: 'cloudstorage_accounts', help: 'Accounts.', read: () => [{ labels: {}, value: totals().accounts }] })
    metrics.addGauge({ name: 'cloudstorage_inflight_requests', help: 'Requests being handled now (both ports).', read: () => [{ labels: {}, value: gate.inFlight }] })
    return { ...deps, services: createServices(deps), metrics, gate }
  } catch (e) {
    db.close()
    if (e instanceof StartupError) throw e
    throw new StartupError((e as Error).message)
  }
}
