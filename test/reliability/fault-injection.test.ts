/**
 * R5 — syscall fault injection with strace (research/reliability-anchors.md §1.1 "fsync
 * errors", §1.6 method 6, §4.2).
 *
 * strace attaches to the running appliance and makes one chosen syscall fail:
 *   - fdatasync(temp blob) = EIO, rename(temp → blobs/…) = EIO: the PUT must not be acked,
 *     the temp file is removed, no object and no orphan file appear, and the next PUT works;
 *   - fsync(cloudstorage.db-wal) = EIO: the PUT must not be acked, and — because Linux may have
 *     dropped the WAL's dirty pages and a retried fsync can "succeed" without them (PostgreSQL's
 *     fsyncgate) — no later write may be acknowledged either until a restart; reads keep
 *     working. After the restart the appliance accepts writes again, the database passes
 *     integrity_check, and the failed PUT is all or nothing.
 * Skipped visibly when strace is missing or cannot attach.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Database } from 'bun:sqlite'
import { startServer, type ProcessTestServer } from '../helpers/server'
import { s3Fetch } from '../helpers/raw-s3'
import { straceUsable } from '../helpers/strace'
import { blobFiles, blobPath, checkBlobsAgree, hex, inspectDb, payload, runSeed, sha256, tmpFiles } from './harness'

const SEED = runSeed()
const MiB = 1024 * 1024

const usable = straceUsable()
const maybe = (name: string, fn: () => Promise<void>) => (usable.ok ? test(name, fn, 300_000) : test.skip(`${name} [skipped: ${(usable as { why: string }).why}]`, fn))

const dir = mkdtempSync(join(tmpdir(), 'cs-r5-'))
const dataDir = join(dir, 'data')
const wal = join(dataDir, 'cloudstorage.db-wal')
let srv: ProcessTestServer
const stored = new Map<string, string>()
const summary: string[] = []
let injections = 0
let falseAcks = 0

beforeAll(async () => {
  if (!usable.ok) return
  console.log(`R5 fault-injection seed=${hex(SEED)}`)
  srv = await startServer({ dataDir })
  expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: 'faults' })).status).toBe(200)
  for (const key of ['before/1', 'before/2']) await put(key, 200)
}, 120_000)

afterAll(async () => {
  if (srv && srv.proc.exitCode === null) await srv.stop('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

async function put(key: string, expectStatus?: number) {
  const body = payload(SEED, 300_000, key)
  const res = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: 'faults', key, body })
  const text = await res.text()
  if (res.status === 200) stored.set(key, sha256(body))
  if (expectStatus !== undefined) expect({ key, status: res.status, text: res.status === expectStatus ? '' : text }).toEqual({ key, status: expectStatus, text: '' })
  return { status: res.status, sha: sha256(body) }
}

/**
 * Attaches strace with an injection rule and resolves once it is in place: strace attaches to
 * the server's threads one by one, so a marker GET is repeated until its openat of a known
 * blob file shows up in the trace. `paths` (-P) narrows tracing, and the injection, to them.
 */
async function inject(syscalls: string, rule: string, paths: string[] = []): Promise<{ stop(): Promise<string> }> {
  const trace = join(dir, `trace-${++injections}`)
  const marker = markerBlob()
  const pathArgs = paths.length ? [...paths, marker].flatMap((p) => ['-P', p]) : []
  const proc = Bun.spawn(['strace', '-f', '-y', '-qq', '-o', trace, ...pathArgs, '-e', `trace=openat,${syscalls}`, '-e', `inject=${rule}`, '-p', String(srv.proc.pid)], { stdout: 'ignore', stderr: 'pipe' })
  let attached = false
  for (let i = 0; i < 400 && !attached; i++) {
    await (await s3Fetch(srv.s3Url, { bucket: 'faults', key: 'before/1' })).arrayBuffer()
    attached = existsSync(trace) && readFileSync(trace, 'utf8').includes(marker)
    if (!attached) await Bun.sleep(50)
  }
  expect(attached).toBe(true)
  return {
    async stop() {
      proc.kill('SIGINT')
      await proc.exited
      return readFileSync(trace, 'utf8')
    },
  }
}

/** The blob file of 'before/1' (GET opens it). */
function markerBlob(): string {
  const db = new Database(join(dataDir, 'cloudstorage.db'), { readonly: true })
  try {
    const id = (db.query("SELECT blob_id AS id FROM object_versions WHERE key = 'before/1'").get() as { id: string }).id
    return blobPath(dataDir, id)
  } finally {
    db.close()
  }
}

