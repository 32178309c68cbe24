/**
 * Every directory the appliance creates is durable in its parent before anything inside it is
 * acknowledged or printed: a power cut right after a first start must not lose the data dir with
 * the credentials just printed. Audited with strace on a real first start (the data dir and its
 * parent created by `serve`), and on the first image rendition (the cache directories).
 */
import { describe, expect, afterAll, setDefaultTimeout } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import sharp from 'sharp'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { ROOT, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, cliCommand } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { testWithTool } from '../helpers/tools'
import { parseTrace, straceUsable, type Call } from '../helpers/strace'
import { cleanEnv, tempDir } from './util'

// Starting a server under strace is slow; a hang guard, not a performance limit.
setDefaultTimeout(180_000)

const usable = straceUsable()
const tmp = tempDir('cs-durable-dirs-')
afterAll(() => tmp.cleanup())

const isSync = (c: Call) => (c.name === 'fsync' || c.name === 'fdatasync') && c.ret === '0'
const fdPath = (c: Call) => /^\d+<([^>]*)>/.exec(c.args)?.[1] ?? ''
/** The path a mkdir/mkdirat/rename created (its first, or for rename its second, quoted path). */
const quoted = (c: Call) => [...c.args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1])
const isWrite = (c: Call) => /^(write|writev|pwrite64|sendto|sendmsg)$/.test(c.name)

/** Fails naming every directory entry created under `root` before `before` whose parent was not fsynced in between. */
function expectDurable(calls: Call[], root: string, before: Call, what: string) {
  const created: Array<{ path: string; at: Call }> = []
  for (const c of calls) {
    if (c.end >= before.start || c.ret === '' || c.ret.startsWith('-')) continue
    if (c.name === 'mkdir' || c.name === 'mkdirat') created.push({ path: quoted(c)[0], at: c })
    if (c.name.startsWith('rename')) created.push({ path: quoted(c)[1], at: c })
    if (c.name === 'openat' && c.args.includes('O_CREAT')) created.push({ path: quoted(c)[0], at: c })
  }
  const mine = created.filter((e) => e.path === root || e.path.startsWith(`${root}/`))
  const missing = mine
    // Files that need no durable entry of their own: SQLite's (it syncs their directory itself,
    // and db/client.ts before the first acknowledgement), the lock, temp files that are renamed
    // (the rename is what is checked) and image renditions (a cache: atomic, not durable).
    .filter((e) => !/\/cloudstorage\.(db(-journal|-wal|-shm)?|lock)$|\.tmp$|\/tmp\/[^/]+$|\/cache\/images\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(e.path))
    .filter((e) => !calls.some((s) => isSync(s) && fdPath(s) === dirname(e.path) && s.start > e.at.end && s.end < before.start))
    .map((e) => e.path)
  expect({ what, notDurable: missing }).toEqual({ what, notDurable: [] })
  return mine.map((e) => e.path)
}

describe('fsync of every new directory into its parent', () => {
  testWithTool('strace', usable.ok, 'first start: the data dir (and its new parent), blobs, tmp, master.key and admin.token before the banner; the image cache before the rendition is served', async () => {
    const parent = join(tmp.dir, 'new-parent')
    const dataDir = join(parent, 'data')
    const trace = join(tmp.dir, 'trace')
    const proc = Bun.spawn([
      'strace', '-f', '-y', '-qq', '-s', '200', '-o', trace, '-e', 'trace=mkdir,mkdirat,openat,fsync,fdatasync,rename,renameat,renameat2,write,writev,pwrite64,sendto,sendmsg',
      ...cliCommand(), 'serve', '--data', dataDir, '--host', '127.0.0.1', '--s3-port', '0', '--port', '0',
    ], {
      cwd: ROOT, stdout: 'pipe', stderr: 'pipe',
      env: cleanEnv({ CLOUDSTORAGE_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY, CLOUDSTORAGE_ROOT_SECRET_KEY: ROOT_SECRET_KEY, CLOUDSTORAGE_DISK_RESERVE: '0', CLOUDSTORAGE_RATE_LIMITS: 'off' }),
    })
    let out = ''
    void (async () => {
      const dec = new TextDecoder()
      for await (const c of proc.stdout as ReadableStream<Uint8Array>) out += dec.decode(c, { stream: true })
    })()
    let m: RegExpMatchArray | null = null
    while (!(m = out.match(/ready s3=(\S+) http=(\S+)/))) {
      if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}:\n${out}\n${await new Response(proc.stderr).text()}`)
      await Bun.sleep(50)
    }
    const [, s3Url, httpUrl] = m
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#00ff00' } }).png().toBuffer()
    await s3Client(s3Url).send(new PutObjectCommand({ Bucket: 'admin', Key: 'pic.png', Body: png, ContentType: 'image/png' }))
    const rendition = await fetch(`${httpUrl}/api/img/admin/pic.png?w=10&format=png`, { headers: { 'x-api-key': `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}` } })
    expect(rendition.status).toBe(200)
    await rendition.arrayBuffer()
    const pid = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')).pid
    process.kill(pid, 'SIGTERM')
    expect(await proc.exited).toBe(0)

    const calls = parseTrace(readFileSync(trace, 'utf8'))
    const banner = calls.find((c) => isWrite(c) && c.args.includes('CloudStorage: first start'))
    const ready = calls.find((c) => isWrite(c) && c.args.includes(' ready s3='))
    expect(banner).toBeDefined()
    expect(ready).toBeDefined()
    // The new parent and the data dir, each fsynced into its own parent before the banner.
    const atStart = expectDurable(calls, tmp.dir, banner!, 'before the first-start banner')
    for (const p of [parent, dataDir, `${dataDir}/tmp`, `${dataDir}/blobs`, `${dataDir}/blobs/00`, `${dataDir}/blobs/ff`, `${dataDir}/master.key`, `${dataDir}/admin.token`]) expect(atStart).toContain(p)
    expect(expectDurable(calls, tmp.dir, ready!, 'before the ready line')).toContain(`${dataDir}/server.json`)
    // The credentials are in the database: its WAL (and the WAL's directory entry) synced after
    // the bootstrap commit and before the banner shows them.
    const wal = `${dataDir}/cloudstorage.db-wal`
    const walCreated = calls.findLast((c) => c.name === 'openat' && c.args.includes('O_CREAT') && quoted(c)[0] === wal && c.end < banner!.start)!
    expect(walCreated).toBeDefined()
    const lastWalWrite = calls.findLast((c) => isWrite(c) && fdPath(c) === wal && c.end < banner!.start)!
    expect(calls.some((c) => isSync(c) && fdPath(c) === dataDir && c.start > walCreated.end && c.end < banner!.start)).toBe(true)
    expect(calls.some((c) => isSync(c) && fdPath(c) === wal && c.start > lastWalWrite.end && c.end < banner!.start)).toBe(true)

    // The rendition's cache directories, before its response went out.
    const served = calls.filter((c) => isWrite(c) && c.args.includes('HTTP/1.1 200') && c.args.toLowerCase().includes('content-type: image/png'))
    expect(served.length).toBeGreaterThan(0)
    const cache = expectDurable(calls, dataDir, served[served.length - 1], 'before the rendition was served')
    expect(cache).toContain(`${dataDir}/cache`)
    expect(cache).toContain(`${dataDir}/cache/images`)
    expect(cache.some((p) => new RegExp(`^${dataDir}/cache/images/[0-9a-f]{2}$`).test(p))).toBe(true)
    expect(existsSync(join(dataDir, 'cache', 'images'))).toBe(true)
  })
})
