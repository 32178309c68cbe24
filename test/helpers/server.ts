import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Subprocess } from 'bun'

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
  proc: Subprocess
  output(): string
  stop(signal?: NodeJS.Signals): Promise<number>
  /** Runs `cloudstorage admin …` against this server's data dir; returns stdout, stderr, code. */
  admin(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }>
}

/** The CLI entry: the source tree by default, or the compiled binary when given. */
export function cliCommand(binary?: string): string[] {
  return binary ? [binary] : [process.execPath, join(ROOT, 'src/main.ts')]
}

/**
 * Starts a real appliance on ephemeral ports with a fresh temp data dir and known root
 * credentials; resolves once it logs "ready".
 */
export async function startServer(opts: { env?: Record<string, string>; args?: string[]; binary?: string; dataDir?: string; cwd?: string } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'cs-test-'))
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    CLOUDSTORAGE_ROOT_EMAIL: ROOT_EMAIL,
    CLOUDSTORAGE_ROOT_PASSWORD: ROOT_PASSWORD,
    CLOUDSTORAGE_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY,
    CLOUDSTORAGE_ROOT_SECRET_KEY: ROOT_SECRET_KEY,
    CLOUDSTORAGE_RATE_LIMITS: 'off',
    CLOUDSTORAGE_DISK_RESERVE: '0',
    ...opts.env,
  }
  const proc = Bun.spawn([...cliCommand(opts.binary), 'serve', '--data', dataDir, '--host', '127.0.0.1', '--s3-port', '0', '--port', '0', ...(opts.args ?? [])], {
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
  const server: TestServer = {
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
    async admin(...args: string[]) {
      const p = Bun.spawn([...cliCommand(opts.binary), 'admin', ...args, '--data', dataDir], { env, stdout: 'pipe', stderr: 'pipe', cwd: opts.cwd ?? ROOT })
      const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
      return { stdout, stderr, code }
    },
  }
  return server
}
