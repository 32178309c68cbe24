import { AppError } from '../errors/app-error'

/**
 * A single `Range: bytes=…` against an object of `size` bytes, as S3 serves it: first-last,
 * first- and -suffix forms; unsatisfiable → 416 InvalidRange; anything S3 ignores (multiple
 * ranges, other units, malformed) → null, i.e. the whole object.
 */
export function parseRange(header: string, size: number): { start: number; end: number } | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return null
  let start: number
  let end: number
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0) throw unsatisfiable(size)
    start = Math.max(0, size - suffix)
    end = size - 1
  } else {
    start = Number(m[1])
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
    if (m[2] !== '' && Number(m[2]) < start) return null
  }
  if (start >= size || size === 0) throw unsatisfiable(size)
  return { start, end }
}

const unsatisfiable = (size: number) =>
  new AppError('InvalidRange', { fields: { RangeRequested: 'bytes', ActualObjectSize: size }, headers: { 'content-range': `bytes */${size}` } })
