import { AppError } from '../../../errors/app-error'
import { CHECKSUMS, CHECKSUM_ALGORITHMS, checksumAlgorithmOf, type ChecksumAlgorithm } from '../../../domain/checksums'
import { parseRange } from '../../../domain/range'
import { s3VersionId } from '../../../services/objects/read'
import { checkCopySourceConditions } from '../../../services/objects/copy-object'
import type { CompletePart } from '../../../services/multipart/multipart'
import { MAX_PARTS } from '../../../domain/upload-limits'
import { iterateStream } from '../../../blob/streams'
import type { S3Call } from '../call'
import { metaFromHeaders, quoteEtag, writtenVersionId } from '../object-headers'
import { el, isoMs, parseXmlBody, xmlDoc, xmlResponse } from '../xml'
import { keepAliveXml } from '../keepalive'
import { ownerFields } from '../owner'
import { copySourceOf } from './copy-object'
import { MAX_INT32, encoder } from './list-objects'
import { refuseServerSideEncryption } from '../sse'

function partNumberOf(c: S3Call): number {
  const raw = c.target.query.get('partNumber')
  if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PARTS) {
    throw new AppError('InvalidArgument', { message: 'Part number must be an integer between 1 and 10000, inclusive', fields: { ArgumentName: 'partNumber', ArgumentValue: raw ?? '' } })
  }
  return Number(raw)
}

function uploadIdOf(c: S3Call): string {
  const id = c.target.query.get('uploadId')
  if (!id) throw new AppError('InvalidArgument', { message: 'The uploadId must not be empty.', fields: { ArgumentName: 'uploadId' } })
  return id
}

function checksumHeaders(cs: { algorithm: string; value: string; type?: string } | null, withType = false): Record<string, string> {
  if (!cs) return {}
  const h: Record<string, string> = { [CHECKSUMS[cs.algorithm as ChecksumAlgorithm].header]: cs.value }
  if (withType && cs.type) h['x-amz-checksum-type'] = cs.type
  return h
}

export function createMultipartUpload(c: S3Call<'CreateMultipartUpload'>): Response {
  const bucket = c.bucket()
  const h = c.request.headers
  refuseServerSideEncryption(h, { managed: true, customer: true })
  const algRaw = h.get('x-amz-checksum-algorithm')
  const algorithm = algRaw ? checksumAlgorithmOf(algRaw) : null
  if (algRaw && !algorithm) throw new AppError('InvalidRequest', { message: `Checksum algorithm ${algRaw} is not supported.` })
  const u = c.ctx.services.multipart.create(bucket, c.target.key, metaFromHeaders(h, h.get('content-encoding')), { algorithm, type: h.get('x-amz-checksum-type') })
  const headers: Record<string, string> = {}
  if (u.checksumAlgorithm) {
    headers['x-amz-checksum-algorithm'] = u.checksumAlgorithm
    headers['x-amz-checksum-type'] = u.checksumType!
  }
  return xmlResponse(xmlDoc('InitiateMultipartUploadResult', el('Bucket', bucket.name) + el('Key', c.target.key) + el('UploadId', u.id)), 200, headers)
}

export async function uploadPart(c: S3Call<'UploadPart'>): Promise<Response> {
  const bucket = c.bucket()
  const partNumber = partNumberOf(c)
  refuseServerSideEncryption(c.request.headers, { customer: true })
  const plan = c.body()
  if (plan.size === null && !plan.streamed) throw new AppError('MissingContentLength')
  const r = await c.ctx.services.multipart.uploadPart({
    bucket, key: c.target.key, uploadId: uploadIdOf(c), partNumber, source: plan.source, size: plan.size, checksum: plan.checksum, verify: plan.verify,
  })
  return new Response(null, { status: 200, headers: { etag: quoteEtag(r.etag), ...checksumHeaders(r.checksum) } })
}

