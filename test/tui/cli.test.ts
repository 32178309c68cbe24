/** `cloudstorage tui`'s command line: finding the server from its data dir, and the flag rules. */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runningServer } from '../../src/cli/tui'
import { cliCommand, ROOT } from '../helpers/server'

const dir = mkdtempSync(join(tmpdir(), 'cs-tui-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const info = (pid: number) => ({ pid, version: '0.1.0', s3Url: 'http://127.0.0.1:1', httpUrl: 'http://127.0.0.1:2', adminTokenPath: join(dir, 'admin.token'), startedAt: '', config: null })

describe('finding the server of a data dir', () => {
  test('server.json of a live process: its URLs and token', () => {
    writeFileSync(join(dir, 'server.json'), JSON.stringify(info(process.pid)))
    expect(runningServer(dir)).toMatchObject({ httpUrl: 'http://127.0.0.1:2', s3Url: 'http://127.0.0.1:1' })
  })

  test('left behind by a killed server (its pid is gone): ignored', async () => {
    const p = Bun.spawn(['true'])
    await p.exited
    writeFileSync(join(dir, 'server.json'), JSON.stringify(info(p.pid)))
    expect(runningServer(dir)).toBeNull()
  })

  test('none, or not JSON: nothing found', () => {
    rmSync(join(dir, 'server.json'), { force: true })
    expect(runningServer(dir)).toBeNull()
    writeFileSync(join(dir, 'server.json'), 'garbage')
    expect(runningServer(dir)).toBeNull()
  })
})

describe('flags', () => {
  async function tui(...args: string[]) {
    const p = Bun.spawn([...cliCommand(), 'tui', ...args], { cwd: ROOT, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' })
    p.stdin.end()
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
    return { stdout, stderr, code }
  }

  test('a key pair goes together; a key and a login exclude each other; --interval in range', async () => {
    for (const [args, message] of [
      [['--access-key', 'AK'], '--access-key and --secret-key go together'],
      [['--access-key', 'AK', '--secret-key', 'SK', '--login'], '--login and --access-key exclude each other'],
      [['--interval', '0'], '--interval is seconds between refreshes, 0.5 to 3600'],
      [['--url', 'ftp://x'], '--url must be http:// or https://'],
    ] as const) {
      const r = await tui(...args)
      expect({ args, code: r.code }).toEqual({ args, code: 2 })
      expect(r.stderr).toContain(message)
    }
  })

  test('--help names every way to sign in', async () => {
    const r = await tui('--help')
    expect(r.code).toBe(0)
    for (const flag of ['--data', '--url', '--access-key', '--secret-key', '--login', '--email', '--interval']) expect(r.stdout).toContain(flag)
  })
})
