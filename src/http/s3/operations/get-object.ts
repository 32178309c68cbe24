import { AppError } from '../../../errors/app-error'
import { evaluateReadConditions } from '../../../domain/conditions'
import { parseRange } from '../../../domain/range'
import type { S3Call } from '../call'
import { objectHeaders } from '../object-headers'
import { refuseServerSideEncryption } from '../sse'

/** GetObject and HeadObject: versionId, partNumber, Range, conditional headers, overrides. */
export async function getObject(c: S3Call<'GetObject' | 'HeadObject'>): Promise<Response> {
  const bucket = c.bucket({ anonymousRead: true })
  const q = c.target.query
  // Arguments are checked before the object is looked up: a bad partNumber is 400 even for a missing key.
  const partNumberRaw = q.get('partNumber')
  if (partNumberRaw !== undefined && (!/^\d+$/.test(partNumberRaw) || Number(partNumberRaw) < 1 || Number(partNumberRaw) > 10000)) {
    throw new AppError('InvalidArgument', { message: 'Part number must be an integer between 1 and 10000, inclusive', fields: { ArgumentName: 'partNumber', ArgumentValue: partNumberRaw } })
  }
  const { version } = c.ctx.services.objects.resolveVersion(bucket, c.target.key, q.has('versionId') ? q.get('versionId')! : null)
  const h = c.request.headers
  const head = c.request.method === 'HEAD'
  // An SSE-C read names the key the object was written with: never serve it as if it matched.
  refuseServerSideEncryption(h, { customer: true })

  const outcome = evaluateReadConditions(h, version.etag, version.createdAt)
  if (outcome === 'precondition-failed') throw new AppError('PreconditionFailed', { fields: { Condition: h.has('if-match') ? 'If-Match' : 'If-Unmodified-Since' } })
  if (outcome === 'not-modified') {
    const all = objectHeaders(version, { versioned: bucket.s3Versioning !== '' })
    const nm = new Headers()
    for (const k of ['etag', 'last-modified', 'x-amz-version-id', 'cache-control', 'expires']) {
      const v = all.get(k)
      if (v) nm.set(k, v)
    }
    return new Response(null, { status: 304, headers: nm })
  }

  const rangeHeader = h.get('range')
  let range: { start: number; end: number } | null = null
  let partsCount: number | null = null
  if (partNumberRaw !== undefined) {
    if (rangeHeader) throw new AppError('InvalidRequest', { message: 'Cannot specify both Range header and partNumber query parameter.' })
    const pr = c.ctx.services.objects.partRange(version, Number(partNumberRaw))
    partsCount = pr.count
    range = version.size === 0 ? null : { start: pr.start, end: pr.end }
  } else if (rangeHeader) {
    range = parseRange(rangeHeader, version.size)
  }

  const headers = objectHeaders(version, {
    versioned: bucket.s3Versioning !== '', query: q, checksumMode: h.get('x-amz-checksum-mode')?.toUpperCase() === 'ENABLED',
    partial: range !== null && partsCount === null,
  })
  if (partsCount !== null) headers.set('x-amz-mp-parts-count', String(partsCount))

  const status = range ? 206 : 200
  const length = range ? range.end - range.start + 1 : version.size
  if (range) headers.set('content-range', `bytes ${range.start}-${range.end}/${version.size}`)
  headers.set('content-length', String(length))
  if (head) return new Response(null, { status, headers })
  const body = await c.ctx.services.objects.openContent(version, range ?? undefined)
  return new Response(body, { status, headers })
}
