import { AppError } from '../../../errors/app-error'
import { awsUriEncode } from '../../../auth/uri-encode'
import { utf8Max } from '../../../domain/utf8'
import type { ListEntry } from '../../../services/objects/list'
import type { S3Call } from '../call'
import { el, isoMs, xmlDoc, xmlResponse } from '../xml'
import { quoteEtag } from '../object-headers'
import { ownerXml } from '../owner'

export const MAX_KEYS = 1000

/** S3 parses max-keys as a 32-bit integer: anything outside [0, 2^31-1] is InvalidArgument. */
export const MAX_INT32 = 2 ** 31 - 1

export function parseMaxKeys(raw: string | undefined): number {
  if (raw === undefined) return MAX_KEYS
  if (!/^-?\d+$/.test(raw) || Number(raw) < 0 || Number(raw) > MAX_INT32) throw new AppError('InvalidArgument', { message: 'Provided max-keys not an integer or within integer range', fields: { ArgumentName: 'max-keys', ArgumentValue: raw } })
  return Math.min(Number(raw), MAX_KEYS)
}

/**
 * encoding-type=url: only url is defined. Every key-bearing element (Key, Prefix, Delimiter,
 * StartAfter, Marker, NextMarker, KeyMarker, NextKeyMarker, CommonPrefixes/Prefix) is
 * percent-encoded as UTF-8 with %20 for a space and '/' kept, which every client's decoder
 * (botocore's unquote_plus, the Java SDK's URLDecoder, decodeURIComponent) maps back to the
 * original. Version and upload ids and continuation tokens are never encoded.
 */
export function encoder(q: Map<string, string>): (s: string) => string {
  const t = q.get('encoding-type')
  if (t === undefined) return (s) => s
  if (t.toLowerCase() !== 'url') throw new AppError('InvalidArgument', { message: 'Invalid Encoding Method specified in Request', fields: { ArgumentName: 'encoding-type', ArgumentValue: t } })
  return (s) => awsUriEncode(s, true)
}

/** Text XML carries exactly and URL-decoding leaves as it is: no '%', no '+', no control characters but tab and newline. */
const DECODE_STABLE = /^[^%+\u0000-\u0008\u000b-\u001f\ufffe\uffff]*$/

/**
 * ListObjects (v1) <Prefix> under encoding-type=url. AWS documents it as encoded and the Java SDK
 * decodes it, but botocore, which asks for url encoding on every list_objects call, leaves it as
 * received (it decodes Marker, NextMarker, Delimiter, Key and CommonPrefixes only). So the prefix
 * is written as it is whenever decoding would not change it — both kinds of client then read the
 * original, a prefix "\n" included — and encoded otherwise.
 */
const v1Prefix = (prefix: string, enc: (s: string) => string) => (DECODE_STABLE.test(prefix) ? prefix : enc(prefix))

function contentsXml(entries: ListEntry[], enc: (s: string) => string, owner: string | null): string {
  return entries.map((e) =>
    '<Contents>' + el('Key', enc(e.key)) + el('LastModified', isoMs(e.lastModified)) + el('ETag', quoteEtag(e.etag)) +
    el('Size', e.size) + (owner ?? '') + '<StorageClass>STANDARD</StorageClass></Contents>').join('')
}

const prefixesXml = (ps: string[], enc: (s: string) => string) => ps.map((p) => `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`).join('')

/** Continuation tokens: the last key returned, tagged so a token we did not issue is refused. */
const TOKEN_TAG = 'cs1\n'
const encodeToken = (key: string) => Buffer.from(TOKEN_TAG + key, 'utf8').toString('base64url')
function decodeToken(t: string): string {
  const s = Buffer.from(t, 'base64url').toString('utf8')
  if (!t || !/^[A-Za-z0-9_-]+$/.test(t) || !s.startsWith(TOKEN_TAG) || encodeToken(s.slice(TOKEN_TAG.length)) !== t) {
    throw new AppError('InvalidArgument', { message: 'The continuation token provided is incorrect', fields: { ArgumentName: 'continuation-token' } })
  }
  return s.slice(TOKEN_TAG.length)
}

export function listObjectsV2(c: S3Call<'ListObjectsV2'>): Response {
  const bucket = c.bucket({ anonymousRead: true })
  const q = c.target.query
  const enc = encoder(q)
  const prefix = q.get('prefix') ?? ''
  const delimiter = q.get('delimiter') ?? ''
  const maxKeys = parseMaxKeys(q.get('max-keys'))
  // An empty continuation-token is no token (clients send the empty NextContinuationToken of a
  // last page back as-is).
  const token = q.get('continuation-token') || undefined
  const startAfter = q.get('start-after') ?? ''
  const after = token !== undefined ? utf8Max(decodeToken(token), startAfter) : startAfter
  const r = c.ctx.services.objects.list(bucket.id, { prefix, delimiter, after, maxKeys })
  const owner = q.get('fetch-owner') === 'true' ? ownerXml(c, bucket.accountId) : null
  const inner =
    el('Name', bucket.name) + el('Prefix', enc(prefix)) + (delimiter ? el('Delimiter', enc(delimiter)) : '') +
    el('MaxKeys', maxKeys) + el('KeyCount', r.contents.length + r.commonPrefixes.length) + el('IsTruncated', r.isTruncated) +
    (token !== undefined ? el('ContinuationToken', token) : '') +
    (r.isTruncated && r.last !== null ? el('NextContinuationToken', encodeToken(r.last)) : '') +
    (q.has('start-after') ? el('StartAfter', enc(startAfter)) : '') +
    (q.has('encoding-type') ? el('EncodingType', 'url') : '') +
    contentsXml(r.contents, enc, owner) + prefixesXml(r.commonPrefixes, enc)
  return xmlResponse(xmlDoc('ListBucketResult', inner))
}

/** ListObjects (v1): Marker / NextMarker (NextMarker only with a delimiter, as on AWS). */
export function listObjects(c: S3Call<'ListObjects'>): Response {
  const bucket = c.bucket({ anonymousRead: true })
  const q = c.target.query
  const enc = encoder(q)
  const prefix = q.get('prefix') ?? ''
  const delimiter = q.get('delimiter') ?? ''
  const maxKeys = parseMaxKeys(q.get('max-keys'))
  const marker = q.get('marker') ?? ''
  const r = c.ctx.services.objects.list(bucket.id, { prefix, delimiter, after: marker, maxKeys })
  const inner =
    el('Name', bucket.name) + el('Prefix', q.has('encoding-type') ? v1Prefix(prefix, enc) : prefix) + el('Marker', enc(marker)) +
    (r.isTruncated && delimiter && r.last !== null ? el('NextMarker', enc(r.last)) : '') +
    el('MaxKeys', maxKeys) + (delimiter ? el('Delimiter', enc(delimiter)) : '') + el('IsTruncated', r.isTruncated) +
    (q.has('encoding-type') ? el('EncodingType', 'url') : '') +
    contentsXml(r.contents, enc, ownerXml(c, bucket.accountId)) + prefixesXml(r.commonPrefixes, enc)
  return xmlResponse(xmlDoc('ListBucketResult', inner))
}
