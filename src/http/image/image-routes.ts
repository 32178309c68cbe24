import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import { FITS, FORMATS, GRAVITIES, parseImageParams } from '../../image/params'
import { accountPrincipal, anonymousPrincipal } from '../../services/access/access'
import type { BucketRow } from '../../services/rows'
import { checkApiKey } from '../../domain/object-key'
import { signUrl, urlSignatureValid, type SignedSubject } from '../../auth/url-signing'
import type { ApiCall, ApiPlugin } from '../api/route'
import { publicHttpUrl } from '../common/public-urls'
import { Binary, int, iso, obj, opt, query } from '../api/schemas'

/** The query parameters of a signed image URL that are not transform parameters. */
const SIGNATURE_PARAMS = ['exp', 'sig']
const DEFAULT_SIGNED_SECONDS = 3600
const MAX_SIGNED_SECONDS = 7 * 24 * 3600

/**
 * What an image URL's signature covers: the bucket by id as well as by name (a bucket deleted
 * and re-created under the same name, perhaps by another account, is another resource), the
 * key, every transform parameter and the expiry.
 */
const imageSubject = (bucket: BucketRow, key: string, params: Record<string, string>, exp: number): SignedSubject =>
  ({ purpose: 'image', resource: [bucket.id, bucket.name, key], params, exp })

/** /api/img/{bucket}/{key}: each part percent-encoded, the key's slashes kept. */
const imagePath = (bucket: string, key: string) => `/api/img/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`

/**
 * A signed URL stands in for the owner's credentials: valid signature (constant-time), not
 * expired by the appliance's clock, the owner still active. Anything else is 403, with the
 * same answer whether the signature or the resource was wrong. Returns the transform parameters
 * the signature covers: those, and only those, are what the image is rendered with (a parameter
 * repeated in the URL cannot put another value past the check).
 */
function checkSignedUrl(call: ApiCall, signingKey: Buffer, bucketName: string, key: string): { bucket: BucketRow; params: Record<string, string>; exp: number } {
  const { ctx, url } = call
  const expText = url.searchParams.get('exp') ?? ''
  const sig = url.searchParams.get('sig') ?? ''
  if (!/^\d{1,12}$/.test(expText) || !sig) throw new AppError('AccessDenied', { message: 'A signed image URL needs both exp and sig.' })
  const exp = Number(expText)
  const params: Record<string, string> = {}
  for (const [k, v] of url.searchParams) if (!SIGNATURE_PARAMS.includes(k)) params[k] = v
  const bucket = ctx.services.buckets.find(bucketName)
  const denied = new AppError('AccessDenied', { message: 'The image URL signature is not valid for this image and these parameters.' })
  if (!bucket || !urlSignatureValid(signingKey, imageSubject(bucket, key, params, exp), sig)) throw denied
  if (exp * 1000 <= ctx.now()) throw new AppError('AccessDenied', { message: 'The signed image URL has expired.' })
  if (ctx.services.accounts.find(bucket.accountId)?.status !== 'active') throw denied
  return { bucket, params, exp }
}

/**
 * GET /api/img/{bucket}/{key}?w=&h=&fit=&format=&q=&blur=&sharpen=&rotate=&gravity=&dpr=
 * Public-read buckets serve anyone (for <img> tags); private ones only their owner's
 * credentials or a signed URL (`&exp=&sig=`, from POST /api/img/sign). Authorisation happens
 * before any cache lookup.
 */
