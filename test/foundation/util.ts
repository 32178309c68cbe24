/** Shared bits for the foundation tests: run the real CLI, read its one-line errors. */
import { expect } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT, ROOT_ACCESS_KEY, ROOT_EMAIL, ROOT_PASSWORD, ROOT_SECRET_KEY, cliCommand } from '../helpers/server'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * The caller's environment without any CLOUDSTORAGE_* variable, so a developer's shell settings
 * cannot change what a test sees.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('CLOUDSTORAGE_')) env[k] = v
  return { ...env, ...extra }
}

/** Runs `cloudstorage ARGS` (the source CLI) to completion with stdin closed. */
export async function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  const p = Bun.spawn([...cliCommand(), ...args], { env: cleanEnv(opts.env), cwd: opts.cwd ?? ROOT, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { code, stdout, stderr }
}

/** Asserts the operator-facing failure shape: exit code, nothing on stdout, one line, no stack. */
export function expectOneLineError(r: CliResult, code: number): string {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code, stdout: '' })
  expect(r.stderr.endsWith('\n')).toBe(true)
  const lines = r.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(r.stderr).not.toMatch(/^\s+at /m)
  expect(lines[0]).toStartWith('cloudstorage: ')
  return lines[0]
}

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

/** The exact arguments a server start needs on ephemeral ports. */
export const serveArgs = (dataDir: string, ...more: string[]) => ['serve', '--data', dataDir, '--host', '127.0.0.1', '--s3-port', '0', '--port', '0', ...more]

/**
 * startServer() waits for the text-format "ready" line; with `--log-format json` the ready record
 * is JSON. Same environment and arguments as startServer(), JSON readiness.
 */
export async function startJsonLogServer(opts: { env?: Record<string, string>; args?: string[] } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cs-json-'))
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    CLOUDSTORAGE_ROOT_EMAIL: ROOT_EMAIL, CLOUDSTORAGE_ROOT_PASSWORD: ROOT_PASSWORD,
    CLOUDSTORAGE_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY, CLOUDSTORAGE_ROOT_SECRET_KEY: ROOT_SECRET_KEY,
    CLOUDSTORAGE_RATE_LIMITS: 'off', CLOUDSTORAGE_DISK_RESERVE: '0', ...opts.env,
  }
  const proc = Bun.spawn([...cliCommand(), ...serveArgs(dataDir, '--log-format', 'json', ...(opts.args ?? []))], { env, cwd: ROOT, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  let out = ''
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder()
    for await (const c of s) out += dec.decode(c, { stream: true })
  }
  // stop() waits for both pipes to be read to the end, so output() is complete after it.
  const pumped = Promise.all([pump(proc.stdout as ReadableStream<Uint8Array>), pump(proc.stderr as ReadableStream<Uint8Array>)]).catch(() => {})
  let ready: { s3: string; http: string } | null = null
  while (!ready) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${out}`)
    for (const line of out.split('\n')) {
      if (!line.includes('ready')) continue
      try {
        const rec = JSON.parse(line)
        if (/ready$/.test(rec.msg)) ready = { s3: rec.s3, http: rec.http }
      } catch { /* a partial line; read on */ }
    }
    if (!ready) await Bun.sleep(50)
  }
  // TypeScript cannot see the loop above assign `ready`.
  const urls = ready as unknown as { s3: string; http: string }
  return {
    s3Url: urls.s3, httpUrl: urls.http, dataDir, proc,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null) proc.kill(signal)
      const code = await proc.exited
      await pumped
      rmSync(dataDir, { recursive: true, force: true })
      return code
    },
  }
}
