import { accessSync, constants, existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY } from './server'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs an external command to completion; never throws on a non-zero exit. */
export async function run(cmd: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string } = {}): Promise<RunResult> {
  const p = Bun.spawn(cmd, { env: opts.env, cwd: opts.cwd, stdin: opts.input !== undefined ? new TextEncoder().encode(opts.input) : 'ignore', stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { code, stdout, stderr }
}

/** Like run(), but a non-zero exit fails with the command's output in the message. */
export async function runOk(cmd: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string } = {}): Promise<RunResult> {
  const r = await run(cmd, opts)
  if (r.code !== 0) throw new Error(`${cmd.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  return r
}

/** A scratch directory removed by the returned cleanup. */
export function scratchDir(prefix = 'cs-e2e-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * The environment for an external S3 tool: the caller's PATH and locale, a throwaway HOME (so
 * no user config is read or written), credentials and region from variables, and none of the
 * caller's AWS_* settings (rclone 1.60 fails on AWS_CA_BUNDLE; endpoints here are plain HTTP).
 */
export function toolEnv(home: string, creds = { accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY }, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('AWS_') || k.startsWith('RCLONE_') || k.startsWith('BOTO')) continue
    env[k] = v
  }
  writeFileSync(join(home, 'aws-config'), '')
  writeFileSync(join(home, 'aws-credentials'), '')
  // pyenv shims find their root through HOME; keep them working with the throwaway HOME.
  const pyenvRoot = process.env.PYENV_ROOT ?? join(homedir(), '.pyenv')
  if (existsSync(pyenvRoot)) env.PYENV_ROOT = pyenvRoot
  return {
    ...env,
    HOME: home,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_DEFAULT_REGION: REGION,
    AWS_REGION: REGION,
    AWS_CONFIG_FILE: join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    ...extra,
  }
}

/** Deterministic pseudo-random bytes (fast for tens of MiB). */
export function randomData(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size)
  const block = randomBytes(64 * 1024)
  block.writeUInt32LE(seed, 0)
  for (let off = 0; off < size; off += block.length) {
    block.writeUInt32LE(off ^ seed, 4)
    block.copy(out, off, 0, Math.min(block.length, size - off))
  }
  return out
}

export const sha256File = async (path: string) => createHash('sha256').update(new Uint8Array(await Bun.file(path).arrayBuffer())).digest('hex')
export const sha256Of = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

/**
 * Every distinct installation of a command on PATH (e.g. a pip-installed aws CLI shadowing the
 * Debian one), identified by its version output so each one can be exercised.
 */
export function installationsOf(cmd: string, versionArgs: string[], env: Record<string, string>): Array<{ path: string; version: string }> {
  const seen = new Map<string, { path: string; version: string }>()
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const p = join(dir, cmd)
    try {
      accessSync(p, constants.X_OK)
    } catch {
      continue
    }
    let version: string
    let exe = realpathSync(p)
    // A pyenv shim costs a bash + pyenv round trip per call: run what it resolves to instead.
    if (p.includes(`${join('.pyenv', 'shims')}`) && env.PYENV_ROOT) {
      const w = Bun.spawnSync([join(env.PYENV_ROOT, 'libexec', 'pyenv'), 'which', cmd], { env, stdout: 'pipe', stderr: 'pipe' })
      if (w.exitCode === 0 && w.stdout.toString().trim()) exe = w.stdout.toString().trim()
    }
    try {
      const r = Bun.spawnSync([exe, ...versionArgs], { env, stdout: 'pipe', stderr: 'pipe' })
      if (r.exitCode !== 0) continue
      version = (r.stdout.toString() + r.stderr.toString()).trim().split('\n')[0]
    } catch {
      continue
    }
    if (!seen.has(version)) seen.set(version, { path: exe, version })
  }
  return [...seen.values()]
}