async function serveImage(call: ApiCall, signingKey: Buffer): Promise<Response> {
  const { ctx, request, url } = call
  const raw = url.pathname.slice('/api/img/'.length)
  const slash = raw.indexOf('/')
  if (slash <= 0 || slash === raw.length - 1) throw new AppError('ValidationError', { message: 'Use /api/img/{bucket}/{path}.' })
  let bucketName: string
  let key: string
  try {
    bucketName = decodeURIComponent(raw.slice(0, slash))
    key = decodeURIComponent(raw.slice(slash + 1))
  } catch {
    throw new AppError('ValidationError', { message: 'The image path is not correctly percent-encoded.' })
  }
  checkApiKey(key)
  let bucket: BucketRow
  let transform: URLSearchParams
  // A private bucket's answer is cached for an hour; a signed URL's no longer than it is valid.
  let privateMaxAge = 3600
  if (url.searchParams.has('sig') || url.searchParams.has('exp')) {
    const s = checkSignedUrl(call, signingKey, bucketName, key)
    bucket = s.bucket
    transform = new URLSearchParams(s.params)
    privateMaxAge = Math.max(0, Math.min(privateMaxAge, Math.floor(s.exp - ctx.now() / 1000)))
  } else {
    const who = call.principal ? accountPrincipal(call.principal.accountId, call.principal.isAdmin) : anonymousPrincipal(call.ip)
    bucket = ctx.services.access.bucket(who, bucketName, { publicRead: true, deniedMessage: 'This bucket is not public: make it public-read, send the owner\'s credentials or use a signed URL.' })
    transform = url.searchParams
  }
  const params = parseImageParams(transform, ctx.config.image.maxOutputDimension)
  const { version } = ctx.services.objects.resolveVersion(bucket, key, null)
  const r = await ctx.services.images.transform({ bucket, key, version, params, accept: request.headers.get('accept') ?? '' })
  const headers: Record<string, string> = {
    'content-type': r.contentType,
    etag: r.etag,
    'last-modified': new Date(version.createdAt).toUTCString(),
    'cache-control': bucket.publicRead ? 'public, max-age=604800' : `private, max-age=${privateMaxAge}`,
    'x-content-type-options': 'nosniff',
    'content-disposition': `inline; filename*=UTF-8''${encodeURIComponent((key.split('/').pop() || 'image').replace(/\.[^.]*$/, ''))}.${r.format === 'jpeg' ? 'jpg' : r.format}`,
  }
  if (r.negotiated) headers.vary = 'Accept'
  const inm = request.headers.get('if-none-match')
  if (inm && inm.split(',').some((t) => t.trim() === r.etag)) return new Response(null, { status: 304, headers })
  // Bun sends a file body with its length, but the Response itself carries no Content-Length,
  // which is what the request log and the byte metrics read (they showed out=0).
  const file = Bun.file(r.path)
  headers['content-length'] = String(file.size)
  return new Response(file, { headers })
}

/** Declared for the documentation; parseImageParams checks them (its messages name the rule broken). */
const param = (description: string) => opt(t.String({ description }))

const ImageParamsBody = obj({
  w: opt(int({ minimum: 1 })), h: opt(int({ minimum: 1 })), fit: opt(t.String()), format: opt(t.String()), q: opt(int()),
  blur: opt(t.Number()), sharpen: opt(t.Number()), rotate: opt(int()), gravity: opt(t.String()), dpr: opt(t.Number()),
}, 'Transform parameters, as in GET /api/img')
const expiresIn = opt(int({ minimum: 1, maximum: MAX_SIGNED_SECONDS, description: `Seconds the URL stays valid (default ${DEFAULT_SIGNED_SECONDS}, at most 7 days)`, error: `expiresIn must be an integer from 1 to ${MAX_SIGNED_SECONDS}.` }))
const SignedUrl = { url: t.String({ description: 'Absolute URL on this HTTP port' }), path: t.String({ description: 'The same URL without scheme and host' }) }

/**
 * Signs image URLs of a bucket the caller owns, for the transform parameters given (checked as
 * GET /api/img checks them, so a bad one fails here). The object need not exist yet.
 */
