/**
 * R6 — disk full (research/reliability-anchors.md §1.6 method 7, §3.7 "Disk full", §4.2).
 *
 * The data dir (blobs, tmp/ and the SQLite database together) lives on a 64 MiB loop-mounted
 * ext4 image (real fsync and ENOSPC semantics), or a 64 MiB tmpfs where loop devices are not
 * available. With CLOUDSTORAGE_DISK_RESERVE=4MiB the appliance must:
 *   - refuse further PUTs with 507 InsufficientStorage (S3 XML) before the disk is full,
 *   - never show a partial object (refused keys absent, listing holds only acked objects,
 *     no temp file left behind),
 *   - keep GET, LIST and DELETE working while full,
 *   - accept PUTs again once deleted objects (and their Time Machine history, purged through
 *     DELETE /api/versions) have been collected by the periodic GC pass — no restart,
 *   - leave a database that passes integrity_check.
 * Skipped visibly when this machine does not allow mounting (not root, no loop/tmpfs).
 */
import { afterAll, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, type TestServer } from '../helpers/server'
import { errorOf, s3Fetch, xmlTags } from '../helpers/raw-s3'
import { blobFiles, checkBlobsAgree, eventually, hex, payload, runSeed, sha256, tmpFiles } from './harness'

const MiB = 1024 * 1024
const SEED = runSeed()
const run = (cmd: string[]) => Bun.spawnSync(cmd, { stdout: 'pipe', stderr: 'pipe' })

