import { Readable } from 'node:stream'
import { AppError } from '../../errors/app-error'
import { DEFAULT_CONTENT_TYPE } from '../../domain/object-meta'
import { iterateStream, requestTimeout, withIdleTimeout } from '../../blob/streams'
import type { StagedUpload } from '../../services/objects/put-object'
import type { BucketRow } from '../../services/rows'
import type { ApiCall } from '../api/route'
import { readForm } from './form-upload'
import { checkApiKey } from '../../domain/object-key'
import { queryParam } from '../api/validate'

/** Content type from the client, else from the file name's extension. */
export function contentTypeFor(declared: string | null | undefined, name: string): string {
  const d = (declared ?? '').trim()
  // curl --data-binary labels everything as a form; that says nothing about the file.
  const generic = ['application/octet-stream', 'application/x-www-form-urlencoded']
  if (d && !generic.includes(d.toLowerCase().split(';')[0].trim())) return d
  // Only the extension matters (Bun.file refuses names it could not open, e.g. with NUL).
  const ext = /\.[^./]*$/.exec(name)?.[0] ?? ''
  const guessed = ext ? Bun.file(`x${ext.replace(/\0/g, '')}`).type : ''
  return guessed && guessed !== 'application/octet-stream' ? guessed : DEFAULT_CONTENT_TYPE
}

/** The upload's key: present, and valid by the one key rule every surface applies. */
function checkKey(key: string | null | undefined, what = 'key'): string {
  if (!key) throw new AppError('ValidationError', { message: 'The file needs a key: send a key field/parameter, a file name, or X-File-Name.' })
  return checkApiKey(key, what)
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
 *
 * Every name known before the body (query parameters, X-File-Name, form fields that precede
 * the file, the file part's name) is checked before a byte of it is read; whatever fails after
 * the bytes are staged discards them (blob and quota reservation) before the error is answered.
 */
export async function stageUpload(call: ApiCall): Promise<UploadRequest> {
  const { ctx, request, url } = call
  const accountId = call.who().accountId
  const type = request.headers.get('content-type') ?? ''
  const query = { bucket: queryParam(url, 'bucket') ?? undefined, key: queryParam(url, 'key') ?? undefined }
  if (query.key !== undefined) checkKey(query.key)
  if (/^multipart\/form-data/i.test(type)) {
    // ?bucket=&key= work for forms too (fields win only when they agree): a form posted to
    // ?bucket=x must never land silently in the default bucket.
    if (query.bucket !== undefined) ctx.services.files.bucket(accountId, query.bucket)
    let file: { filename: string; mimeType: string } | null = null
    const form = await readForm(request, ctx.config.bodyIdleTimeoutSeconds * 1000, ['bucket', 'key'], async (f, early) => {
      // Fail fast, before the file's bytes, on names that came before it.
      agree(early, query)
      if (early.bucket !== undefined) ctx.services.files.bucket(accountId, early.bucket)
      if (early.key !== undefined) checkKey(early.key)
      // No key yet: the file's name is the key unless a key field follows the file.
      else if (query.key === undefined && f.filename) checkKey(f.filename, "file's name; send a key field before the file to name it differently")
      file = f
      return ctx.services.objects.stage(accountId, { source: countBytes(call, filePart(f.stream)), size: null })
    }, (st) => ctx.services.objects.discardStaged(st))
    if (!form.result || !file) throw new AppError('ValidationError', { message: "The form has no 'file' field." })
    const staged = form.result
    try {
      const f = file as { filename: string; mimeType: string }
      agree(form.fields, query)
      const bucketName = form.fields.bucket ?? query.bucket
      const key = checkKey(form.fields.key ?? query.key ?? f.filename)
      if (staged.digests.size === 0) throw new AppError('ValidationError', { message: 'The upload is empty.' })
      return { staged, key, contentType: contentTypeFor(f.mimeType, key), bucket: () => ctx.services.files.bucket(accountId, bucketName) }
    } catch (e) {
      ctx.services.objects.discardStaged(staged)
      throw e
    }
  }
  const bucketName = query.bucket
  const key = checkKey(query.key ?? request.headers.get('x-file-name'))
  const target = ctx.services.files.bucket(accountId, bucketName)
  const length = request.headers.get('content-length')
  const contentType = contentTypeFor(type, key)
  const body = withIdleTimeout(request.body, ctx.config.bodyIdleTimeoutSeconds * 1000, requestTimeout)
  const staged = await ctx.services.objects.stage(accountId, { source: countBytes(call, iterateStream(body)), size: length !== null ? Number(length) : null }, ctx.services.quota.overwriteCredit(target, key))
  if (staged.digests.size === 0) {
    ctx.services.objects.discardStaged(staged)
    throw new AppError('ValidationError', { message: 'The upload is empty.' })
  }
  return { staged, key, contentType, bucket: () => ctx.services.files.bucket(accountId, bucketName) }
}

/** Form fields and ?bucket=&key= may both name the target only when they agree. */
function agree(fields: Record<string, string>, query: { bucket?: string; key?: string }) {
  for (const name of ['bucket', 'key'] as const) {
    if (fields[name] !== undefined && query[name] !== undefined && fields[name] !== query[name]) {
      throw new AppError('ValidationError', { message: `The form field '${name}' and the ?${name}= parameter disagree; send one.` })
    }
  }
}