function signer(call: ApiCall, signingKey: Buffer, bucketName: string, body: { params?: Record<string, unknown>; expiresIn?: number }) {
  const { ctx } = call
  const p = call.who()
  const bucket = ctx.services.access.bucket(accountPrincipal(p.accountId, p.isAdmin), bucketName)
  const params: Record<string, string> = {}
  for (const [k, v] of Object.entries(body.params ?? {})) if (v !== undefined) params[k] = String(v)
  parseImageParams(new URLSearchParams(params), ctx.config.image.maxOutputDimension)
  const exp = Math.floor(ctx.now() / 1000) + (body.expiresIn ?? DEFAULT_SIGNED_SECONDS)
  const origin = publicHttpUrl(ctx, call.request)
  return {
    expiresAt: new Date(exp * 1000).toISOString(),
    sign(key: string) {
      checkApiKey(key)
      const sig = signUrl(signingKey, imageSubject(bucket, key, params, exp))
      const path = `${imagePath(bucket.name, key)}?${new URLSearchParams({ ...params, exp: String(exp), sig })}`
      return { url: origin + path, path }
    },
  }
}

const tags = ['Images']

export function imageRoutes(_ctx: SurfaceContext, api: ApiPlugin, signingKey: Buffer) {
  return new Elysia().use(api)
    .post('/api/img/sign', ({ call, body }) => {
      const s = signer(call, signingKey, body.bucket, body)
      return { ...s.sign(body.key), expiresAt: s.expiresAt }
    }, {
      api: { surface: 'image', operation: 'SignImageUrl', auth: 'dashboard', json: true },
      body: obj({ bucket: t.String(), key: t.String(), params: opt(ImageParamsBody), expiresIn }),
      response: { 200: obj({ ...SignedUrl, expiresAt: iso() }) },
      detail: { summary: 'A short-lived signed image URL for a file of your bucket: works in <img src> without credentials, for this file and these parameters only', tags },
    })
    .post('/api/img/sign-batch', ({ call, body }) => {
      const s = signer(call, signingKey, body.bucket, body)
      return { urls: body.keys.map((key) => ({ key, ...s.sign(key) })), expiresAt: s.expiresAt }
    }, {
      api: { surface: 'image', operation: 'SignImageUrls', auth: 'dashboard', json: true },
      body: obj({ bucket: t.String(), keys: t.Array(t.String(), { minItems: 1, maxItems: 1000, error: 'keys must list 1 to 1000 files.' }), params: opt(ImageParamsBody), expiresIn }),
      response: { 200: obj({ urls: t.Array(obj({ key: t.String(), ...SignedUrl })), expiresAt: iso() }) },
      detail: { summary: 'Signed image URLs for many files of one bucket at once (thumbnails of a listing page: one call)', tags },
    })
    .get('/api/img/*', ({ call }) => serveImage(call, signingKey), {
      api: { surface: 'image', operation: 'TransformImage', auth: 'optional' },
      params: t.Object({ '*': t.String({ description: '{bucket}/{key}, each percent-encoded' }) }),
      query: query({
        w: param('Width in pixels, 1 to the configured maximum'), h: param('Height in pixels, 1 to the configured maximum'),
        fit: param(`One of ${FITS.join(', ')} (default fit)`), format: param(`One of ${FORMATS.join(', ')}, jpg; default: negotiated from Accept`),
        q: param('Quality 1-100'), blur: param('Gaussian blur sigma 0.3-100'), sharpen: param('Sharpen sigma 0.5-10'),
        rotate: param('0, 90, 180 or 270'), gravity: param(`Crop anchor: one of ${GRAVITIES.join(', ')} (default ce)`), dpr: param('Device pixel ratio 1-3'),
        exp: param('Signed URLs: expiry (Unix seconds)'), sig: param('Signed URLs: the signature'),
      }),
      response: { 200: Binary, 304: t.Null({ description: 'Not modified (If-None-Match)' }) },
      detail: { summary: "Transform an image: public-read buckets for anyone, private ones with the owner's credentials or a signed URL (&exp=&sig=)", tags },
    })
}
