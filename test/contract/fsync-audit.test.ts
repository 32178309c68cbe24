/**
 * fsync-order audit (reliability plan R4): trace the real syscalls with strace and check the
 * durability protocol, not just that the code "calls sync somewhere":
 *
 *   fsync|fdatasync(temp file)  <  rename(temp → blobs/…)  <  fsync(blob's directory)
 *     <  fsync(cloudstorage.db-wal)  <  the 2xx response is sent
 *
 * and a DELETE never unlinks the blob inline (GC does, after a grace period). Skipped visibly
 * where strace is not installed; `.ci/run` installs it.
 */
import { describe, expect, setDefaultTimeout } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { hasTool, testWithTool } from '../helpers/tools'
import { ROOT, startServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { parseTrace, type Call } from '../helpers/strace'

// Starting a server under strace is slow; this is a hang guard, not a performance limit.
setDefaultTimeout(120_000)

const STRACE = hasTool('strace', ['-V'])
const SYSCALLS = 'openat,fsync,fdatasync,rename,renameat,renameat2,unlink,unlinkat,sendto,sendmsg,write,writev'


const isSync = (c: Call) => c.name === 'fsync' || c.name === 'fdatasync'
const fdPath = (c: Call) => /^\d+<([^>]*)>/.exec(c.args)?.[1] ?? ''

/** The durability chain for one blob id; asserts each step completed before the next began. */
function checkBlobChain(calls: Call[], dataDir: string, blobId?: string) {
  const fileSync = calls.find((c) => isSync(c) && c.ret === '0' && new RegExp(`^${dataDir}/tmp/${blobId ?? '[0-9a-f]+'}\\.[0-9a-f]+$`).test(fdPath(c)))
  expect(fileSync).toBeDefined()
  const tmpPath = fdPath(fileSync!)
  const id = blobId ?? tmpPath.slice(tmpPath.lastIndexOf('/') + 1).split('.')[0]
  const finalPath = `${dataDir}/blobs/${id.slice(-2)}/${id}`
  const rename = calls.find((c) => c.name.startsWith('rename') && c.args.includes(`"${tmpPath}"`) && c.args.includes(`"${finalPath}"`))
  expect(rename).toBeDefined()
  expect(rename!.ret).toBe('0')
  const dir = finalPath.slice(0, finalPath.lastIndexOf('/'))
  const dirSync = calls.find((c) => isSync(c) && fdPath(c) === dir && c.start > rename!.end)
  expect(dirSync).toBeDefined()
  // No write to the temp file after its fsync: every byte was covered.
  const lateWrite = calls.find((c) => c.name.startsWith('write') && fdPath(c) === tmpPath && c.start > fileSync!.start)
  expect(lateWrite).toBeUndefined()
  expect(fileSync!.end).toBeLessThan(rename!.start)
  expect(rename!.end).toBeLessThan(dirSync!.start)
  return { id, finalPath, dirSync: dirSync! }
}

/** Sends /healthz until its response shows up in the trace: from then on strace sees everything. */
async function markAttached(httpUrl: string, trace: string): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    await fetch(`${httpUrl}/healthz`)
    if (existsSync(trace) && /sendto\(.*HTTP\/1\.1 200/.test(readFileSync(trace, 'utf8'))) return true
    await Bun.sleep(50)
  }
  return false
}

describe('fsync order', () => {
  testWithTool('strace', STRACE, 'FsBlobStore.put: fsync(temp) < rename < fsync(dir)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-fsync-'))
    try {
      const data = join(dir, 'data')
      const script = join(dir, 'put.ts')
      writeFileSync(script, `
        import { FsBlobStore } from ${JSON.stringify(join(ROOT, 'src/blob/fs-store.ts'))}
        const store = new FsBlobStore(${JSON.stringify(data)})
        async function* src() { for (let i = 0; i < 40; i++) yield new Uint8Array(64 * 1024).fill(i) }
        await store.put('c5493dae4995f3d6e0832509ebb22905', src())
      `)
      const trace = join(dir, 'trace')
      const p = Bun.spawnSync(['strace', '-f', '-y', '-qq', '-s', '400', '-o', trace, '-e', `trace=${SYSCALLS}`, process.execPath, script], { stdout: 'pipe', stderr: 'pipe' })
      expect(p.exitCode).toBe(0)
      const { finalPath } = checkBlobChain(parseTrace(readFileSync(trace, 'utf8')), data, 'c5493dae4995f3d6e0832509ebb22905')
      expect(readFileSync(finalPath).length).toBe(40 * 64 * 1024)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  testWithTool('strace', STRACE, 'S3 PUT: blob chain < WAL fsync < 200 response; DELETE unlinks nothing inline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-fsync-srv-'))
    const trace = join(dir, 'trace')
    const data = join(dir, 'data')
    const srv = await startServer({ dataDir: data })
    // Attach to the running server (-p with -f follows all its threads): strace as a parent
    // would block SIGTERM (its -I3 default with -o), and the server could not stop cleanly.
    const strace = Bun.spawn(['strace', '-f', '-y', '-qq', '-s', '400', '-o', trace, '-e', `trace=${SYSCALLS}`, '-p', String(srv.proc.pid)], { stdout: 'ignore', stderr: 'pipe' })
    try {
      // strace needs a moment to attach to every thread; a marker syscall shows when it has.
      const marker = await markAttached(srv.httpUrl, trace)
      expect(marker).toBe(true)
      const s3 = s3Client(srv.s3Url)
      await s3.send(new CreateBucketCommand({ Bucket: 'audit' }))
      await s3.send(new PutObjectCommand({ Bucket: 'audit', Key: 'k', Body: 'durable bytes' }))
      await s3.send(new DeleteObjectCommand({ Bucket: 'audit', Key: 'k' }))
    } finally {
      strace.kill('SIGINT') // detaches; the server keeps running
      await strace.exited
      expect(await srv.stop()).toBe(0)
    }
    try {
      const calls = parseTrace(readFileSync(trace, 'utf8'))
      const { finalPath, dirSync } = checkBlobChain(calls, data)
      const wal = calls.find((c) => isSync(c) && fdPath(c) === `${data}/cloudstorage.db-wal` && c.start > dirSync.end)
      expect(wal).toBeDefined()
      const response = calls.find((c) => (c.name === 'sendto' || c.name.startsWith('write') || c.name === 'sendmsg') && c.args.includes('HTTP/1.1 200') && c.args.includes('ETag') && c.start > dirSync.end)
      expect(response).toBeDefined()
      expect(wal!.end).toBeLessThan(response!.start)
      // The DELETE committed, but the bytes stay until GC's grace period has passed.
      expect(calls.some((c) => c.name.startsWith('unlink') && c.args.includes(finalPath))).toBe(false)
      expect(existsSync(finalPath)).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
