/**
 * Failures a component handles itself (a throwing afterCommit hook or event listener, a failed
 * quota event, the disk-full reserve) go to the request log's Logger through the reporter the
 * composition root connects, never to console.* (which broke --log-format json's one JSON
 * object per line).
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { openDatabase } from '../../src/db/client'
import { SpaceReserve } from '../../src/blob/space-reserve'
import { createAppContext } from '../../src/app'
import { loadConfig } from '../../src/config/load'
import { Logger } from '../../src/log/logger'

const ROOT = resolve(import.meta.dir, '../..')
const dir = mkdtempSync(join(tmpdir(), 'cs-reports-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('no console output from src/', () => {
  test('no console.log/error/warn/info/debug call in any source file', () => {
    const files = readdirSync(join(ROOT, 'src'), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
      .map((e) => join(e.parentPath, e.name))
    expect(files.length).toBeGreaterThan(100)
    const calls = files.flatMap((f) => {
      const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
      return [...code.matchAll(/\bconsole\.(log|error|warn|info|debug)\s*\(/g)].map((m) => `${relative(ROOT, f)}: console.${m[1]}`)
    })
    expect(calls).toEqual([])
  })
})

describe('reports reach the reporter', () => {
  test('a throwing afterCommit hook: the database client reports it and the commit stands', () => {
    const db = openDatabase(join(dir, 'a.sqlite'))
    const reports: Array<[string, unknown]> = []
    db.onError((msg, err) => reports.push([msg, err]))
    db.sqlite.run('CREATE TABLE t (v INTEGER)')
    const boom = new Error('hook broke')
    db.tx(() => {
      db.sqlite.run('INSERT INTO t VALUES (1)')
      db.afterCommit(() => { throw boom })
    })
    expect(reports).toEqual([['afterCommit hook failed', boom]])
    expect(db.sqlite.query('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 })
    db.close()
  })

  test('releasing the disk-full reserve is reported', () => {
    const reports: string[] = []
    const space = new SpaceReserve(dir, 4096, (msg) => reports.push(msg))
    expect(space.ensure()).toBe(true)
    expect(space.release()).toBe(true)
    expect(reports).toHaveLength(1)
    expect(reports[0]).toStartWith('disk full: released the 4096 bytes of ')
  })

  test('through the app context: a failing event listener is one JSON log line (--log-format json)', () => {
    const lines: string[] = []
    const log = new Logger('json', (line) => lines.push(line))
    const config = loadConfig({ '--data': join(dir, 'data'), '--log-format': 'json' }, { CLOUDSTORAGE_DISK_RESERVE: '0' })
    const ctx = createAppContext(config, { report: (msg, err) => log.error(msg, err) })
    try {
      ctx.bus.subscribe(() => { throw new Error('listener broke') })
      ctx.db.tx(() => ctx.bus.emit('bucket.created', null, { name: 'x' }))
      expect(lines).toHaveLength(1)
      const line = JSON.parse(lines[0])
      expect(line).toMatchObject({ level: 'error', msg: 'event listener failed' })
      expect(line.error).toContain('listener broke')
    } finally {
      ctx.db.close()
    }
  })
})
