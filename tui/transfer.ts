/**
 * Uploads and downloads through presigned URLs from POST /api/presign: the bytes go straight to
 * the S3 port, streamed in both directions (memory does not grow with the file), large uploads in
 * parts (multipart upload, a few at a time). Progress is reported as bytes done.
 */
import { open, rename, rm, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import type { ApiClient } from './client'
import type { TransferRequest } from './state/transfer'

/** Files above this go up in parts; below it, one PUT. */
export const MULTIPART_THRESHOLD = 64 * 2 ** 20
/** Each presigned part costs an API call (30 a minute for remote users): parts are large. */
export const PART_SIZE = 64 * 2 ** 20
const MAX_PARTS = 10_000
const PARALLEL_PARTS = 3
/** Progress reports at most this often. */
const REPORT_MS = 100

export type Report = (done: number, total: number | null) => void

/** `~/x` and relative paths, as a shell would read them. */
export function expandPath(p: string): string {
  const t = p.trim()
  if (t === '~') return homedir()
  if (t.startsWith('~/')) return join(homedir(), t.slice(2))
  return resolve(t)
}

/** Counts the bytes a stream passes on, reporting throttled. */
function counted(stream: ReadableStream<Uint8Array>, onBytes: (n: number) => void): ReadableStream<Uint8Array> {
  return stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      ctl.enqueue(chunk)
      onBytes(chunk.length)
    },
  }))
}

function throttled(report: Report, total: number | null) {
  let done = 0
  let last = 0
  return {
    add(n: number) {
      done += n
      const now = Date.now()
      if (now - last >= REPORT_MS) { last = now; report(done, total) }
    },
    flush() { report(done, total) },
    get done() { return done },
  }
}

async function s3Error(res: Response, what: string): Promise<Error> {
  const body = await res.text().catch(() => '')
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1]
  const message = /<Message>([^<]+)<\/Message>/.exec(body)?.[1]
  return new Error(`${what}: ${res.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`)
}

async function uploadSingle(client: ApiClient, r: TransferRequest, path: string, size: number, type: string, signal: AbortSignal, report: Report) {
  const p = await client.presign({ bucket: r.bucket, key: r.key, operation: 'PutObject', contentType: type })
  const progress = throttled(report, size)
  const body = counted(Bun.file(path).stream(), (n) => progress.add(n))
  const res = await fetch(p.url, { method: 'PUT', headers: { ...p.headers, 'content-length': String(size) }, body, signal })
  if (!res.ok) throw await s3Error(res, 'upload refused')
  progress.flush()
}

async function uploadParts(client: ApiClient, r: TransferRequest, path: string, size: number, type: string, signal: AbortSignal, report: Report) {
  const partSize = Math.max(PART_SIZE, Math.ceil(size / MAX_PARTS))
  const count = Math.ceil(size / partSize)
  const create = await client.presign({ bucket: r.bucket, key: r.key, operation: 'CreateMultipartUpload', contentType: type })
  const created = await fetch(create.url, { method: 'POST', headers: create.headers, signal })
  if (!created.ok) throw await s3Error(created, 'upload refused')
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await created.text())?.[1]
  if (!uploadId) throw new Error('the S3 port answered CreateMultipartUpload without an UploadId')
  const progress = throttled(report, size)
  const etags: string[] = new Array(count)
  let next = 0
  const file = Bun.file(path)
  async function worker() {
    while (next < count && !signal.aborted) {
      const i = next++
      const start = i * partSize
      const end = Math.min(size, start + partSize)
      const p = await client.presign({ bucket: r.bucket, key: r.key, operation: 'UploadPart', uploadId, partNumber: i + 1 })
      const body = counted(file.slice(start, end).stream(), (n) => progress.add(n))
      const res = await fetch(p.url, { method: 'PUT', headers: { 'content-length': String(end - start) }, body, signal })
      if (!res.ok) throw await s3Error(res, `part ${i + 1} refused`)
      etags[i] = res.headers.get('etag') ?? ''
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, count) }, worker))
    signal.throwIfAborted()
    const done = await client.presign({ bucket: r.bucket, key: r.key, operation: 'CompleteMultipartUpload', uploadId })
    const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`
    const res = await fetch(done.url, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml, signal })
    const text = await res.text()
    // CompleteMultipartUpload can fail inside a 200 (S3 sends the error once the parts are read).
    if (!res.ok || text.includes('<Error>')) throw await s3Error(new Response(text, { status: res.ok ? 500 : res.status }), 'completing the upload failed')
    progress.flush()
  } catch (e) {
    // The parts sent so far would hold quota until the stale-upload GC: give them back now.
    const abort = await client.presign({ bucket: r.bucket, key: r.key, operation: 'AbortMultipartUpload', uploadId }).catch(() => null)
    if (abort) await fetch(abort.url, { method: 'DELETE' }).catch(() => {})
    throw e
  }
}

async function upload(client: ApiClient, r: TransferRequest, signal: AbortSignal, report: Report) {
  const path = expandPath(r.path)
  const s = await stat(path).catch(() => null)
  if (!s) throw new Error(`no file ${path}`)
  if (!s.isFile()) throw new Error(`${path} is not a file`)
  report(0, s.size)
  // Bun knows common types by extension; the rest is bytes.
  const type = Bun.file(path).type.split(';')[0] || 'application/octet-stream'
  if (s.size <= MULTIPART_THRESHOLD) await uploadSingle(client, r, path, s.size, type, signal, report)
  else await uploadParts(client, r, path, s.size, type, signal, report)
}

async function download(client: ApiClient, r: TransferRequest, signal: AbortSignal, report: Report) {
  let path = expandPath(r.path)
  if ((await stat(path).catch(() => null))?.isDirectory()) path = join(path, basename(r.key))
  const p = await client.presign({ bucket: r.bucket, key: r.key, operation: 'GetObject' })
  const res = await fetch(p.url, { signal })
  if (!res.ok || !res.body) throw await s3Error(res, 'download refused')
  const len = Number(res.headers.get('content-length'))
  const total = Number.isFinite(len) && res.headers.has('content-length') ? len : null
  const progress = throttled(report, total)
  // Into a side file, renamed when complete: an interrupted download never looks finished.
  const part = `${path}.part`
  const fh = await open(part, 'w')
  try {
    for await (const chunk of res.body) {
      await fh.write(chunk)
      progress.add(chunk.length)
    }
    await fh.sync()
  } catch (e) {
    await fh.close().catch(() => {})
    await rm(part, { force: true })
    throw e
  }
  await fh.close()
  if (total !== null && progress.done !== total) {
    await rm(part, { force: true })
    throw new Error(`download ended after ${progress.done} of ${total} bytes`)
  }
  await rename(part, path)
  progress.flush()
}

/** Moves the bytes; resolves when done, rejects with what went wrong (an abort too). */
export function runTransfer(client: ApiClient, r: TransferRequest, signal: AbortSignal, report: Report): Promise<void> {
  return r.kind === 'upload' ? upload(client, r, signal, report) : download(client, r, signal, report)
}