/** UploadPartCopy: copies (a range of) an existing object into a part. */
export async function uploadPartCopy(c: S3Call<'UploadPartCopy'>): Promise<Response> {
  const bucket = c.bucket()
  const partNumber = partNumberOf(c)
  const uploadId = uploadIdOf(c)
  c.ctx.services.multipart.requireUpload(uploadId, bucket, c.target.key)
  refuseServerSideEncryption(c.request.headers, { customer: true, copySource: true })
  const src = copySourceOf(c)
  const { version } = c.ctx.services.objects.resolveVersion(src.bucketRow, src.key, src.versionId)
  checkCopySourceConditions(c.request.headers, version)
  const rangeHeader = c.request.headers.get('x-amz-copy-source-range')
  let range: { start: number; end: number } | undefined
  if (rangeHeader) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader.trim())
    if (!m || Number(m[2]) < Number(m[1])) throw new AppError('InvalidArgument', { message: 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', fields: { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: rangeHeader } })
    if (Number(m[2]) >= version.size) throw new AppError('InvalidRange', { message: `Range specified is not valid for source object of size: ${version.size}`, fields: { ActualObjectSize: version.size } })
    range = parseRange(`bytes=${m[1]}-${m[2]}`, version.size) ?? undefined
  }
  const size = range ? range.end - range.start + 1 : version.size
  const content = await c.ctx.services.objects.openContent(version, range)
  const r = await c.ctx.services.multipart.uploadPart({
    bucket, key: c.target.key, uploadId, partNumber, size,
    source: iterateStream(content instanceof Blob ? content.stream() : content),
  })
  const headers: Record<string, string> = {}
  if (src.bucketRow.s3Versioning) headers['x-amz-copy-source-version-id'] = s3VersionId(version)
  const checksumXml = r.checksum ? el(`Checksum${r.checksum.algorithm}`, r.checksum.value) : ''
  return xmlResponse(xmlDoc('CopyPartResult', el('LastModified', isoMs(c.now)) + el('ETag', quoteEtag(r.etag)) + checksumXml), 200, headers)
}

export async function completeMultipartUpload(c: S3Call<'CompleteMultipartUpload'>): Promise<Response> {
  const bucket = c.bucket()
  const uploadId = uploadIdOf(c)
  const u = c.ctx.services.multipart.requireUpload(uploadId, bucket, c.target.key)
  refuseServerSideEncryption(c.request.headers, { customer: true })
  // x-amz-checksum-<alg> here is the client's full-object checksum, not the XML body's.
  const doc = parseXmlBody(await c.readSmallBody(4 * 1024 * 1024, { objectChecksumHeaders: true }), 'CompleteMultipartUpload')
  const rawParts = (doc.Part ?? []) as Array<Record<string, unknown>>
  let prev = 0
  let ordered = true
  const parts: CompletePart[] = rawParts.map((p) => {
    const n = String(p.PartNumber ?? '').trim()
    if (!/^-?\d+$/.test(n) || p.ETag === undefined) throw new AppError('MalformedXML')
    // S3 checks the parts in order: a number below 1 is refused as such (InvalidArgument), one
    // after an out-of-order part is left to the InvalidPartOrder check.
    if (Number(n) < 1 && ordered) throw new AppError('InvalidArgument', { message: 'PartNumber must be >= 1' })
    if (Number(n) <= prev) ordered = false
    prev = Number(n)
    let checksum: string | null = null
    for (const a of CHECKSUM_ALGORITHMS) if (p[`Checksum${a}`] !== undefined) checksum = String(p[`Checksum${a}`])
    return { partNumber: Number(n), etag: String(p.ETag), checksum }
  })
  const h = c.request.headers
  const fullObject = u.checksumAlgorithm ? h.get(CHECKSUMS[u.checksumAlgorithm as ChecksumAlgorithm].header) : null
  const work = (async () => {
    const r = await c.ctx.services.multipart.complete({
      bucket, key: c.target.key, uploadId, parts, fullObjectChecksum: fullObject,
      conditions: { ifNoneMatch: h.get('if-none-match'), ifMatch: h.get('if-match') },
    })
    // A late answer is sent from here, past the handler's own durability wait.
    await c.ctx.services.durable()
    const headers: Record<string, string> = {}
    const versionId = writtenVersionId(r.version)
    if (versionId) headers['x-amz-version-id'] = versionId
    const cs = r.checksum
    const checksumXml = cs ? el(`Checksum${cs.algorithm}`, cs.value) + el('ChecksumType', cs.type) : ''
    const location = `${new URL(c.request.url).origin}/${encodeURIComponent(bucket.name)}/${c.target.key.split('/').map(encodeURIComponent).join('/')}`
    return {
      body: xmlDoc('CompleteMultipartUploadResult', el('Location', location) + el('Bucket', bucket.name) + el('Key', c.target.key) + el('ETag', quoteEtag(r.version.etag)) + checksumXml),
      headers: { ...headers, ...checksumHeaders(cs, true) },
    }
  })()
  // Completion copies the parts into one blob: a large object on a slow disk takes a while.
  return keepAliveXml(work, { after: COMPLETE_KEEPALIVE_AFTER_MS, interval: COMPLETE_KEEPALIVE_INTERVAL_MS, resource: c.target.decodedPath, requestId: c.requestId })
}

/** A CompleteMultipartUpload still busy after this long answers 200 and keeps the line alive. */
export const COMPLETE_KEEPALIVE_AFTER_MS = 5_000
export const COMPLETE_KEEPALIVE_INTERVAL_MS = 5_000

