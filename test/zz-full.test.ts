import { test, expect } from 'bun:test'
import { mkdirSync, mkdtempSync, statfsSync, writeFileSync, openSync, writeSync, closeSync, fsyncSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { startServer, ROOT_ACCESS_KEY, ROOT_SECRET_KEY } from './helpers/server'
import { s3Fetch, errorOf } from './helpers/raw-s3'
const run = (cmd: string[]) => Bun.spawnSync(cmd, { stdout: 'pipe', stderr: 'pipe' })
test('full', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cs-full-')); const mnt = join(root, 'mnt'); mkdirSync(mnt)
  const img = join(root, 'disk.ext4'); run(['truncate', '-s', '64M', img]); run(['mkfs.ext4', '-q', '-F', '-m', '0', img])
  console.log(run(['mount', '-o', 'loop', img, mnt]).exitCode)
  const srv = await startServer({ dataDir: join(mnt, 'data'), env: { CLOUDSTORAGE_DISK_RESERVE: '4MiB' } })
  try {
    expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: 'full' })).status).toBe(200)
    for (let i = 0; i < 20; i++) expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: 'full', key: `k${i}`, body: new Uint8Array(1 << 20) })).status).toBe(200)
    // fill
    const fd = openSync(join(mnt, 'filler'), 'w'); const buf = Buffer.alloc(1 << 16)
    try { for (;;) writeSync(fd, buf) } catch (e) { console.log('filled', (e as any).code) }
    const buf2 = Buffer.alloc(512); try { for (;;) writeSync(fd, buf2) } catch {}
    try { for (;;) writeSync(fd, Buffer.alloc(1)) } catch {}
    try { fsyncSync(fd) } catch (e) { console.log('fsync', (e as any).code) }
    closeSync(fd)
    const s = statfsSync(mnt); console.log('free', s.bavail * s.bsize, s.bfree * s.bsize)
    for (let i = 0; i < 5; i++) { const r = await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: 'full', key: `k${i}` }); console.log('del', r.status, r.status !== 204 ? (await errorOf(r)).code : '') }
    const r = await fetch(`${srv.httpUrl}/api/versions?bucket=full`, { method: 'DELETE', headers: { 'X-API-Key': `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}` } }); console.log('purge', r.status, await r.text())
    await Bun.sleep(300)
    console.log(srv.output().split('\n').filter((l) => /ERROR|507/.test(l)).slice(0, 20).join('\n'))
  } finally { await srv.stop('SIGKILL'); run(['umount', mnt]) }
}, 120000)
