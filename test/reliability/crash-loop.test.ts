/**
 * R1 — kill -9 crash loop (research/reliability-anchors.md §1.6 method 1, §4.1, §4.2).
 *
 * Four concurrent clients run a seeded mix of PUT (0 B, 1 B, 4095/4096/4097 B, 64 KiB, ~1 MiB,
 * odd sizes), overwrites, multipart uploads (5 MiB parts), DELETE and read-after-write GETs.
 * Each client owns its keys, so the operations on one key are sequential and the expected
 * state is exact: the last acknowledged operation, or the single operation that was in flight
 * when the server died (its outcome is unknown, both are allowed). The ack journal is in the
 * harness's memory and records an operation only after its 2xx.
 *
 * The server is SIGKILLed at a random moment, restarted on the same data dir, and checked:
 *   I1 no acked write lost, acked deletes stay deleted (checked after every restart and online)
 *   I2 every read's bytes are exactly one attempted payload for that key (no torn/mixed content)
 *   I3 after recovery and the first GC pass: no orphan blob file, every live row has its file
 *      (`admin scrub --json`: 0 corrupt, 0 missing), tmp/ is empty
 *   I4 an operation in flight at the crash is all or nothing (part of the I1/I2 check)
 *   I5 an interrupted multipart upload lists exactly its intact parts, acked ones with their ETags
 *   I6 PRAGMA integrity_check = ok, foreign_key_check empty
 *   I7 usage counters never drift (startup recovery report and `admin usage --json`)
 *
 * Every 4th restart is first interrupted by another SIGKILL during startup (recovery must be
 * crash-safe itself).
 *
 * RELIABILITY_SEED=0x… replays the same workload choices; RELIABILITY_CRASHES=N sets the size.
 */
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  DeleteObjectCommand, GetObjectCommand, ListPartsCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3'
import { cliCommand, ROOT, ROOT_ACCESS_KEY, ROOT_EMAIL, ROOT_PASSWORD, ROOT_SECRET_KEY, startServer, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import {
  checkBlobsAgree, derive, headOf, hex, md5, payload, percentile, prng, recoveryReport, runSeed, sha256, waitForOutput,
} from './harness'

const SEED = runSeed()
const CRASHES = Number(process.env.RELIABILITY_CRASHES ?? 20)
const CLIENTS = 4
const KEYS_PER_CLIENT = 6
const BUCKET = 'crash'
const MiB = 1024 * 1024
const PART = 5 * MiB
/**
 * Blobs die often (Time Machine keeps one older version per key) and GC unlinks them at once,
 * so crashes also land inside GC passes. Safe here: no read of a key overlaps a write to it.
 */
const SERVER_ENV = { CLOUDSTORAGE_RETENTION_MAX_VERSIONS: '2', CLOUDSTORAGE_GC_GRACE_SECONDS: '0' }

type State = { exists: false } | { exists: true; sha: string; attempt: number }
const show = (s: State) => (s.exists ? `attempt ${s.attempt} (${s.sha.slice(0, 12)})` : 'absent')
const same = (a: State, b: State) => a.exists === b.exists && (!a.exists || (b.exists && a.sha === b.sha))

interface Upload {
  uploadId: string
  complete: State & { exists: true }
  /** Every part sent (its expected ETag); acked ones are confirmed. */
  sent: Map<number, { etag: string; size: number }>
  acked: Map<number, { etag: string; size: number }>
}

interface KeyState {
  key: string
  attempts: number
  /** sha256 → attempt, for every payload ever sent for this key (I2). */
  attempted: Map<string, number>
  /** What the last acknowledged operation left (I1). */
  acked: State
  /** Outcomes of operations whose result is unknown (in flight at a crash). */
  uncertain: State[]
  upload: Upload | null
}

const stats = { ackedOps: 0, reads: 0, lost: 0, torn: 0, i5: 0, unexpected: 0, uncertainOps: 0, tempRemoved: 0, orphansSwept: 0, deadUnlinked: 0, startupCrashes: 0, drift: 0 }
const violations: string[] = []
const recoveryMs: number[] = []
let dataDir = ''

function violate(kind: 'lost' | 'torn' | 'i5' | 'unexpected' | 'drift', msg: string) {
  stats[kind]++
  if (violations.length < 50) violations.push(`${kind}: ${msg}`)
}

const statusOf = (e: any): number | undefined => e?.$metadata?.httpStatusCode

async function readKey(s3: S3Client, key: string): Promise<{ state: State; body?: Uint8Array }> {
  try {
    const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
    const body = await r.Body!.transformToByteArray()
    return { state: { exists: true, sha: sha256(body), attempt: -1 }, body }
  } catch (e) {
    if ((e as any)?.name === 'NoSuchKey') return { state: { exists: false } }
    throw e
  }
}

/** I1/I2/I4: what a read shows must be the acked state or an in-flight outcome, byte-exact. */
function judge(ks: KeyState, seen: State, body: Uint8Array | undefined, when: string) {
  stats.reads++
  const allowed = [ks.acked, ...ks.uncertain]
  const hit = allowed.find((a) => same(a, seen))
  if (hit) {
    ks.acked = hit
    ks.uncertain = []
    return
  }
  if (seen.exists && !ks.attempted.has(seen.sha)) {
    violate('torn', `${when}: ${ks.key} holds bytes no attempt wrote (${body!.length} B starting ${headOf(body!)}); expected ${allowed.map(show).join(' or ')}`)
  } else {
    const got = seen.exists ? `attempt ${ks.attempted.get(seen.sha)}` : 'absent'
    violate('lost', `${when}: ${ks.key} is ${got}; expected ${allowed.map(show).join(' or ')}`)
  }
  // Carry on from what is there, so one violation is not reported again on every later read.
  ks.acked = seen.exists ? { exists: true, sha: seen.sha, attempt: ks.attempted.get(seen.sha) ?? -1 } : seen
  ks.uncertain = []
}

const SIZES: Array<(r: ReturnType<typeof prng>) => number> = [
  () => 0, () => 1, () => 4095, () => 4096, () => 4097, () => 65536,
  (r) => MiB + r.int(4097), (r) => r.range(2, 300_000), (r) => r.range(2, 300_000),
]

interface Cycle { n: number; running: boolean; killing: boolean; s3: S3Client }

async function clientLoop(c: number, keys: KeyState[], cycle: Cycle) {
  const r = prng(derive(SEED, 'client', c, cycle.n))
  const s3 = cycle.s3
  /** Runs a write; acked → journal; failed during the kill → its outcome is unknown. */
  async function write(ks: KeyState, outcome: State | null, send: () => Promise<unknown>, what: string): Promise<boolean> {
    try {
      await send()
      stats.ackedOps++
      if (outcome) {
        ks.acked = outcome
        ks.uncertain = []
      }
      return true
    } catch (e) {
      if (outcome) ks.uncertain.push(outcome)
      stats.uncertainOps++
      if (!cycle.killing) violate('unexpected', `${what} ${ks.key} failed while the server was up: ${statusOf(e) ?? ''} ${(e as Error).name}: ${(e as Error).message}`)
      return false
    }
  }

  while (cycle.running) {
    const ks = r.pick(keys)
    const roll = r.next()
    if (roll < 0.25) {
      // Read-after-write: no operation on this key is in flight, so it must show the acked state.
      let seen: Awaited<ReturnType<typeof readKey>>
      try {
        seen = await readKey(s3, ks.key)
      } catch (e) {
        if (!cycle.killing) violate('unexpected', `GET ${ks.key}: ${statusOf(e) ?? ''} ${(e as Error).name}: ${(e as Error).message}`)
        continue
      }
      judge(ks, seen.state, seen.body, `online GET (cycle ${cycle.n})`)
    } else if (roll < 0.40) {
      await write(ks, { exists: false }, () => s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: ks.key })), 'DELETE')
    } else if (roll < 0.50 && !ks.upload) {
      await multipart(ks, r, write)
    } else {
      const attempt = ++ks.attempts
      const size = r.pick(SIZES)(r)
      const body = payload(SEED, size, ks.key, attempt)
      const sha = sha256(body)
      ks.attempted.set(sha, attempt)
      await write(ks, { exists: true, sha, attempt }, () => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: ks.key, Body: body })), `PUT ${size} B`)
    }
  }

  async function multipart(ks: KeyState, r: ReturnType<typeof prng>, write: (ks: KeyState, o: State | null, send: () => Promise<unknown>, what: string) => Promise<boolean>) {
    const attempt = ++ks.attempts
    let uploadId: string | undefined
    const created = await write(ks, null, async () => {
      uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: ks.key }))).UploadId
    }, 'CreateMultipartUpload')
    if (!created || !uploadId) return
    const count = r.range(2, 3)
    const hasher = new Bun.CryptoHasher('sha256')
    const up: Upload = { uploadId, complete: { exists: true, sha: '', attempt }, sent: new Map(), acked: new Map() }
    ks.upload = up
    const parts: Array<{ PartNumber: number; ETag: string }> = []
    for (let p = 1; p <= count; p++) {
      const size = p < count ? PART : r.range(1, 200_000)
      const body = payload(SEED, size, ks.key, attempt, 'part', p)
      hasher.update(body)
      const etag = `"${md5(body)}"`
      up.sent.set(p, { etag, size })
      let got: string | undefined
      const ok = await write(ks, null, async () => {
        got = (await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: ks.key, UploadId: uploadId, PartNumber: p, Body: body }))).ETag
      }, `UploadPart ${p}`)
      if (!ok) return
      if (got !== etag) violate('i5', `UploadPart ${p} of ${ks.key} answered ETag ${got}, expected ${etag}`)
      up.acked.set(p, { etag, size })
      parts.push({ PartNumber: p, ETag: etag })
    }
    up.complete = { exists: true, sha: hasher.digest('hex'), attempt }
    ks.attempted.set(up.complete.sha, attempt)
    const done = await write(ks, up.complete, () => s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: ks.key, UploadId: uploadId, MultipartUpload: { Parts: parts } })), 'CompleteMultipartUpload')
    if (done) ks.upload = null
  }
}