export function abortMultipartUpload(c: S3Call<'AbortMultipartUpload'>): Response {
  const bucket = c.bucket()
  c.ctx.services.multipart.abort(bucket, c.target.key, uploadIdOf(c))
  return new Response(null, { status: 204 })
}

function intParam(c: S3Call, name: string, def: number, max: number): number {
  const raw = c.target.query.get(name)
  if (raw === undefined) return def
  if (!/^\d+$/.test(raw) || Number(raw) > MAX_INT32) throw new AppError('InvalidArgument', { message: `Provided ${name} not an integer or within integer range`, fields: { ArgumentName: name, ArgumentValue: raw } })
  return Math.min(Number(raw), max)
}

export function listParts(c: S3Call<'ListParts'>): Response {
  const bucket = c.bucket()
  const uploadId = uploadIdOf(c)
  const u = c.ctx.services.multipart.requireUpload(uploadId, bucket, c.target.key)
  refuseServerSideEncryption(c.request.headers, { customer: true })
  const maxParts = intParam(c, 'max-parts', 1000, 1000)
  const marker = intParam(c, 'part-number-marker', 0, MAX_PARTS)
  const rows = c.ctx.services.multipart.parts(uploadId, marker, maxParts + 1)
  const truncated = rows.length > maxParts
  const page = rows.slice(0, maxParts)
  const owner = ownerFields(c, u.accountId)
  const partsXml = page.map((p) => {
    const cs = p.checksumJson ? (JSON.parse(p.checksumJson) as { algorithm: string; value: string }) : null
    return `<Part>${el('PartNumber', p.partNumber)}${el('LastModified', isoMs(p.createdAt))}${el('ETag', quoteEtag(p.etag))}${el('Size', p.size)}${cs ? el(`Checksum${cs.algorithm}`, cs.value) : ''}</Part>`
  }).join('')
  return xmlResponse(xmlDoc('ListPartsResult',
    el('Bucket', bucket.name) + el('Key', c.target.key) + el('UploadId', uploadId) +
    `<Initiator>${owner}</Initiator><Owner>${owner}</Owner><StorageClass>STANDARD</StorageClass>` +
    el('PartNumberMarker', marker) + (truncated ? el('NextPartNumberMarker', page[page.length - 1].partNumber) : '') +
    el('MaxParts', maxParts) + el('IsTruncated', truncated) +
    (u.checksumAlgorithm ? el('ChecksumAlgorithm', u.checksumAlgorithm) + el('ChecksumType', u.checksumType) : '') + partsXml))
}

/**
 * ListMultipartUploads with prefix, delimiter, key-marker, upload-id-marker, max-uploads: key
 * ascending, then initiation order. The markers are positions (services/multipart/list-uploads);
 * a page that ends on a CommonPrefix resumes after every key under it.
 */
export function listMultipartUploads(c: S3Call<'ListMultipartUploads'>): Response {
  const bucket = c.bucket()
  const q = c.target.query
  const enc = encoder(q)
  const prefix = q.get('prefix') ?? ''
  const delimiter = q.get('delimiter') ?? ''
  const keyMarker = q.get('key-marker') ?? ''
  // upload-id-marker is ignored without key-marker (S3 documents the same).
  const uploadIdMarker = keyMarker ? q.get('upload-id-marker') ?? '' : ''
  const maxUploads = intParam(c, 'max-uploads', 1000, 1000)
  const r = c.ctx.services.multipart.list(bucket.id, { prefix, delimiter, keyMarker, uploadIdMarker, maxUploads })
  const uploads = r.uploads.map((u) => {
    const owner = ownerFields(c, u.accountId)
    return `<Upload>${el('Key', enc(u.key))}${el('UploadId', u.id)}<Initiator>${owner}</Initiator><Owner>${owner}</Owner><StorageClass>STANDARD</StorageClass>${el('Initiated', isoMs(u.initiatedAt))}${u.checksumAlgorithm ? el('ChecksumAlgorithm', u.checksumAlgorithm) + el('ChecksumType', u.checksumType) : ''}</Upload>`
  })
  const next = r.isTruncated ? r.next : null
  return xmlResponse(xmlDoc('ListMultipartUploadsResult',
    el('Bucket', bucket.name) + el('KeyMarker', enc(keyMarker)) + el('UploadIdMarker', uploadIdMarker) +
    (next ? el('NextKeyMarker', enc(next.key)) + el('NextUploadIdMarker', next.uploadId ?? '') : '') +
    (delimiter ? el('Delimiter', enc(delimiter)) : '') + el('Prefix', enc(prefix)) + el('MaxUploads', maxUploads) + el('IsTruncated', r.isTruncated) +
    (q.has('encoding-type') ? el('EncodingType', 'url') : '') +
    uploads.join('') + r.commonPrefixes.map((p) => `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`).join('')))
}
