import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { chmodSync, closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import sharp from 'sharp'
import { ROOT, ROOT_ACCESS_KEY, ROOT_EMAIL, ROOT_SECRET_KEY, startServer, type ProcessTestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { hasTool, testWithTool } from '../helpers/tools'
import { VERSION } from '../../src/version'
import { TUI_SCENARIO_SERVER_ENV, tuiEndToEnd } from './tui-scenario'

/**
 * The single executable, as an operator gets it: built by build.ts, copied ALONE into an empty
 * directory and run from there with an environment that cannot reach this checkout's
 * node_modules (cwd and data dir in /tmp, NODE_PATH empty, PATH without node_modules/.bin).
 */
const work = mkdtempSync(join(tmpdir(), 'cs-binary-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const SHARP_VERSION: string = (await Bun.file(join(ROOT, 'node_modules/sharp/package.json')).json()).version
const CLEAN_ENV = { NODE_PATH: '', PATH: '/usr/local/bin:/usr/bin:/bin', HOME: work }

/** `bun build.ts --target T --outfile …` in a temp dir, so the test never races over dist/. */
function build(target: string, outfile: string) {
  const r = Bun.spawnSync([process.execPath, join(ROOT, 'build.ts'), '--target', target, '--outfile', outfile], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
  const log = `${r.stdout}${r.stderr}`
  if (r.exitCode !== 0) throw new Error(`build for ${target} failed (${r.exitCode}):\n${log}`)
  return log
}

/** Copies a built binary as the only file of a fresh directory. */
function installAlone(built: string, name: string): string {
  const dir = mkdtempSync(join(work, 'empty-'))
  const binary = join(dir, name)
  copyFileSync(built, binary)
  chmodSync(binary, 0o755)
  expect(readdirSync(dir)).toEqual([name])
  return binary
}

/** Resolution walks up from the extracted sharp tree; no node_modules may be found on the way. */
function expectNoNodeModulesAbove(dir: string) {
  for (let d = dir; ; d = dirname(d)) {
    expect(existsSync(join(d, 'node_modules'))).toBe(false)
    if (dirname(d) === d) break
  }
}

async function run(cmd: string[], cwd: string, env: Record<string, string> = {}) {
  const p = Bun.spawn(cmd, { cwd, env: { ...CLEAN_ENV, ...env }, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { stdout, stderr, code }
}

/** The ELF header's e_machine field: 0x3e x86-64, 0xb7 AArch64. */
function elfMachine(path: string): number {
  const buf = Buffer.alloc(20)
  const fd = openSync(path, 'r')
  try { readSync(fd, buf, 0, 20, 0) } finally { closeSync(fd) }
  expect(buf.subarray(0, 4).toString('latin1')).toBe('\x7fELF')
  return buf.readUInt16LE(18)
}

const SELF_TEST_IMAGES = new RegExp(`^ok {3}images: sharp ${SHARP_VERSION.replaceAll('.', '\\.')} resized a test image \\((\\d+) bytes of PNG\\)$`, 'm')

/**
 * Everything the operator-facing contract promises of one binary. `binary` is the file alone in
 * its directory (the working directory of every run); `launcher` is what gets executed: the
 * binary itself, or a wrapper that runs it under qemu.
 */
async function exerciseBinary(binary: string, expectedPngBytes: number, launcher = binary) {
  const cwd = dirname(binary)
  expectNoNodeModulesAbove(cwd)

  const version = await run([launcher, '--version'], cwd)
  expect(version).toEqual({ stdout: `${VERSION}\n`, stderr: '', code: 0 })

  // Database, TUI libraries and sharp (extracted from the binary into a scratch runtime dir).
  const selfTest = await run([launcher, 'serve', '--self-test', '--data', join(cwd, 'unused-data')], cwd)
  expect(selfTest.stderr).toBe('')
  expect(selfTest.stdout).toMatch(/^ok {3}database: schema version \d+, blob store round trip$/m)
  expect(selfTest.stdout).toMatch(/^ok {3}terminal UI: ink rendered a frame \(\d+ characters\)$/m)
  // The same libvips encodes the same PNG: the binary's sharp is the one node_modules has.
  expect(selfTest.stdout.match(SELF_TEST_IMAGES)?.[1]).toBe(String(expectedPngBytes))
  expect(selfTest.stdout).not.toContain('FAIL')
  expect(selfTest.code).toBe(0)
  expect(readdirSync(cwd)).toEqual([binary.slice(cwd.length + 1)]) // --self-test leaves nothing behind

  const dataDir = mkdtempSync(join(work, 'data-'))
  let server: ProcessTestServer | null = await startServer({ binary: launcher, cwd, dataDir, env: CLEAN_ENV })
  try {
    for (const url of [server.s3Url, server.httpUrl]) {
      const res = await fetch(`${url}/healthz`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('application/json')
      expect(await res.json()).toEqual({ status: 'ok', version: VERSION })
    }

    // The S3 surface of the compiled code path, byte for byte.
    const s3 = s3Client(server.s3Url)
    const body = randomBytes(64 * 1024 + 7)
    await s3.send(new CreateBucketCommand({ Bucket: 'binary-test' }))
    await s3.send(new PutObjectCommand({ Bucket: 'binary-test', Key: 'blob.bin', Body: body }))
    const got = await s3.send(new GetObjectCommand({ Bucket: 'binary-test', Key: 'blob.bin' }))
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true)

    // The image endpoint: the server extracts sharp under <data>/runtime on first use.
    const photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 10, g: 120, b: 200 } } }).png().toBuffer()
    await s3.send(new PutObjectCommand({ Bucket: 'binary-test', Key: 'photo.png', Body: photo, ContentType: 'image/png' }))
    const auth = { authorization: `Bearer ${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}` }
    for (const [query, type, format, width, height] of [['w=100&format=png', 'image/png', 'png', 100, 75], ['w=64&format=avif', 'image/avif', 'heif', 64, 48]] as const) {
      const res = await fetch(`${server.httpUrl}/api/img/binary-test/photo.png?${query}`, { headers: auth })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe(type)
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata()
      expect([meta.format, meta.width, meta.height]).toEqual([format, width, height])
    }
    expect(readdirSync(join(dataDir, 'runtime'))).toEqual([expect.stringMatching(new RegExp(`^sharp-${SHARP_VERSION.replaceAll('.', '\\.')}-linux-(x64|arm64)-[0-9a-f]{16}$`))])
    s3.destroy()

    // The web dashboard is inside the executable: the page and the files it loads, from memory
    // (the binary's directory holds nothing else, and no sources to build from).
    const page = await fetch(`${server.httpUrl}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const html = await page.text()
    const assets = [...html.matchAll(/\/assets\/([\w.-]+)/g)].map((m) => m[1])
    expect(assets).toEqual([expect.stringMatching(/^main-\w+\.css$/), expect.stringMatching(/^main-\w+\.js$/)])
    for (const a of assets) {
      const res = await fetch(`${server.httpUrl}/assets/${a}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      expect((await res.text()).length).toBeGreaterThan(1000)
    }

    await tuiSmoke(launcher, cwd, server)

    // The admin CLI of the same binary against the running server's data dir.
    const list = await server.admin('account', 'list', '--json')
    expect(list.stderr).toBe('')
    expect(list.code).toBe(0)
    const accounts = JSON.parse(list.stdout).accounts as Array<{ email: string; isAdmin: boolean }>
    expect(accounts.map((a) => [a.email, a.isAdmin])).toEqual([[ROOT_EMAIL, true]])

    // One appliance per data dir in the binary too (its lock is flock through bun:ffi).
    const second = await run([launcher, 'serve', '--data', dataDir, '--host', '127.0.0.1', '--s3-port', '0', '--port', '0'], cwd)
    const holder = launcher === binary ? String(server.proc.pid) : '\\d+'
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(new RegExp(`^cloudstorage: data directory ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by another cloudstorage server \\(pid ${holder}\\); stop it first, or use another --data\n$`))

    const code = await server.stop('SIGTERM')
    server = null
    expect(code).toBe(0)
  } finally {
    if (server) await server.stop('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const ANSI = /\x1b\[[0-9;?]*[ -\/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]/g

/**
 * The Ink TUI of the binary in a pseudo-terminal (`script`, from util-linux, essential in Debian):
 * it must reach the running server with the admin token from the data dir (the header then shows
 * the server's version) and quit with exit code 0 on `q`.
 */
async function tuiSmoke(launcher: string, cwd: string, server: ProcessTestServer) {
  const cmd = `stty cols 100 rows 30 && exec ${launcher} tui --data ${server.dataDir} --url ${server.httpUrl}`
  const p = Bun.spawn(['script', '-qfec', cmd, '/dev/null'], { cwd, env: { ...CLEAN_ENV, TERM: 'xterm-256color' }, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' })
  let screen = ''
  void (async () => { for await (const chunk of p.stdout) screen += new TextDecoder().decode(chunk) })()
  try {
    while (!screen.replace(ANSI, '').includes(`CloudStorage v${VERSION}`)) {
      if (p.exitCode !== null) throw new Error(`tui exited with ${p.exitCode} before showing the server's version:\n${screen.replace(ANSI, '')}`)
      await Bun.sleep(50)
    }
    p.stdin.write('q')
    await p.stdin.flush()
    expect(await p.exited).toBe(0)
  } finally {
    if (p.exitCode === null) p.kill('SIGKILL')
  }
}

/** PNG size of the self-test's resize when sharp comes from node_modules (the source tree). */
async function pngBytesFromSource(): Promise<number> {
  const r = await run([process.execPath, join(ROOT, 'src/main.ts'), 'serve', '--self-test'], ROOT, { PATH: process.env.PATH ?? '' })
  const m = r.stdout.match(SELF_TEST_IMAGES)
  if (!m) throw new Error(`self-test from source did not resize:\n${r.stdout}${r.stderr}`)
  return Number(m[1])
}

let pngBytes = 0
beforeAll(async () => {
  pngBytes = await pngBytesFromSource()
}, 600_000)

describe('linux-x64 binary', () => {
  let binary = ''
  beforeAll(() => {
    const built = join(work, 'build-x64', 'cloudstorage')
    build('linux-x64', built)
    expect(existsSync(`${built}.map`)).toBe(false) // the sourcemap is inside the executable
    binary = installAlone(built, 'cloudstorage')
  }, 600_000)

  test('is an x86-64 executable', () => {
    expect(elfMachine(binary)).toBe(0x3e)
  })

  test('runs from an empty directory: version, self-test with sharp, both healthz, S3 bytes, images, TUI in a pty, admin CLI, SIGTERM exit 0', async () => {
    await exerciseBinary(binary, pngBytes)
  })

  // Issue 12's end-to-end run, keystroke by keystroke in a real terminal (tmux), against a server
  // from the same binary (x64 only: the arm64 binary, emulated, keeps the `script` smoke above).
  testWithTool('tmux', hasTool('tmux', ['-V']), 'TUI in tmux: creates a key, a bucket, uploads and overwrites a file, restores version 1 in Time Machine (bytes checked through S3), a webhook\'s test delivery in the log', async () => {
    const cwd = dirname(binary)
    let server: ProcessTestServer | null = await startServer({ binary, cwd, env: { ...CLEAN_ENV, ...TUI_SCENARIO_SERVER_ENV } })
    try {
      await tuiEndToEnd(binary, cwd, server, CLEAN_ENV, work)
      const code = await server.stop('SIGTERM')
      server = null
      expect(code).toBe(0)
    } finally {
      if (server) await server.stop('SIGKILL')
    }
  })

  // Stronger than a clean environment: the checkout (its node_modules and the Bun that runs this
  // test) is not even visible. Needs root-like rights to make a mount namespace.
  const canHideCheckout = hasTool('unshare', ['-m', 'true'])
  testWithTool('unshare -m (mount namespaces)', canHideCheckout, 'self-test passes with the checkout hidden behind an empty tmpfs', async () => {
    const script = `mount -t tmpfs none ${ROOT} && test -z "$(ls -A ${ROOT})" && exec ${binary} serve --self-test`
    const r = await run(['unshare', '-m', 'sh', '-c', script], dirname(binary))
    expect(r.stdout).toMatch(/^ok {3}terminal UI: /m)
    expect(r.stdout.match(SELF_TEST_IMAGES)?.[1]).toBe(String(pngBytes))
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  })

  testWithTool('systemd-analyze', hasTool('systemd-analyze', ['--version']), 'deploy/cloudstorage.service passes systemd-analyze verify and keeps its hardening', () => {
    const unit = readFileSync(join(ROOT, 'deploy/cloudstorage.service'), 'utf8')
    // verify checks that ExecStart names an executable: point it at the binary just built.
    const path = join(mkdtempSync(join(work, 'unit-')), 'cloudstorage.service')
    writeFileSync(path, unit.replaceAll('/usr/local/bin/cloudstorage', binary))
    const verify = Bun.spawnSync(['systemd-analyze', 'verify', path], { stdout: 'pipe', stderr: 'pipe' })
    expect(`${verify.stdout}${verify.stderr}`).toBe('')
    expect(verify.exitCode).toBe(0)
    // The unit's exposure is 3.0 ("OK"); the threshold counts tenths, so any loosening fails.
    const security = Bun.spawnSync(['systemd-analyze', 'security', '--offline=yes', '--threshold=30', path], { stdout: 'pipe', stderr: 'pipe' })
    expect(security.exitCode).toBe(0)
    // What docs/deployment.md tells the operator about the unit.
    const lines = unit.split('\n')
    for (const line of ['User=cloudstorage', 'EnvironmentFile=/etc/cloudstorage/env', 'Environment=CLOUDSTORAGE_DATA=/var/lib/cloudstorage',
      'ReadWritePaths=/var/lib/cloudstorage', 'StateDirectory=cloudstorage', 'ExecStart=/usr/local/bin/cloudstorage serve',
      'KillSignal=SIGTERM', 'Restart=on-failure', 'NoNewPrivileges=yes', 'ProtectSystem=strict']) {
      expect(lines).toContain(line)
    }
  })

  test('`bun build.ts --help` and a bad target answer without building', () => {
    const help = Bun.spawnSync([process.execPath, join(ROOT, 'build.ts'), '--help'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
    expect(help.exitCode).toBe(0)
    expect(help.stdout.toString()).toContain('--target linux-x64|linux-arm64')
    const bad = Bun.spawnSync([process.execPath, join(ROOT, 'build.ts'), '--target', 'linux-mips'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
    expect(bad.exitCode).toBe(1)
    expect(bad.stderr.toString()).toBe("build failed: unknown target 'linux-mips' (supported: linux-x64, linux-arm64)\n")
  })
})

/**
 * The arm64 binary runs under qemu-user with an arm64 glibc and libstdc++ (sharp's addon needs
 * libstdc++.so.6) from Debian's cross packages; binfmt_misc is not needed because qemu is called
 * explicitly through a wrapper script that startServer can spawn like any binary.
 */
const QEMU = 'qemu-aarch64-static'
const SYSROOT = '/usr/aarch64-linux-gnu'
const canRunArm64 = hasTool(QEMU, ['--version']) && existsSync(join(SYSROOT, 'lib/ld-linux-aarch64.so.1')) && existsSync(join(SYSROOT, 'lib/libstdc++.so.6'))

describe('linux-arm64 binary', () => {
  let built = ''
  beforeAll(() => {
    built = join(work, 'build-arm64', 'cloudstorage-linux-arm64')
    build('linux-arm64', built)
  }, 600_000)

  test('is an AArch64 executable', () => {
    expect(elfMachine(built)).toBe(0xb7)
  })

  testWithTool('qemu-user-static + libc6-arm64-cross + libstdc++6-arm64-cross', canRunArm64, 'runs under qemu-user from an empty directory: version, self-test with sharp, both healthz, S3 bytes, images, TUI in a pty, admin CLI, SIGTERM exit 0', async () => {
    const binary = installAlone(built, 'cloudstorage-linux-arm64')
    const wrapper = join(mkdtempSync(join(work, 'qemu-')), 'cloudstorage')
    // exec: qemu replaces the shell, so SIGTERM reaches qemu, which passes it to the guest.
    writeFileSync(wrapper, `#!/bin/sh\nexec ${QEMU} -L ${SYSROOT} ${binary} "$@"\n`, { mode: 0o755 })
    await exerciseBinary(binary, pngBytes, wrapper)
  }, 600_000) // emulation is ~20x slower than native; this only bounds a hang
})