/** After a restart: every key (I1, I2, I4) and every interrupted multipart upload (I5). */
async function verifyAll(s3: S3Client, keys: KeyState[], when: string) {
  await Promise.all(Array.from({ length: 4 }, async (_, w) => {
    for (let i = w; i < keys.length; i += 4) {
      const ks = keys[i]
      const seen = await readKey(s3, ks.key)
      const up = ks.upload
      if (up) {
        let listed: Array<{ PartNumber?: number; ETag?: string; Size?: number }> | null = null
        try {
          listed = (await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: ks.key, UploadId: up.uploadId }))).Parts ?? []
        } catch (e) {
          if ((e as any)?.name !== 'NoSuchUpload') throw e
        }
        if (listed === null) {
          // Completion removes the upload in the same transaction that makes the object.
          if (!up.complete.sha || !same(seen.state, up.complete)) violate('i5', `${when}: upload ${up.uploadId} of ${ks.key} vanished but the object is ${show(seen.state)}`)
        } else {
          if (up.complete.sha && same(seen.state, up.complete)) violate('i5', `${when}: ${ks.key} shows the completed object while upload ${up.uploadId} still exists`)
          for (const [p, a] of up.acked) {
            const l = listed.find((x) => x.PartNumber === p)
            if (!l || l.ETag !== a.etag || l.Size !== a.size) violate('i5', `${when}: acked part ${p} of ${ks.key} listed as ${JSON.stringify(l)}, expected ${a.etag} ${a.size} B`)
          }
          for (const l of listed) {
            const s = up.sent.get(l.PartNumber!)
            if (!s || s.etag !== l.ETag || s.size !== l.Size) violate('i5', `${when}: ${ks.key} lists part ${l.PartNumber} ${l.ETag} ${l.Size} B that was never sent intact`)
          }
          await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: ks.key, UploadId: up.uploadId }))
          stats.ackedOps++
        }
        ks.upload = null
      }
      judge(ks, seen.state, seen.body, when)
    }
  }))
}

