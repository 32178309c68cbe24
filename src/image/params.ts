import { AppError } from '../errors/app-error'

export const FITS = ['fit', 'fill', 'cover', 'contain', 'crop', 'pad'] as const
export const FORMATS = ['webp', 'avif', 'jpeg', 'png'] as const
export const GRAVITIES = ['ce', 'sm', 'no', 'so', 'ea', 'we'] as const
export type Fit = (typeof FITS)[number]
export type OutputFormat = (typeof FORMATS)[number]
export type Gravity = (typeof GRAVITIES)[number]

/** Validated, normalised transform parameters (the cache key is built from these). */
export interface ImageParams {
  w: number | null
  h: number | null
  fit: Fit
  format: OutputFormat | null
  q: number | null
  blur: number | null
  sharpen: number | null
  rotate: 0 | 90 | 180 | 270
  gravity: Gravity
  dpr: number
}

const bad = (name: string, why: string) => new AppError('ValidationError', { message: `Invalid image parameter ${name}: ${why}.` })

function num(q: URLSearchParams, name: string, min: number, max: number, integer: boolean): number | null {
  const raw = q.get(name)
  if (raw === null || raw === '') return null
  if (!/^\d+(\.\d+)?$/.test(raw)) throw bad(name, `'${raw}' is not a number`)
  const n = Number(raw)
  if (integer && !Number.isInteger(n)) throw bad(name, 'must be a whole number')
  if (n < min || n > max) throw bad(name, `must be between ${min} and ${max}`)
  return n
}

function oneOf<T extends string>(q: URLSearchParams, name: string, values: readonly T[], def: T | null): T | null {
  const raw = q.get(name)
  if (raw === null || raw === '') return def
  const v = raw.toLowerCase() as T
  if (!values.includes(v)) throw bad(name, `must be one of ${values.join(', ')}`)
  return v
}

const KNOWN = new Set(['w', 'h', 'fit', 'format', 'q', 'blur', 'sharpen', 'rotate', 'gravity', 'dpr'])

/** Parses the spec's parameters; unknown names and out-of-range values are a 400. */
export function parseImageParams(q: URLSearchParams, maxDim: number): ImageParams {
  for (const k of q.keys()) if (!KNOWN.has(k)) throw bad(k, `unknown parameter (known: ${[...KNOWN].join(', ')})`)
  const rotate = num(q, 'rotate', 0, 360, true) ?? 0
  if (![0, 90, 180, 270, 360].includes(rotate)) throw bad('rotate', 'must be 0, 90, 180 or 270')
  const p: ImageParams = {
    w: num(q, 'w', 1, maxDim, true),
    h: num(q, 'h', 1, maxDim, true),
    fit: oneOf(q, 'fit', FITS, 'fit')!,
    format: (() => {
      const f = q.get('format')?.toLowerCase()
      return f === 'jpg' ? 'jpeg' : oneOf(q, 'format', FORMATS, null)
    })(),
    q: num(q, 'q', 1, 100, true),
    blur: num(q, 'blur', 0.3, 100, false),
    sharpen: num(q, 'sharpen', 0.5, 10, false),
    rotate: (rotate % 360) as ImageParams['rotate'],
    gravity: oneOf(q, 'gravity', GRAVITIES, 'ce')!,
    dpr: num(q, 'dpr', 1, 3, false) ?? 1,
  }
  // Gravity only matters where something is cropped or placed: drop it elsewhere so equivalent
  // URLs share one cache entry.
  if (!['cover', 'crop', 'pad'].includes(p.fit) || p.w === null || p.h === null) p.gravity = 'ce'
  if (p.fit === 'pad' && p.gravity === 'sm') p.gravity = 'ce'
  return p
}

/** The output format: explicit, else negotiated from Accept (AVIF only for small outputs). */
export function negotiateFormat(p: ImageParams, accept: string, hasAlpha: boolean, outputLongSide: number): { format: OutputFormat; negotiated: boolean } {
  if (p.format) return { format: p.format, negotiated: false }
  const a = accept.toLowerCase()
  if (a.includes('image/avif') && outputLongSide <= 2048) return { format: 'avif', negotiated: true }
  if (a.includes('image/webp')) return { format: 'webp', negotiated: true }
  return { format: hasAlpha ? 'png' : 'jpeg', negotiated: true }
}

export const CONTENT_TYPES: Record<OutputFormat, string> = { webp: 'image/webp', avif: 'image/avif', jpeg: 'image/jpeg', png: 'image/png' }
