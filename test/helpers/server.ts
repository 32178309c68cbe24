import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Subprocess } from 'bun'
import { loadConfig, SERVE_FLAGS } from '../../src/config/load'
import { parseArgs } from '../../src/cli/args'
import { SERVE_USAGE } from '../../src/cli/usage'
import { Logger } from '../../src/log/logger'
import { startAppliance, type Appliance } from '../../src/appliance'

export const ROOT = resolve(import.meta.dir, '../..')
export const ROOT_ACCESS_KEY = 'CSTESTROOTKEY0000001'
export const ROOT_SECRET_KEY = 'testRootSecretKey0000000000000000000000001'
export const ROOT_EMAIL = 'root@test.local'
export const ROOT_PASSWORD = 'root-password-123'
export const REGION = 'eu-central-1'

export interface TestServer {
  s3Url: string
  httpUrl: string
  dataDir: string
  /** The server process; absent for an appliance running inside the test process. */
  proc?: Subprocess
  /** What the appliance wrote: its log lines (and, for a process, anything else on stdout/stderr). */
  output(): string
  /** Stops the server (a process gets `signal`); resolves to the exit code (0 in-process). */
  stop(signal?: NodeJS.Signals): Promise<number>
  /** Runs `cloudstorage admin …` against this server's data dir; returns stdout, stderr, code. */
  admin(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }>
}

/** A server in its own process: for tests about the process (signals, kill -9, pid, strace, RSS). */
export interface ProcessTestServer extends TestServer {
  proc: Subprocess
}

/** An appliance inside the test process; `app` reaches its context for hooks a test waits on. */
export interface InProcessTestServer extends TestServer {
  app: Appliance
  /** One pass of the periodic jobs (GC, stale uploads, history pruning) now, not on the 60 s timer. */
  runBackgroundJobs(): Promise<void>
}

export interface ServerOptions {
  /** CLOUDSTORAGE_* settings over the test defaults ('' unsets one). */
  env?: Record<string, string>
  /** More `serve` flags, e.g. ['--config', file]. */
  args?: string[]
  /** A data dir to reuse (kept after stop); a fresh temp dir by default (removed after stop). */
  dataDir?: string
}

/** The environment every test server gets: known root credentials, no rate limits, no disk reserve. */
function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    CLOUDSTORAGE_ROOT_EMAIL: ROOT_EMAIL,
    CLOUDSTORAGE_ROOT_PASSWORD: ROOT_PASSWORD,
    CLOUDSTORAGE_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY,
    CLOUDSTORAGE_ROOT_SECRET_KEY: ROOT_SECRET_KEY,
    CLOUDSTORAGE_RATE_LIMITS: 'off',
    CLOUDSTORAGE_DISK_RESERVE: '0',
    ...extra,
  }
}

const serveArgv = (dataDir: string, args: string[] = []) => ['--data', dataDir, '--host', '127.0.0.1', '--s3-port', '0', '--port', '0', ...args]

async function runAdmin(command: string[], env: Record<string, string>, cwd: string) {
  const p = Bun.spawn(command, { env, stdout: 'pipe', stderr: 'pipe', cwd })
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { stdout, stderr, code }
}

/** The CLI entry: the source tree by default, or the compiled binary when given. */
export function cliCommand(binary?: string): string[] {
  return binary ? [binary] : [process.execPath, join(ROOT, 'src/main.ts')]
}

/**
 * Starts a real appliance on ephemeral ports with a fresh temp data dir and known root
 * credentials; resolves once it logs "ready".
 */
export async function startServer(opts: ServerOptions & { binary?: string; cwd?: string } = {}): Promise<ProcessTestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'cs-test-'))
  const env = serverEnv(opts.env)
  const proc = Bun.spawn([...cliCommand(opts.binary), 'serve', ...serveArgv(dataDir, opts.args)], {
    env, stdout: 'pipe', stderr: 'pipe', cwd: opts.cwd ?? ROOT,
  })
  let out = ''
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder()
    for await (const chunk of stream) out += dec.decode(chunk)
  }
  // stop() waits for both pipes to be read to the end, so output() is complete after it.
  const pumped = Promise.all([pump(proc.stdout as ReadableStream<Uint8Array>), pump(proc.stderr as ReadableStream<Uint8Array>)]).catch(() => {})
  const deadline = Date.now() + 60_000
  let m: RegExpMatchArray | null = null
  while (!(m = out.match(/ready.*s3=(http:\/\/[^\s]+) http=(http:\/\/[^\s]+)/))) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${out}`)
    if (Date.now() > deadline) { proc.kill(); throw new Error(`server did not start:\n${out}`) }
    await Bun.sleep(50)
  }
  const server: ProcessTestServer = {
    s3Url: m[1],
    httpUrl: m[2],
    dataDir,
    proc,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null) proc.kill(signal)
      const code = await proc.exited
      await pumped
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true })
      return code
    },
    admin: (...args: string[]) => runAdmin([...cliCommand(opts.binary), 'admin', ...args, '--data', dataDir], env, opts.cwd ?? ROOT),
  }
  return server
}

/**
 * The same appliance as startServer() (same defaults, env and flags, read by the real config
 * loader), started inside the test process: no process start, module load or pipe in between.
 * For tests about behaviour; tests about the process (signals, crashes, pids, locks held by
 * another process, strace, RSS) use startServer(). `now` replaces the appliance's clock.
 * Admin commands still run the real CLI against the data dir, as on a running server.
 */
export async function startInProcess(opts: ServerOptions & { now?: () => number } = {}): Promise<InProcessTestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'cs-test-'))
  const env = serverEnv(opts.env)
  const args = parseArgs(serveArgv(dataDir, opts.args), { values: SERVE_FLAGS, bools: [] }, SERVE_USAGE)
  const config = loadConfig(args.values, env)
  let out = ''
  const write = (s: string) => { out += s.endsWith('\n') ? s : s + '\n' }
  const log = new Logger(config.logFormat, write)
  let app: Appliance
  try {
    app = await startAppliance(config, { log, out: write, now: opts.now })
  } catch (e) {
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true })
    throw e
  }
  return {
    s3Url: app.s3Url,
    httpUrl: app.httpUrl,
    dataDir,
    app,
    runBackgroundJobs: () => app.runBackgroundJobs(),
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (signal !== 'SIGTERM' && signal !== 'SIGINT') throw new Error(`an in-process server stops cleanly only; ${signal} needs startServer()`)
      log.info('shutting down', { signal })
      await app.stop()
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true })
      return 0
    },
    admin: (...a: string[]) => runAdmin([...cliCommand(), 'admin', ...a, '--data', dataDir], env, ROOT),
  }
}