afterAll(() => {
  if (dataDir && violations.length === 0) rmSync(dataDir, { recursive: true, force: true })
  else if (dataDir) console.log(`R1 data dir kept for inspection: ${dataDir}`)
})

test(`R1 kill -9 crash loop (${CRASHES} crashes, ${CLIENTS} clients, seed ${hex(SEED)})`, async () => {
  console.log(`R1 crash-loop seed=${hex(SEED)} crashes=${CRASHES} (replay: RELIABILITY_SEED=${hex(SEED)})`)
  dataDir = mkdtempSync(join(tmpdir(), 'cs-r1-'))
  const rnd = prng(derive(SEED, 'kills'))
  const keys: KeyState[][] = Array.from({ length: CLIENTS }, (_, c) => Array.from({ length: KEYS_PER_CLIENT }, (_, k) => ({
    key: `c${c}/k${k}${k % 3 === 0 ? '/deep/er' : ''}`, attempts: 0, attempted: new Map(), acked: { exists: false } as State, uncertain: [], upload: null,
  })))
  const all = keys.flat()

  const start = async () => {
    const t0 = performance.now()
    const srv = await startServer({ dataDir, env: SERVER_ENV })
    recoveryMs.push(performance.now() - t0)
    const rep = recoveryReport(srv)
    if (rep) {
      stats.tempRemoved += rep.tempFilesRemoved
      if (rep.usageCorrected.length) violate('drift', `usage counters drifted across a crash (repaired at start): ${rep.usageCorrected.join(', ')}`)
    }
    return srv
  }
  const sweptBy = (srv: TestServer) => [...srv.output().matchAll(/ gc .*orphanFiles=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0)
  const deadBy = (srv: TestServer) => [...srv.output().matchAll(/ gc .*deadBlobs=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0)

  /** Kills a fresh server process somewhere in its startup (module load, DB open, recovery, listen). */
  const crashDuringStartup = async (delayMs: number) => {
    const p = Bun.spawn([...cliCommand(), 'serve', '--data', dataDir, '--host', '127.0.0.1', '--s3-port', '0', '--port', '0'], {
      env: {
        ...(process.env as Record<string, string>), ...SERVER_ENV, CLOUDSTORAGE_ROOT_EMAIL: ROOT_EMAIL, CLOUDSTORAGE_ROOT_PASSWORD: ROOT_PASSWORD,
        CLOUDSTORAGE_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY, CLOUDSTORAGE_ROOT_SECRET_KEY: ROOT_SECRET_KEY, CLOUDSTORAGE_RATE_LIMITS: 'off', CLOUDSTORAGE_DISK_RESERVE: '0',
      },
      stdout: 'ignore', stderr: 'ignore', cwd: ROOT,
    })
    await Bun.sleep(delayMs)
    p.kill('SIGKILL')
    await p.exited
    stats.startupCrashes++
  }

  let srv = await start()
  let s3 = s3Client(srv.s3Url, undefined, { maxAttempts: 1 })
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }))

  for (let n = 1; n <= CRASHES; n++) {
    const cycle: Cycle = { n, running: true, killing: false, s3 }
    const clients = keys.map((ks, c) => clientLoop(c, ks, cycle))
    await Bun.sleep(rnd.range(200, 2500))
    cycle.killing = true
    await srv.stop('SIGKILL')
    cycle.running = false
    await Promise.all(clients)
    stats.orphansSwept += sweptBy(srv)
    stats.deadUnlinked += deadBy(srv)
    s3.destroy()
    if (n % 4 === 0) await crashDuringStartup(rnd.range(200, 2000))
    srv = await start()
    s3 = s3Client(srv.s3Url, undefined, { maxAttempts: 1 })
    await verifyAll(s3, all, `after crash ${n}`)
  }

  // I3: recovery has run; wait for the first GC pass (orphan sweep), then stop cleanly.
  await waitForOutput(srv, /gc startup sweep finished/)
  stats.orphansSwept += sweptBy(srv)
  stats.deadUnlinked += deadBy(srv)
  await verifyAll(s3, all, 'final')
  s3.destroy()
  expect(await srv.stop('SIGTERM')).toBe(0)

  const agree = checkBlobsAgree(dataDir)
  const scrub = await srv.admin('scrub', '--json')
  const usage = await srv.admin('usage', '--json')
  const scrubDoc = JSON.parse(scrub.stdout)
  const usageDoc = JSON.parse(usage.stdout)
  const drifted = usageDoc.accounts.filter((a: any) => a.drift)

  console.log(`R1 crash-loop: ${CRASHES} crashes (+${stats.startupCrashes} during startup), ${stats.ackedOps} acked ops, ${stats.reads} reads checked, ${stats.lost} lost, ${stats.torn} torn, `
    + `${stats.i5} multipart violations, ${agree.orphans.length} orphans after sweep (${stats.orphansSwept} swept, ${stats.tempRemoved} temp files removed, ${stats.deadUnlinked} dead blobs unlinked by GC), `
    + `${agree.missing.length + scrubDoc.missing.length} missing, ${scrubDoc.corrupt.length} corrupt, integrity_check ${agree.snap.integrity}, `
    + `usage drift ${stats.drift + drifted.length}, recovery p50=${Math.round(percentile(recoveryMs, 50))} ms p95=${Math.round(percentile(recoveryMs, 95))} ms max=${Math.round(Math.max(...recoveryMs))} ms `
    + `(process start to ready), seed=${hex(SEED)}`)
  if (violations.length) console.log(violations.join('\n'))

  expect(violations).toEqual([])
  expect(agree.orphans).toEqual([])
  expect(agree.missing).toEqual([])
  expect(agree.wrongSize).toEqual([])
  expect(agree.tmp).toEqual([])
  expect(agree.snap.integrity).toBe('ok')
  expect(agree.snap.foreignKeyViolations).toBe(0)
  expect({ code: scrub.code, checked: scrubDoc.checked > 0, corrupt: scrubDoc.corrupt, missing: scrubDoc.missing }).toEqual({ code: 0, checked: true, corrupt: [], missing: [] })
  expect(usage.code).toBe(0)
  expect(drifted).toEqual([])
}, 900_000)