async function objectStatus(key: string): Promise<number> {
  return (await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: 'faults', key })).status
}

/** Every referenced blob exists, no file lacks a row, tmp/ is empty — checked on a live server via a read-only DB snapshot. */
function noLeaks() {
  const rows = new Set(inspectDb(dataDir).blobs.map((b) => b.id))
  return { orphans: blobFiles(dataDir).filter((id) => !rows.has(id)), tmp: tmpFiles(dataDir) }
}

maybe('R5 fdatasync(temp blob) = EIO: no ack, temp removed, nothing visible, next PUT works', async () => {
  const s = await inject('fdatasync', 'fdatasync:error=EIO:when=1')
  const r = await put('eio/datasync')
  const trace = await s.stop()
  expect(trace).toMatch(new RegExp(`fdatasync\\(\\d+<${dataDir}/tmp/[0-9a-f.]+>\\) += -1 EIO .*\\(INJECTED\\)`))
  if (r.status < 300) falseAcks++
  expect(r.status).toBeGreaterThanOrEqual(500)
  expect(await objectStatus('eio/datasync')).toBe(404)
  expect(noLeaks()).toEqual({ orphans: [], tmp: [] })
  await put('eio/datasync-after', 200)
  summary.push(`fdatasync EIO → ${r.status}`)
})

maybe('R5 rename(temp → blob) = EIO: no ack, temp removed, nothing visible, next PUT works', async () => {
  const s = await inject('rename,renameat,renameat2', 'rename,renameat,renameat2:error=EIO:when=1')
  const r = await put('eio/rename')
  const trace = await s.stop()
  expect(trace).toMatch(/rename(at2?)?\(.*\/tmp\/.*= -1 EIO .*\(INJECTED\)/)
  if (r.status < 300) falseAcks++
  expect(r.status).toBeGreaterThanOrEqual(500)
  expect(await objectStatus('eio/rename')).toBe(404)
  expect(noLeaks()).toEqual({ orphans: [], tmp: [] })
  await put('eio/rename-after', 200)
  summary.push(`rename EIO → ${r.status}`)
})

maybe('R5 fsync(WAL) = EIO: that write and every later one is refused until restart; reads work; after restart all is well', async () => {
  const s = await inject('fsync,fdatasync', 'fsync,fdatasync:error=EIO:when=1', [wal])
  const failed = await put('eio/wal')
  // The injection is spent (when=1): a retried fsync now "succeeds" — exactly the case where
  // Linux may already have thrown the WAL's dirty pages away.
  const later = await put('eio/wal-later')
  const trace = await s.stop()
  expect(trace).toMatch(/fsync\(\d+<[^>]*cloudstorage\.db-wal>\) += -1 EIO .*\(INJECTED\)/)
  for (const r of [failed, later]) if (r.status < 300) falseAcks++
  expect([failed.status >= 500, later.status >= 500]).toEqual([true, true])
  const stillLater = await put('eio/wal-after-detach')
  if (stillLater.status < 300) falseAcks++
  expect(stillLater.status).toBeGreaterThanOrEqual(500)
  // Reads keep working.
  for (const key of ['before/1', 'before/2']) {
    const res = await s3Fetch(srv.s3Url, { bucket: 'faults', key })
    expect(res.status).toBe(200)
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(stored.get(key)!)
  }

  // A restart clears the condition.
  await srv.stop('SIGKILL')
  srv = await startServer({ dataDir })
  for (const key of ['eio/wal', 'eio/wal-later', 'eio/wal-after-detach']) {
    const res = await s3Fetch(srv.s3Url, { bucket: 'faults', key })
    if (res.status === 200) expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(payload(SEED, 300_000, key))) // all or nothing
    else expect(res.status).toBe(404)
  }
  await put('eio/after-restart', 200)
  for (const [key, sha] of stored) {
    const res = await s3Fetch(srv.s3Url, { bucket: 'faults', key })
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha)
  }
  expect(await srv.stop('SIGTERM')).toBe(0)
  const agree = checkBlobsAgree(dataDir)
  expect({ integrity: agree.snap.integrity, missing: agree.missing, tmp: agree.tmp }).toEqual({ integrity: 'ok', missing: [], tmp: [] })
  summary.push(`WAL fsync EIO → ${failed.status}, then ${later.status} and ${stillLater.status} until restart`)
  console.log(`R5 fault-injection: ${injections} injections (${summary.join('; ')}), ${falseAcks} false acks, 0 leaks, integrity_check ok after restart, seed=${hex(SEED)}`)
})
