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
 *     DELETE /api/versions) have been collected by a pass of the periodic GC — no restart,
 *   - leave a database that passes integrity_check.
 * Skipped visibly when this machine does not allow mounting (not root, no loop/tmpfs).
 */
import { afterAll, expect, test } from 'bun:test'
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { Database } from 'bun:sqlite'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startInProcess, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, type InProcessTestServer } from '../helpers/server'
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
let srv: InProcessTestServer | null = null

afterAll(async () => {
  await srv?.stop()
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
  srv = await startInProcess({ dataDir, env: { CLOUDSTORAGE_DISK_RESERVE: '4MiB', CLOUDSTORAGE_GC_GRACE_SECONDS: '0' } })
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

  // A pass of the periodic jobs (GC every 60 s, grace 0 here) unlinks them while the appliance
  // keeps running; the test runs that pass now instead of waiting for the timer.
  await srv.runBackgroundJobs()
  expect(blobFiles(dataDir).length).toBeLessThanOrEqual(blobsBefore - victims.length)
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

/*
 * Issue 9 — 0 bytes free. Something other than the appliance fills the disk to the last byte
 * (a filler file written until ENOSPC, after the WAL was checkpointed to nothing so that any
 * commit needs new space). Before, every delete then failed with 507 (SQLITE_FULL: the WAL could
 * not grow), so space could not be freed through the API. Now each kind of delete commits into
 * the metadata reserve (<data>/space.reserve), uploads are refused while it is used up, and it
 * comes back as soon as there is room. Each delete kind is run at 0 bytes free with the reserve
 * in place (the filler is removed and the reserve restored between them); at the end, deletes
 * through S3 and REST at 0 bytes free, a purge and a GC pass free enough for writes to work again
 * without touching the filler.
 */
const scratch2 = mounted ? mountScratch() : null
const mounted2 = scratch2 && 'mnt' in scratch2 ? scratch2 : null
let srv2: InProcessTestServer | null = null
afterAll(async () => {
  await srv2?.stop()
  if (mounted2) {
    run(['umount', mounted2.mnt])
    rmSync(mounted2.root, { recursive: true, force: true })
  }
})

const name2 = 'R6b 0 bytes free: DeleteObject(s), REST delete, version delete and purge, AbortMultipartUpload and DeleteBucket commit; uploads resume once space is back'
const body2 = async () => {
  const { mnt, kind } = mounted2!
  const dataDir = join(mnt, 'data')
  const filler = join(mnt, 'filler')
  const reserveFile = join(dataDir, 'space.reserve')
  srv2 = await startInProcess({ dataDir, env: { CLOUDSTORAGE_DISK_RESERVE: '4MiB', CLOUDSTORAGE_GC_GRACE_SECONDS: '0' } })
  const s3 = srv2.s3Url
  const key = { 'X-API-Key': `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}` }
  const http = (method: string, path: string) => fetch(`${srv2!.httpUrl}${path}`, { method, headers: key })
  expect(statSync(reserveFile).size).toBe(4 * MiB)

  /** Checkpoints the WAL down to 0 bytes (so the next commit needs new blocks), then fills the disk to the last byte. */
  const fill = async () => {
    const db = new Database(join(dataDir, 'cloudstorage.db'))
    try {
      await eventually('a WAL checkpoint to truncate the WAL', () => (db.query('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy: number }).busy === 0, 30_000)
    } finally {
      db.close()
    }
    const fd = openSync(filler, 'a')
    try {
      // Blocks freed by the previous round come back only when ext4's journal commits: fill,
      // commit (sync -f), and fill again until a round after a commit finds no room at all, or a
      // late commit would hand the next transaction space and the reserve would not be needed.
      for (let written = 1; written > 0;) {
        written = 0
        for (const size of [MiB, 64 * 1024, 4096, 512, 1]) {
          const buf = Buffer.alloc(size, 0x5a)
          try { for (;;) written += writeSync(fd, buf) } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e }
        }
        try { fsyncSync(fd) } catch { /* the data is what takes the space */ }
        expect(Bun.spawnSync(['sync', '-f', filler]).exitCode).toBe(0)
      }
    } finally {
      closeSync(fd)
    }
    expect(statfsSync(mnt).bavail).toBe(0)
  }
  /** Frees the filler and puts the reserve back (the first upload after space returns restores it). */
  const unfillAndRestore = async (n: number) => {
    rmSync(filler, { force: true })
    const res = await s3Fetch(s3, { method: 'PUT', bucket: 'full', key: `restore-${n}`, body: 'r' })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    expect(statSync(reserveFile).size).toBe(4 * MiB)
  }
  const status = async (res: Response) => { await res.arrayBuffer(); return res.status }

  // Setup with room to spare: objects, a second version of one, a REST file, an upload in progress, a second bucket.
  expect(await status(await s3Fetch(s3, { method: 'PUT', bucket: 'full' }))).toBe(200)
  for (let i = 0; i < 16; i++) expect(await status(await s3Fetch(s3, { method: 'PUT', bucket: 'full', key: `k${i}`, body: payload(SEED, MiB, 'k', i) }))).toBe(200)
  expect(await status(await s3Fetch(s3, { method: 'PUT', bucket: 'full', key: 'k3', body: 'second version' }))).toBe(200)
  const restFile = await (await fetch(`${srv2.httpUrl}/api/v1/files?bucket=full&key=rest.txt`, { method: 'POST', headers: key, body: 'via REST' })).json() as { id: string }
  const init = await s3Fetch(s3, { method: 'POST', bucket: 'full', key: 'mp', query: { uploads: '' } })
  const uploadId = xmlTags(await init.text(), 'UploadId')[0]
  expect(await status(await s3Fetch(s3, { method: 'PUT', bucket: 'full', key: 'mp', query: { partNumber: '1', uploadId }, body: 'part' }))).toBe(200)
  expect(await status(await s3Fetch(s3, { method: 'PUT', bucket: 'gone' }))).toBe(200)
  const history = await (await http('GET', '/api/versions?bucket=full&key=k3')).json() as { versions: Array<{ versionId: string; isCurrent: boolean }> }
  const oldK3 = history.versions.find((v) => !v.isCurrent)!.versionId

  const multiDoc = '<Delete><Object><Key>k1</Key></Object><Object><Key>k2</Key></Object></Delete>'
  const steps: Array<[string, () => Promise<Response>, number]> = [
    ['DeleteObject', () => s3Fetch(s3, { method: 'DELETE', bucket: 'full', key: 'k0' }), 204],
    ['DeleteObjects', () => s3Fetch(s3, { method: 'POST', bucket: 'full', query: { delete: '' }, body: multiDoc, headers: { 'content-md5': createHash('md5').update(multiDoc).digest('base64') } }), 200],
    ['REST DELETE /api/v1/files/{id}', () => http('DELETE', `/api/v1/files/${restFile.id}`), 200],
    ['DELETE /api/versions/{versionId}', () => http('DELETE', `/api/versions/${oldK3}`), 200],
    ['DELETE /api/versions (purge)', () => http('DELETE', '/api/versions?bucket=full&key=k0'), 200],
    ['AbortMultipartUpload', () => s3Fetch(s3, { method: 'DELETE', bucket: 'full', key: 'mp', query: { uploadId } }), 204],
    ['DeleteBucket', () => s3Fetch(s3, { method: 'DELETE', bucket: 'gone' }), 204],
  ]
  for (const [i, [what, op, want]] of steps.entries()) {
    await fill()
    const res = await op()
    const text = await res.text()
    expect({ what, status: res.status, body: res.status === want ? '' : text }).toEqual({ what, status: want, body: '' })
    if (what === 'DeleteObjects') expect(xmlTags(text, 'Deleted').length).toBe(2)
    // The reserve went to that delete; until it is back, uploads are refused.
    expect(existsSync(reserveFile)).toBe(false)
    const refused = await s3Fetch(s3, { method: 'PUT', bucket: 'full', key: `refused-${i}`, body: 'x' })
    expect((await errorOf(refused)).code).toBe('InsufficientStorage')
    await unfillAndRestore(i)
  }
  expect(await status(await s3Fetch(s3, { method: 'HEAD', bucket: 'full', key: 'k1' }))).toBe(404)
  expect(await status(await s3Fetch(s3, { method: 'HEAD', bucket: 'gone' }))).toBe(404)

  // Space comes back through the API alone: at 0 bytes free, delete 12 MiB through S3 and REST
  // and purge their history; the GC pass unlinks the blobs and uploads work again, filler and all.
  await fill()
  const victims = ['k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'k10', 'k11', 'k12', 'k13', 'k14', 'k15']
  for (const [i, k] of victims.entries()) {
    if (i % 2 === 0) expect(await status(await s3Fetch(s3, { method: 'DELETE', bucket: 'full', key: k }))).toBe(204)
    else {
      const f = await (await http('GET', `/api/v1/files?bucket=full&prefix=${k}`)).json() as { files: Array<{ id: string; key: string }> }
      expect(await status(await http('DELETE', `/api/v1/files/${f.files.find((x) => x.key === k)!.id}`))).toBe(200)
    }
  }
  expect(await status(await http('DELETE', '/api/versions?bucket=full'))).toBe(200)
  await srv2.runBackgroundJobs()
  expect(statfsSync(mnt).bavail * statfsSync(mnt).bsize).toBeGreaterThanOrEqual(9 * MiB)
  const again = await s3Fetch(s3, { method: 'PUT', bucket: 'full', key: 'again', body: payload(SEED, MiB, 'again') })
  expect(again.status).toBe(200)
  await again.arrayBuffer()
  expect(statSync(reserveFile).size).toBe(4 * MiB)

  expect(await srv2.stop('SIGTERM')).toBe(0)
  const agree = checkBlobsAgree(dataDir)
  expect(agree.snap.integrity).toBe('ok')
  expect(agree.orphans).toEqual([])
  expect(agree.missing).toEqual([])
  console.log(`R6b enospc (${kind}): ${steps.length} delete kinds committed at 0 bytes free through the metadata reserve, uploads refused while it was used, PUT OK after deletes + purge + GC freed space with the disk still filled`)
}

if (mounted2) test(name2, body2, 400_000)
else test.skip(`${name2} [skipped: cannot mount a scratch file system here]`, body2)
