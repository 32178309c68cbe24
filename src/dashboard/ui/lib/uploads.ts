/**
 * Browser uploads straight to the S3 port with presigned URLs (the API signs, the bytes never
 * pass through the HTTP port): one presigned PUT per file, or for large files a multipart upload
 * whose every step is presigned (create, each part, complete; abort on cancel). Progress per file
 * from XMLHttpRequest's upload events, cancel at any time. The S3 port answers CORS for the
 * dashboard's own origin, so no bucket rule is needed.
 */
import { useSyncExternalStore } from 'react'
import { call, client, messageOf } from '../api'

/** Files above this go up in parts (a failed part is retried alone, and parts can be large). */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024
/** At most this many parts per file keeps the presign calls (the dashboard's 30 a minute) few. */
const MAX_PARTS = 16
const MIN_PART = 16 * 1024 * 1024
const CONCURRENT_FILES = 3

export type UploadState = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled'

export interface Upload {
  id: number
  bucket: string
  key: string
  size: number
  sent: number
  state: UploadState
  error: string | null
  multipart: boolean
}

interface Job extends Upload { file: File; xhr: XMLHttpRequest | null; uploadId: string | null }

let jobs: Job[] = []
let view: Upload[] = []
let seq = 0
const subscribers = new Set<() => void>()
const finishedListeners = new Set<(u: Upload) => void>()

function publish() {
  view = jobs.map(({ file: _f, xhr: _x, uploadId: _u, ...u }) => u)
  for (const f of subscribers) f()
}

export function useUploads(): Upload[] {
  return useSyncExternalStore((f) => { subscribers.add(f); return () => subscribers.delete(f) }, () => view)
}

/** Uploads still queued or running into `bucket`. */
export const pendingIn = (bucket: string) => jobs.some((j) => j.bucket === bucket && (j.state === 'queued' || j.state === 'uploading'))

/** Called for every upload that finished (done, failed or cancelled). */
export function onUploadFinished(f: (u: Upload) => void): () => void {
  finishedListeners.add(f)
  return () => finishedListeners.delete(f)
}

/** Queues files for upload into `bucket` under their keys. */
export function enqueue(bucket: string, files: Array<{ file: File; key: string }>) {
  for (const { file, key } of files) {
    jobs.push({ id: ++seq, bucket, key, size: file.size, sent: 0, state: 'queued', error: null, multipart: file.size > MULTIPART_THRESHOLD, file, xhr: null, uploadId: null })
  }
  publish()
  pump()
}

export function cancel(id: number) {
  const j = jobs.find((x) => x.id === id)
  if (!j || (j.state !== 'queued' && j.state !== 'uploading')) return
  j.state = 'cancelled'
  j.xhr?.abort()
  publish()
  if (j.uploadId) void abortMultipart(j)
  finished(j)
}

/** Removes finished uploads from the list. */
export function clearFinished() {
  jobs = jobs.filter((j) => j.state === 'queued' || j.state === 'uploading')
  publish()
}

function finished(j: Job) {
  const { file: _f, xhr: _x, uploadId: _u, ...u } = j
  for (const f of finishedListeners) f(u)
  pump()
}

function pump() {
  while (jobs.filter((j) => j.state === 'uploading').length < CONCURRENT_FILES) {
    const next = jobs.find((j) => j.state === 'queued')
    if (!next) return
    next.state = 'uploading'
    publish()
    void run(next)
  }
}

async function run(j: Job) {
  try {
    if (j.multipart) await multipart(j)
    else await single(j)
    if (j.state !== 'uploading') return
    j.state = 'done'
    j.sent = j.size
  } catch (e) {
    if (j.state !== 'uploading') return // cancelled meanwhile
    j.state = 'failed'
    j.error = messageOf(e)
  }
  publish()
  finished(j)
}

const contentTypeOf = (f: File) => f.type || 'application/octet-stream'

