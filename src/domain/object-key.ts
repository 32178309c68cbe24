/**
 * The object key rules, one function for every surface (S3, the REST file API, /api/versions,
 * image URLs, shares). A key is opaque: any Unicode text a real client sends is kept as is,
 * including `//`, leading or trailing `/`, `.` and `..` segments, `%`, `+`, spaces, emoji and
 * control characters other than NUL (S3 lists those as `&#x1;`…, and clients that cannot parse
 * that ask for `encoding-type=url`). Refused:
 *   - the empty key (S3 reads an empty key as a bucket request, so it never names an object);
 *   - more than 1024 bytes of UTF-8 (AWS: KeyTooLongError);
 *   - NUL: no XML 1.0 document can carry it, not even as `&#x0;`, so a stored NUL key would
 *     break every listing that contains it, and file APIs treat it as the end of a name;
 *   - text that is not valid Unicode (a lone UTF-16 surrogate, e.g. from a JSON body's
 *     "\ud800"): it has no UTF-8 form, so it could not be stored or compared byte-wise.
 * Invalid percent-encoding or invalid UTF-8 bytes never get this far: each surface decodes
 * strictly and refuses them as malformed input (S3 InvalidURI, JSON ValidationError).
 */
import { AppError } from '../errors/app-error'

export const MAX_KEY_BYTES = 1024

export type KeyProblem =
  | { kind: 'empty'; message: string }
  | { kind: 'too-long'; message: string }
  | { kind: 'nul'; message: string }
  | { kind: 'not-unicode'; message: string }

/** Why `key` cannot name an object, or null when it can. */
export function objectKeyProblem(key: string): KeyProblem | null {
  if (key.length === 0) return { kind: 'empty', message: 'The object key must not be empty.' }
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short keys skip the byte count.
  if (key.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    return { kind: 'too-long', message: `Your key is too long: the maximum is ${MAX_KEY_BYTES} bytes of UTF-8, this one has ${Buffer.byteLength(key, 'utf8')}.` }
  }
  if (key.includes('\0')) return { kind: 'nul', message: 'Object keys must not contain the NUL character (U+0000).' }
  if (!key.isWellFormed()) return { kind: 'not-unicode', message: 'The object key is not valid Unicode (it contains a lone UTF-16 surrogate).' }
  return null
}

/**
 * The S3 surface's answer, in AWS's codes: KeyTooLongError for length; InvalidArgument for the
 * rest (AWS has no dedicated code; MinIO answers a 400 too). Call it before any body byte is read.
 */
export function checkS3Key(key: string): string {
  const p = objectKeyProblem(key)
  if (!p) return key
  if (p.kind === 'too-long') throw new AppError('KeyTooLongError', { message: p.message, fields: { Size: Buffer.byteLength(key, 'utf8'), MaxSizeAllowed: MAX_KEY_BYTES } })
  throw new AppError('InvalidArgument', { message: p.message, fields: { ArgumentName: 'key' } })
}

/** The JSON surfaces' answer (REST files, /api/versions, image URLs, shares): 400 ValidationError. */
export function checkApiKey(key: string, what = 'key'): string {
  const p = objectKeyProblem(key)
  if (p) throw new AppError('ValidationError', { message: what === 'key' ? p.message : `${p.message} (the ${what})` })
  return key
}