/** Mounts a 64 MiB file system for the data dir: loop ext4 first, tmpfs second. */
function mountScratch(): { root: string; mnt: string; kind: string } | { reason: string } {
  const root = mkdtempSync(join(tmpdir(), 'cs-r6-'))
  const mnt = join(root, 'mnt')
  mkdirSync(mnt)
  const img = join(root, 'disk.ext4')
  const reasons: string[] = []
  try {
    writeFileSync(img, '')
    const t = run(['truncate', '-s', '64M', img])
    const mk = t.exitCode === 0 ? run(['mkfs.ext4', '-q', '-F', '-m', '0', img]) : t
    const mo = mk.exitCode === 0 ? run(['mount', '-o', 'loop', img, mnt]) : mk
    if (mo.exitCode === 0) return { root, mnt, kind: 'loop ext4' }
    reasons.push(`loop ext4: ${mo.stderr.toString().trim() || `exit ${mo.exitCode}`}`)
  } catch (e) {
    reasons.push(`loop ext4: ${(e as Error).message}`)
  }
  try {
    const mo = run(['mount', '-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt])
    if (mo.exitCode === 0) return { root, mnt, kind: 'tmpfs' }
    reasons.push(`tmpfs: ${mo.stderr.toString().trim() || `exit ${mo.exitCode}`}`)
  } catch (e) {
    reasons.push(`tmpfs: ${(e as Error).message}`)
  }
  rmSync(root, { recursive: true, force: true })
  return { reason: reasons.join('; ') }
}

const scratch = mountScratch()
const mounted = 'mnt' in scratch ? scratch : null
let srv: TestServer | null = null

afterAll(async () => {
  if (srv && srv.proc.exitCode === null) await srv.stop('SIGKILL')
  if (mounted) {
    run(['umount', mounted.mnt])
    rmSync(mounted.root, { recursive: true, force: true })
  }
})

const usedMiB = (path: string) => {
  const s = statfsSync(path)
  return { used: ((s.blocks - s.bavail) * s.bsize) / MiB, total: (s.blocks * s.bsize) / MiB, free: (s.bavail * s.bsize) / MiB }
}

const name = 'R6 disk full: 507 before the disk is full, no partial object, reads/deletes work, space comes back without a restart'
const body = async () => {
  const { mnt, kind } = mounted!
  const dataDir = join(mnt, 'data')
  console.log(`R6 enospc: data dir on a 64 MiB ${kind}, seed=${hex(SEED)}`)
  srv = await startServer({ dataDir, env: { CLOUDSTORAGE_DISK_RESERVE: '4MiB', CLOUDSTORAGE_GC_GRACE_SECONDS: '0' } })
  const s3 = srv.s3Url
  expect((await s3Fetch(s3, { method: 'PUT', bucket: 'full' })).status).toBe(200)

  // Fill with 1 MiB objects until the appliance refuses.
  const acked = new Map<string, string>()
  const refusals: Array<{ key: string; status: number; code: string | null; contentType: string | null }> = []
  let atRefusal: ReturnType<typeof usedMiB> | null = null
  for (let i = 0; refusals.length < 4 && i < 200; i++) {
    const key = `f${String(i).padStart(3, '0')}`
    const data = payload(SEED, MiB, key)
    const res = await s3Fetch(s3, { method: 'PUT', bucket: 'full', key, body: data })
    if (res.status === 200) {
      await res.arrayBuffer()
      acked.set(key, sha256(data))
      expect(refusals).toEqual([]) // once full, it stays full until space is freed
      continue
    }
    const err = await errorOf(res)
    atRefusal ??= usedMiB(mnt)
    refusals.push({ key, status: err.status, code: err.code, contentType: res.headers.get('content-type') })
  }
  expect(acked.size).toBeGreaterThan(20)
  for (const r of refusals) expect(r).toMatchObject({ status: 507, code: 'InsufficientStorage', contentType: expect.stringContaining('xml') })
  // The reserve held: the refusal came while at least part of the reserve was still free.
  expect(atRefusal!.free).toBeGreaterThan(1)

  // A multipart part is refused the same way and leaves nothing behind.
  const init = await s3Fetch(s3, { method: 'POST', bucket: 'full', key: 'mp', query: { uploads: '' } })
  expect(init.status).toBe(200)
  const uploadId = xmlTags(await init.text(), 'UploadId')[0]
  const part = await s3Fetch(s3, { method: 'PUT', bucket: 'full', key: 'mp', query: { partNumber: '1', uploadId }, body: payload(SEED, 5 * MiB, 'mp', 1) })
  expect((await errorOf(part)).status).toBe(507)
  const parts = await s3Fetch(s3, { bucket: 'full', key: 'mp', query: { uploadId } })
  expect(parts.status).toBe(200)
  expect(xmlTags(await parts.text(), 'Part')).toEqual([])
  expect((await s3Fetch(s3, { method: 'DELETE', bucket: 'full', key: 'mp', query: { uploadId } })).status).toBe(204)

  // No partial object: refused keys are absent, the listing is exactly the acked objects, tmp/ is empty.
  for (const r of refusals) expect((await s3Fetch(s3, { method: 'HEAD', bucket: 'full', key: r.key })).status).toBe(404)
  const list = await s3Fetch(s3, { bucket: 'full', query: { 'list-type': '2' } })
  expect(list.status).toBe(200)
  const listXml = await list.text()
  expect(xmlTags(listXml, 'Key').sort()).toEqual([...acked.keys()].sort())
  expect(new Set(xmlTags(listXml, 'Size'))).toEqual(new Set([String(MiB)]))
  expect(tmpFiles(dataDir)).toEqual([])

  // Reads work while full, byte-exact.
  for (const key of [...acked.keys()].filter((_, i) => i % 5 === 0)) {
    const res = await s3Fetch(s3, { bucket: 'full', key })
    expect(res.status).toBe(200)
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(acked.get(key)!)
  }

  // DELETE works while full.
  const victims = [...acked.keys()].slice(0, 10)
  for (const key of victims) {
    expect((await s3Fetch(s3, { method: 'DELETE', bucket: 'full', key })).status).toBe(204)
    acked.delete(key)
    expect((await s3Fetch(s3, { method: 'HEAD', bucket: 'full', key })).status).toBe(404)
  }
  // Time Machine keeps deleted content as history: purge it so the blobs become garbage.
  const blobsBefore = blobFiles(dataDir).length
  for (const key of victims) {
    const res = await fetch(`${srv.httpUrl}/api/versions?bucket=full&key=${encodeURIComponent(key)}`, { method: 'DELETE', headers: { 'X-API-Key': `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}` } })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
  }

  // The periodic GC pass (every 60 s, grace 0 here) unlinks them while the server keeps running.
  await eventually('GC to unlink the purged blobs', () => blobFiles(dataDir).length <= blobsBefore - victims.length, 150_000)
  const afterGc = usedMiB(mnt)

  // Space is back: new PUTs succeed, without a restart.
  for (let i = 0; i < 4; i++) {
    const key = `again${i}`
    const data = payload(SEED, MiB, key)
    const res = await s3Fetch(s3, { method: 'PUT', bucket: 'full', key, body: data })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    acked.set(key, sha256(data))
    const back = await s3Fetch(s3, { bucket: 'full', key })
    expect(sha256(new Uint8Array(await back.arrayBuffer()))).toBe(acked.get(key)!)
  }

  expect(await srv.stop('SIGTERM')).toBe(0)
  const agree = checkBlobsAgree(dataDir)
  expect(agree.snap.integrity).toBe('ok')
  expect(agree.orphans).toEqual([])
  expect(agree.missing).toEqual([])
  expect(agree.tmp).toEqual([])
  const scrub = await srv.admin('scrub', '--json')
  expect(scrub.code).toBe(0)

  console.log(`R6 enospc: refused at ${atRefusal!.used.toFixed(1)}/${atRefusal!.total.toFixed(1)} MiB used (reserve 4 MiB, ${kind}), `
    + `${acked.size + victims.length - 4} x 1 MiB stored before the first refusal, ${refusals.length}/${refusals.length} refusals 507 InsufficientStorage, 0 partial objects, `
    + `delete-while-full OK, PUT OK again after GC freed ${(atRefusal!.used - afterGc.used).toFixed(1)} MiB without restart, integrity_check ${agree.snap.integrity}`)
}

if (mounted) test(name, body, 300_000)
else test.skip(`${name} [skipped: cannot mount a scratch file system here: ${(scratch as { reason: string }).reason}]`, body)
