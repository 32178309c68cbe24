import { Readable } from 'node:stream'
import { AppError } from '../../errors/app-error'
import { DEFAULT_CONTENT_TYPE } from '../../domain/object-meta'
import { iterateStream, requestTimeout, withIdleTimeout } from '../../blob/streams'
import { restBucket } from '../../services/objects/files'
import type { StagedUpload } from '../../services/objects/put-object'
import type { BucketRow } from '../../db/repos/buckets'
import type { ApiCall } from '../api/route'
import { readForm } from './form-upload'

const MAX_KEY_BYTES = 1024

/** Content type from the client, else from the file name's extension. */
export function contentTypeFor(declared: string | null | undefined, name: string): string {
  const d = (declared ?? '').trim()
  // curl --data-binary labels everything as a form; that says nothing about the file.
  const generic = ['application/octet-stream', 'application/x-www-form-urlencoded']
  if (d && !generic.includes(d.toLowerCase().split(';')[0].trim())) return d
  const guessed = Bun.file(name || 'x').type
  return guessed && guessed !== 'application/octet-stream' ? guessed : DEFAULT_CONTENT_TYPE
}

function checkKey(key: string | null | undefined): string {
  if (!key) throw new AppError('ValidationError', { message: 'The file needs a key: send a key field/parameter, a file name, or X-File-Name.' })
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new AppError('KeyTooLongError')
  return key
}

/** Counts body bytes; a body that breaks off (client gone, malformed form) is IncompleteBody, not a 500. */
async function* countBytes(call: ApiCall, source: AsyncIterable<Uint8Array>) {
  const it = source[Symbol.asyncIterator]()
  let done = false
  try {
    for (;;) {
      let r: IteratorResult<Uint8Array>
      try {
        r = await it.next()
      } catch (e) {
        done = true
        if (e instanceof AppError && e.code === 'RequestTimeout') throw e
        throw new AppError('IncompleteBody', { message: `The upload body ended early: ${(e as Error).message}`, cause: e })
      }
      if (r.done) { done = true; return }
      call.counter.bytes += r.value.byteLength
      yield r.value
    }
  } finally {
    // Stopped early (a quota cut-off): let go of the source so the rest can be drained.
    if (!done) await it.return?.()
  }
}

/**
 * A form's file part as a stream that a consumer may stop early: the part is then left intact
 * (not destroyed, no 'readable' listener) so readForm's resume() drains it and the form finishes.
 * Otherwise an upload cut off at the quota never answered.
 */
const filePart = (stream: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> =>
  stream instanceof Readable ? { [Symbol.asyncIterator]: () => stream.iterator({ destroyOnReturn: false }) } : stream

export interface UploadRequest {
  staged: StagedUpload
  key: string
  contentType: string
  /** The target bucket, resolved (and access-checked) after the whole form is read. */
  bucket(): BucketRow
}

/**
 * Reads an upload request — a multipart form (`file`, `bucket`, `key`; fields may follow the
 * file) or a raw body (?bucket=&key= or X-File-Name) — streaming the bytes into a staged blob.
 * The caller commits or discards `staged`. Empty uploads are refused.
 */
export async function stageUpload(call: ApiCall): Promise<UploadRequest> {
  const { ctx, request, url } = call
  const accountId = call.who().accountId
  const type = request.headers.get('content-type') ?? ''
  let staged: StagedUpload
  let bucketName: string | undefined
  let key: string | undefined
  let contentType: string
  let conflict: string | null = null
  const query = { bucket: url.searchParams.get('bucket') ?? undefined, key: url.searchParams.get('key') ?? undefined }
  if (/^multipart\/form-data/i.test(type)) {
    // ?bucket=&key= work for forms too (fields win only when they agree): a form posted to
    // ?bucket=x must never land silently in the default bucket.
    if (query.bucket !== undefined) restBucket(ctx, accountId, query.bucket)
    let file: { filename: string; mimeType: string } | null = null
    const form = await readForm(request, ctx.config.bodyIdleTimeoutSeconds * 1000, ['bucket', 'key'], async (f, early) => {
      // Fail fast on a bad bucket when its field came before the file.
      if (early.bucket !== undefined) restBucket(ctx, accountId, early.bucket)
      file = f
      return ctx.services.objects.stage(accountId, { source: countBytes(call, filePart(f.stream)), size: null })
    }, (s) => ctx.services.objects.discardStaged(s))
    if (!form.result || !file) throw new AppError('ValidationError', { message: "The form has no 'file' field." })
    staged = form.result
    const f = file as { filename: string; mimeType: string }
    for (const name of ['bucket', 'key'] as const) {
      if (form.fields[name] !== undefined && query[name] !== undefined && form.fields[name] !== query[name]) conflict = name
    }
    bucketName = form.fields.bucket ?? query.bucket
    key = form.fields.key ?? query.key ?? f.filename
    contentType = contentTypeFor(f.mimeType, key ?? '')
  } else {
    bucketName = query.bucket
    key = query.key ?? request.headers.get('x-file-name') ?? undefined
    checkKey(key)
    const target = restBucket(ctx, accountId, bucketName)
    const length = request.headers.get('content-length')
    const body = withIdleTimeout(request.body, ctx.config.bodyIdleTimeoutSeconds * 1000, requestTimeout)
    staged = await ctx.services.objects.stage(accountId, { source: countBytes(call, iterateStream(body)), size: length !== null ? Number(length) : null }, ctx.services.quota.overwriteCredit(target, key!))
    contentType = contentTypeFor(type, key ?? '')
  }
  try {
    if (conflict) throw new AppError('ValidationError', { message: `The form field '${conflict}' and the ?${conflict}= parameter disagree; send one.` })
    if (staged.digests.size === 0) throw new AppError('ValidationError', { message: 'The upload is empty.' })
    const validKey = checkKey(key)
    return { staged, key: validKey, contentType, bucket: () => restBucket(ctx, accountId, bucketName) }
  } catch (e) {
    ctx.services.objects.discardStaged(staged)
    throw e
  }
}
