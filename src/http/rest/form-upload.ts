import { Readable } from 'node:stream'
import busboy from 'busboy'
import { AppError } from '../../errors/app-error'
import { requestTimeout, withIdleTimeout } from '../../blob/streams'

/** The longest text field value accepted (a key is at most 1024 bytes). */
const MAX_FIELD_BYTES = 4096

export interface FormFile {
  stream: AsyncIterable<Uint8Array>
  filename: string
  mimeType: string
}

/**
 * Streams a multipart/form-data upload: `onFile` receives the single `file` part as a stream
 * (it must consume it) while text fields are collected. Resolves with the fields once the whole
 * form is read and `onFile`'s work is done. Nothing is buffered beyond busboy's chunks.
 */
export async function readForm<T>(
  request: Request,
  /** A body that stalls this long fails the form with RequestTimeout (0: never). */
  idleTimeoutMs: number,
  allowedFields: string[],
  onFile: (file: FormFile, fieldsSoFar: Record<string, string>) => Promise<T>,
  /** Undoes onFile's work when the form turns out invalid after the file was read. */
  discard: (result: T) => void,
): Promise<{ fields: Record<string, string>; result: T | null }> {
  const type = request.headers.get('content-type') ?? ''
  let bb: busboy.Busboy
  try {
    // busboy fires 'partsLimit' when the count *reaches* the limit (files/fields fire only past
    // theirs), so a complete form of file + every field needs one more than it has parts.
    // Text fields are small (bucket, key): busboy keeps at most fieldSize bytes of each and
    // skips the rest, so a huge field costs time, never memory, and is refused below.
    bb = busboy({ headers: { 'content-type': type }, limits: { files: 1, fields: allowedFields.length, fieldSize: MAX_FIELD_BYTES, fieldNameSize: 100, parts: allowedFields.length + 2, headerPairs: 20 } })
  } catch {
    throw new AppError('ValidationError', { message: 'The multipart/form-data body has no boundary.' })
  }
  const fields: Record<string, string> = {}
  let work: Promise<T> | null = null
  let failure: AppError | null = null
  const fail = (e: AppError) => { failure ??= e }

  const done = new Promise<void>((resolve, reject) => {
    bb.on('field', (name, value, info) => {
      if (info.nameTruncated) fail(new AppError('ValidationError', { message: 'A form field name is too long.' }))
      else if (info.valueTruncated) fail(new AppError('RequestEntityTooLarge', { message: `The form field '${name}' exceeds ${MAX_FIELD_BYTES} bytes.` }))
      else if (name === 'file') fail(new AppError('ValidationError', { message: "The 'file' field arrived as text, not as a file part: send it with a filename (curl -F file=@path)." }))
      else if (!allowedFields.includes(name)) fail(new AppError('ValidationError', { message: `Unknown form field '${name}'. Allowed: file, ${allowedFields.join(', ')}.` }))
      else fields[name] = value
    })
    bb.on('file', (name, stream, info) => {
      // A truncated form makes busboy destroy the part's stream with an error, possibly before
      // the consumer iterates it; unlistened, that 'error' event kills the process. The error
      // still reaches the consumer (iterating an errored stream throws) and busboy's 'error'.
      stream.on('error', () => {})
      if (name !== 'file' || work) {
        fail(new AppError('ValidationError', { message: name === 'file' ? 'Send exactly one file.' : `Unknown file field '${name}'; the file goes in the 'file' field.` }))
        stream.resume()
        return
      }
      work = onFile({ stream: stream as AsyncIterable<Uint8Array>, filename: info.filename ?? '', mimeType: info.mimeType ?? '' }, { ...fields })
      // A failed consumer stops reading: drain the rest so the form can finish.
      work.catch(() => stream.resume())
    })
    bb.on('filesLimit', () => fail(new AppError('ValidationError', { message: 'Send exactly one file.' })))
    bb.on('fieldsLimit', () => fail(new AppError('ValidationError', { message: 'Too many form fields.' })))
    bb.on('partsLimit', () => fail(new AppError('ValidationError', { message: 'Too many form parts.' })))
    bb.on('error', (e) => reject(e instanceof AppError ? e : new AppError('ValidationError', { message: `Malformed multipart/form-data: ${(e as Error).message}` })))
    bb.on('close', () => resolve())
  })
  if (!request.body) throw new AppError('ValidationError', { message: 'The upload has no body.' })
  // A client that goes away mid-body errors the source; pipe() would then just stop feeding
  // busboy and the form would never finish (a hung request holding its temp blob and quota
  // reservation). Fail busboy instead: that rejects `done` and errors the file part.
  const body = withIdleTimeout(request.body, idleTimeoutMs, requestTimeout)
  Readable.fromWeb(body as never).on('error', (e) => bb.destroy(e instanceof AppError ? e : new Error(`the request body failed: ${e.message}`))).pipe(bb)
  try {
    await done
  } catch (e) {
    if (work) (work as Promise<T>).then(discard, () => {})
    throw e
  }
  const result = work ? await (work as Promise<T>) : null
  if (failure) {
    if (result !== null) discard(result)
    throw failure
  }
  return { fields, result }
}
