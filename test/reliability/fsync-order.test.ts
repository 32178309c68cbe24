/**
 * R4 — fsync-order audit over the real server (research/reliability-anchors.md §1.6 method 5).
 *
 * strace attaches to a running appliance (all threads: fsyncs run on Bun's thread pool) and
 * records one PUT, one UploadPart, one CompleteMultipartUpload and one DELETE, sent one after
 * the other. For each request, between the previous S3 response and its own:
 *   PUT / UploadPart:  fdatasync|fsync(tmp file) < rename(tmp → blobs/xx/id) < fsync(blob dir)
 *                      < write of the COMMIT to the -wal < fsync(-wal) < the 2xx response,
 *                      and no write to the temp file after its sync;
 *   Complete:          if it writes a new blob (joining the parts), the same chain as a PUT;
 *                      otherwise no rename at all; then COMMIT written < fsync(-wal) < response;
 *   DELETE:            COMMIT written < fsync(-wal) < 204, and no blob unlinked inline (GC does
 *                      that after the grace period).
 * The first acknowledged write of the process (CreateBucket) must also come after an fsync of
 * the data dir: SQLite at synchronous=NORMAL syncs a new WAL file's directory only at its
 * first checkpoint.
 * Skipped visibly when strace is missing or cannot attach (ptrace not permitted).
 */
import { afterAll, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, type ProcessTestServer } from '../helpers/server'
import { s3Fetch, xmlTags } from '../helpers/raw-s3'
import { parseTrace, straceUsable, type Call } from '../helpers/strace'
import { hex, md5, payload, runSeed } from './harness'

const SEED = runSeed()
const MiB = 1024 * 1024
const SYSCALLS = 'openat,fsync,fdatasync,rename,renameat,renameat2,unlink,unlinkat,write,pwrite64,writev,pwritev,sendto,sendmsg'


const usable = straceUsable()


const isSync = (c: Call) => (c.name === 'fsync' || c.name === 'fdatasync') && c.ret === '0'
const isWrite = (c: Call) => /^(write|pwrite64|writev|pwritev|sendto|sendmsg)$/.test(c.name)
const fdPath = (c: Call) => /^\d+<([^>]*)>/.exec(c.args)?.[1] ?? ''
const isS3Response = (c: Call) => isWrite(c) && c.args.includes('HTTP/1.1 ') && /x-amz-request-id/i.test(c.args)