type PresignBody = Parameters<typeof client.api.presign.post>[0]
const presign = (body: PresignBody) => call(client.api.presign.post(body))

async function single(j: Job) {
  const p = await presign({ bucket: j.bucket, key: j.key, operation: 'PutObject', contentType: contentTypeOf(j.file) })
  await send(j, p.method, p.url, p.headers, j.file, (n) => { j.sent = n; publish() })
}

async function multipart(j: Job) {
  const type = contentTypeOf(j.file)
  const create = await presign({ bucket: j.bucket, key: j.key, operation: 'CreateMultipartUpload', contentType: type })
  const created = await send(j, create.method, create.url, create.headers, null, () => {})
  const uploadId = xmlField(created.body, 'UploadId')
  if (!uploadId) throw new Error('The S3 endpoint did not start the multipart upload.')
  j.uploadId = uploadId
  const partSize = Math.max(MIN_PART, Math.ceil(j.file.size / MAX_PARTS))
  const parts: Array<{ n: number; etag: string }> = []
  let done = 0
  for (let n = 1, off = 0; off < j.file.size; n++, off += partSize) {
    if (j.state !== 'uploading') return
    const blob = j.file.slice(off, Math.min(j.file.size, off + partSize))
    const p = await presign({ bucket: j.bucket, key: j.key, operation: 'UploadPart', uploadId, partNumber: n })
    const r = await send(j, p.method, p.url, p.headers, blob, (sent) => { j.sent = done + sent; publish() })
    if (!r.etag) throw new Error(`Part ${n} was stored without an ETag.`)
    parts.push({ n, etag: r.etag })
    done += blob.size
  }
  const complete = await presign({ bucket: j.bucket, key: j.key, operation: 'CompleteMultipartUpload', uploadId })
  const xml = `<CompleteMultipartUpload>${parts.map((p) => `<Part><PartNumber>${p.n}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`).join('')}</CompleteMultipartUpload>`
  const r = await send(j, complete.method, complete.url, { ...complete.headers, 'content-type': 'application/xml' }, xml, () => {})
  // S3 may answer 200 with an error document once it has started sending.
  if (/<Error>/.test(r.body)) throw new Error(xmlField(r.body, 'Message') ?? 'The multipart upload could not be completed.')
  j.uploadId = null
}

async function abortMultipart(j: Job) {
  try {
    const p = await presign({ bucket: j.bucket, key: j.key, operation: 'AbortMultipartUpload', uploadId: j.uploadId! })
    await fetch(p.url, { method: p.method, headers: p.headers })
  } catch { /* the appliance aborts stale uploads itself after a few days */ }
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function xmlField(xml: string, name: string): string | null {
  const doc = new DOMParser().parseFromString(xml, 'application/xml')
  return doc.getElementsByTagName(name)[0]?.textContent ?? null
}

/** One S3 request with upload progress; rejects with the S3 error's message on a non-2xx answer. */
function send(j: Job, method: string, url: string, headers: Record<string, string>, body: Blob | string | null, progress: (sent: number) => void): Promise<{ etag: string | null; body: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    j.xhr = xhr
    xhr.open(method, url)
    for (const [k, v] of Object.entries(headers)) {
      // The browser sets these itself and refuses to be told.
      if (!/^(host|content-length)$/i.test(k)) xhr.setRequestHeader(k, v)
    }
    xhr.upload.onprogress = (e) => progress(e.loaded)
    xhr.onload = () => {
      j.xhr = null
      if (xhr.status >= 200 && xhr.status < 300) resolve({ etag: xhr.getResponseHeader('etag'), body: xhr.responseText })
      else reject(new Error(xmlField(xhr.responseText, 'Message') ?? `The S3 endpoint answered ${xhr.status}.`))
    }
    xhr.onerror = () => { j.xhr = null; reject(new Error('The upload could not reach the S3 endpoint.')) }
    xhr.onabort = () => { j.xhr = null; reject(new Error('Cancelled.')) }
    xhr.send(body)
  })
}
