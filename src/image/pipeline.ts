import type { Sharp } from 'sharp'
import type { SharpFn } from './sharp-loader'
import type { Gravity, ImageParams, OutputFormat } from './params'

export interface ImageLimits {
  maxInputPixels: number
  maxOutputDimension: number
  timeoutSeconds: number
}

const POSITIONS: Record<Exclude<Gravity, 'sm'>, string> = { ce: 'centre', no: 'north', so: 'south', ea: 'east', we: 'west' }

/** Target box in output pixels: dpr applied, both sides scaled down together to the cap. */
export function targetBox(p: ImageParams, maxDim: number): { tw: number | null; th: number | null } {
  let tw = p.w === null ? null : Math.round(p.w * p.dpr)
  let th = p.h === null ? null : Math.round(p.h * p.dpr)
  const over = Math.max(tw ?? 0, th ?? 0) / maxDim
  if (over > 1) {
    tw = tw === null ? null : Math.max(1, Math.floor(tw / over))
    th = th === null ? null : Math.max(1, Math.floor(th / over))
  }
  return { tw, th }
}

/**
 * Builds the sharp pipeline in the documented order: auto-orient → rotate → resize per fit and
 * gravity → blur/sharpen → flatten for alpha-less formats → encode.
 * Fit names follow Cloudflare/CSS semantics (see README): fit = scale down only, contain = may
 * enlarge, cover = fill the box and crop, crop = cover without enlarging, pad = letterbox,
 * fill = stretch.
 */
export function buildPipeline(sharp: SharpFn, input: Uint8Array, meta: { width: number; height: number }, p: ImageParams, format: OutputFormat, limits: ImageLimits): Sharp {
  let img = sharp(input, { limitInputPixels: limits.maxInputPixels, failOn: 'error', animated: false })
    .timeout({ seconds: limits.timeoutSeconds })
    .autoOrient()
  if (p.rotate) img = img.rotate(p.rotate)
  const swap = p.rotate === 90 || p.rotate === 270
  const W = swap ? meta.height : meta.width
  const H = swap ? meta.width : meta.height
  const { tw, th } = targetBox(p, limits.maxOutputDimension)
  const position = p.gravity === 'sm' ? sharp.strategy.attention : POSITIONS[p.gravity]
  if (tw !== null || th !== null) {
    if (tw === null || th === null) {
      // One side given: proportional; fit and crop never enlarge.
      img = img.resize(tw ?? undefined, th ?? undefined, { fit: 'inside', withoutEnlargement: p.fit === 'fit' || p.fit === 'crop' })
    } else if (p.fit === 'fit') img = img.resize(tw, th, { fit: 'inside', withoutEnlargement: true })
    else if (p.fit === 'contain') img = img.resize(tw, th, { fit: 'inside' })
    else if (p.fit === 'cover') img = img.resize(tw, th, { fit: 'cover', position })
    else if (p.fit === 'fill') img = img.resize(tw, th, { fit: 'fill' })
    else if (p.fit === 'pad') {
      const alpha = format === 'png' || format === 'webp' || format === 'avif'
      img = img.resize(tw, th, { fit: 'contain', position: position === sharp.strategy.attention ? 'centre' : position, background: alpha ? { r: 0, g: 0, b: 0, alpha: 0 } : { r: 255, g: 255, b: 255, alpha: 1 } })
    } else {
      // crop: cover without enlarging; a small source gives the largest region of the box's aspect.
      if (W >= tw && H >= th) img = img.resize(tw, th, { fit: 'cover', position })
      else {
        const cw = Math.max(1, Math.floor(Math.min(W, (H * tw) / th)))
        const ch = Math.max(1, Math.floor((cw * th) / tw))
        img = img.resize(cw, ch, { fit: 'cover', position })
      }
    }
  } else if (Math.max(W, H) > limits.maxOutputDimension) {
    img = img.resize(limits.maxOutputDimension, limits.maxOutputDimension, { fit: 'inside' })
  }
  if (p.blur !== null) img = img.blur(p.blur)
  if (p.sharpen !== null) img = img.sharpen({ sigma: p.sharpen })
  if (format === 'jpeg') img = img.flatten({ background: '#ffffff' })
  const quality = p.q ?? undefined
  switch (format) {
    case 'jpeg': return img.jpeg({ quality: quality ?? 80 })
    case 'png': return img.png({ compressionLevel: 6 })
    case 'webp': return img.webp({ quality: quality ?? 80 })
    case 'avif': return img.avif({ quality: quality ? Math.max(1, quality - 20) : 50, effort: 3 })
  }
}