let srv: ProcessTestServer | null = null
const dir = mkdtempSync(join(tmpdir(), 'cs-r4-'))
afterAll(async () => {
  if (srv && srv.proc.exitCode === null) await srv.stop('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

/** The steps of one request in trace order; throws with a readable message when one is missing. */
function audit(calls: Call[], from: number, response: Call, dataDir: string, kind: 'blob' | 'commit-only', what: string) {
  const seg = calls.filter((c) => c.start > from && c.end < response.start)
  const wal = `${dataDir}/cloudstorage.db-wal`
  const steps: string[] = []
  let after = from
  if (kind === 'blob') {
    const fileSync = seg.find((c) => isSync(c) && new RegExp(`^${dataDir}/tmp/[0-9a-f]+\\.[0-9a-f]+$`).test(fdPath(c)))
    if (!fileSync) throw new Error(`${what}: no fsync/fdatasync of a temp file before the response`)
    const tmpPath = fdPath(fileSync)
    const id = tmpPath.slice(tmpPath.lastIndexOf('/') + 1).split('.')[0]
    const finalPath = `${dataDir}/blobs/${id.slice(-2)}/${id}`
    const late = seg.find((c) => isWrite(c) && fdPath(c) === tmpPath && c.start > fileSync.start)
    if (late) throw new Error(`${what}: write to ${tmpPath} after its ${fileSync.name}`)
    const rename = seg.find((c) => c.name.startsWith('rename') && c.ret === '0' && c.args.includes(`"${tmpPath}"`) && c.args.includes(`"${finalPath}"`))
    if (!rename || rename.start < fileSync.end) throw new Error(`${what}: rename(${tmpPath} → ${finalPath}) missing or before the ${fileSync.name}`)
    const blobDir = finalPath.slice(0, finalPath.lastIndexOf('/'))
    const dirSync = seg.find((c) => isSync(c) && fdPath(c) === blobDir && c.start > rename.end)
    if (!dirSync) throw new Error(`${what}: no fsync(${blobDir}) after the rename`)
    steps.push(`${fileSync.name}(tmp)`, 'rename', 'fsync(dir)')
    after = dirSync.end
  } else if (seg.some((c) => c.name.startsWith('rename'))) {
    throw new Error(`${what}: renamed a file although it only commits metadata`)
  }
  const commitWrite = seg.find((c) => isWrite(c) && fdPath(c) === wal && c.start > after)
  if (!commitWrite) throw new Error(`${what}: no write to ${wal} (the COMMIT) after the blob was durable`)
  const walSync = seg.find((c) => isSync(c) && fdPath(c) === wal && c.start > commitWrite.end)
  if (!walSync) throw new Error(`${what}: no fsync(${wal}) after the COMMIT and before the response`)
  steps.push('COMMIT→wal', 'fsync(wal)', 'response')
  return { steps, seg }
}

const name = 'R4 fsync order: PUT, UploadPart, Complete and DELETE make their bytes and metadata durable before answering'
const body = async () => {
  const dataDir = join(dir, 'data')
  // A first start makes its bootstrap durable before printing it, which also fsyncs the new WAL's
  // directory (audited in test/foundation/durable-dirs.test.ts). The start traced here is a
  // restart: its WAL is new again and the first acknowledged write below must sync that directory.
  srv = await startServer({ dataDir })
  expect(await srv.stop('SIGTERM')).toBe(0)
  srv = await startServer({ dataDir })
  const s3 = srv.s3Url

  const trace = join(dir, 'trace')
  const strace = Bun.spawn(['strace', '-f', '-y', '-qq', '-s', '2000', '-o', trace, '-e', `trace=${SYSCALLS}`, '-p', String(srv.proc.pid)], { stdout: 'ignore', stderr: 'pipe' })
  const out: Record<string, Response> = {}
  try {
    // strace has attached to every thread once a request's response shows up in the trace.
    let attached = false
    for (let i = 0; i < 400 && !attached; i++) {
      await (await fetch(`${srv.httpUrl}/healthz`)).arrayBuffer()
      attached = existsSync(trace) && /HTTP\/1\.1 200/.test(readFileSync(trace, 'utf8'))
      if (!attached) await Bun.sleep(50)
    }
    expect(attached).toBe(true)

    // The process's first acknowledged write (the WAL file was created at startup).
    expect((await s3Fetch(s3, { method: 'PUT', bucket: 'audit' })).status).toBe(200)

    const obj = payload(SEED, MiB + 3, 'audit', 'object')
    out.put = await s3Fetch(s3, { method: 'PUT', bucket: 'audit', key: 'object', body: obj })
    expect(out.put.status).toBe(200)
    const init = await s3Fetch(s3, { method: 'POST', bucket: 'audit', key: 'mp', query: { uploads: '' } })
    expect(init.status).toBe(200)
    const uploadId = xmlTags(await init.text(), 'UploadId')[0]
    const part = payload(SEED, 5 * MiB, 'audit', 'part')
    out.part = await s3Fetch(s3, { method: 'PUT', bucket: 'audit', key: 'mp', query: { partNumber: '1', uploadId }, body: part })
    expect(out.part.status).toBe(200)
    expect(out.part.headers.get('etag')).toBe(`"${md5(part)}"`)
    const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"${md5(part)}"</ETag></Part></CompleteMultipartUpload>`
    out.complete = await s3Fetch(s3, { method: 'POST', bucket: 'audit', key: 'mp', query: { uploadId }, body: xml })
    expect(out.complete.status).toBe(200)
    expect(await out.complete.text()).toContain('CompleteMultipartUploadResult')
    out.del = await s3Fetch(s3, { method: 'DELETE', bucket: 'audit', key: 'object' })
    expect(out.del.status).toBe(204)
  } finally {
    strace.kill('SIGINT') // detaches; the server keeps running
    await strace.exited
  }
  expect(await srv.stop('SIGTERM')).toBe(0)

  const calls = parseTrace(readFileSync(trace, 'utf8'))
  // S3 responses in order: CreateBucket, PUT, CreateMultipartUpload, UploadPart, Complete, DELETE.
  const responses = calls.filter(isS3Response)
  expect(responses.map((r) => /HTTP\/1\.1 (\d+)/.exec(r.args)![1])).toEqual(['200', '200', '200', '200', '200', '204'])
  const [rBucket, rPut, rInit, rPart, rComplete, rDel] = responses
  // The WAL file is new in this process (created at startup) and SQLite, at synchronous=NORMAL,
  // syncs its directory only at its first checkpoint: the data dir itself must have been fsynced
  // before the first write is acknowledged, or a power cut could lose the whole WAL file.
  const first = audit(calls, -1, rBucket, dataDir, 'commit-only', 'CreateBucket')
  // The fsync that acknowledges the commit (SQLite may sync a new WAL's header before it).
  const walSync = first.seg.findLast((c) => isSync(c) && fdPath(c) === `${dataDir}/cloudstorage.db-wal`)!
  const rootSync = calls.find((c) => isSync(c) && fdPath(c) === dataDir && c.end < rBucket.start)
  if (!rootSync) throw new Error(`CreateBucket: no fsync(${dataDir}) — the new WAL file's directory entry — before the process's first acknowledged write`)
  expect(rootSync.end).toBeLessThan(walSync.end)
  const put = audit(calls, rBucket.end, rPut, dataDir, 'blob', 'PUT')
  const part = audit(calls, rInit.end, rPart, dataDir, 'blob', 'UploadPart')
  // Completion either references the part blobs or joins them into a new blob; a new blob must
  // be as durable as a PUT's before the commit.
  // A completion may answer 200 early and keep the connection alive with whitespace (as AWS
  // does): then its acknowledgement is the result document, not the status line.
  const ackComplete = calls.find((c) => isWrite(c) && c.start >= rComplete.start && c.start < rDel.start && c.args.includes('CompleteMultipartUploadResult'))
  expect(ackComplete).toBeDefined()
  const joins = calls.some((c) => c.start > rPart.end && c.end < ackComplete!.start && c.name.startsWith('rename'))
  const complete = audit(calls, rPart.end, ackComplete!, dataDir, joins ? 'blob' : 'commit-only', 'CompleteMultipartUpload')
  const del = audit(calls, ackComplete!.end, rDel, dataDir, 'commit-only', 'DELETE')
  // DELETE frees nothing inline: its blob stays until GC's grace period has passed.
  expect(del.seg.filter((c) => c.name.startsWith('unlink') && c.args.includes(`${dataDir}/blobs/`)).map((c) => c.args)).toEqual([])

  console.log(`R4 fsync-order: 4/4 paths have correct syscall order, first ack after fsync(data dir) for the new WAL file — PUT: ${put.steps.join(' < ')}; UploadPart: ${part.steps.join(' < ')}; `
    + `Complete: ${complete.steps.join(' < ')}; DELETE: ${del.steps.join(' < ')}, no inline unlink; seed=${hex(SEED)}`)
}

if (usable.ok) test(name, body, 300_000)
else test.skip(`${name} [skipped: ${usable.why}]`, body)
