import { createHash } from 'node:crypto'
import { readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { availableParallelism } from 'node:os'
import { AppError } from '../../errors/app-error'
import type { BucketRow } from '../../db/repos/buckets'
import type { VersionRow } from '../../db/repos/objects'
import { iterateStream } from '../../blob/streams'
import { loadImageTransformer, imageRuntimeDir } from '../../image/transformer'
import { CONTENT_TYPES, negotiateFormat, type ImageParams, type OutputFormat } from '../../image/params'
import { buildPipeline, targetBox } from '../../image/pipeline'
import { Semaphore } from '../../limits/semaphore'
import { newHexId } from '../../domain/ids'
import { mkdirDurable } from '../../fs/durable'
import type { Deps } from '../deps'
import { openContent } from '../objects/read'

/** Bump when the pipeline's output changes, so old cached renditions are not reused. */
const PIPELINE_VERSION = 1
const ALLOWED_INPUTS = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff'])
/** Renditions kept on disk (LRU by access time beyond this). */
const CACHE_MAX_BYTES = 1024 ** 3

export interface Rendition {
  path: string
  contentType: string
  format: OutputFormat
  etag: string
  negotiated: boolean
}

/**
 * Image transforms behind the transformer seam: limits before decoding, a disk cache of
 * renditions keyed by (source version, normalised parameters, resolved format), single-flight
 * for concurrent misses, and a bounded number of concurrent transforms (503 beyond the queue).
 */
export function imagesService(d: Deps) {
  const cacheDir = join(d.config.dataDir, 'cache', 'images')
  const workers = new Semaphore(Math.max(1, availableParallelism()))
  const maxQueued = 4 * Math.max(1, availableParallelism())
  let queued = 0
  const inflight = new Map<string, Promise<Rendition>>()

  async function transformer() {
    const t = await loadImageTransformer(imageRuntimeDir(d.config.dataDir))
    if (!t.available) throw new AppError('ImageUnavailable', { message: `Image transformations are unavailable: ${t.reason}` })
    return t
  }

  async function readSource(v: VersionRow): Promise<Buffer> {
    const body = await openContent(d, v)
    if (body instanceof Blob) return Buffer.from(await body.arrayBuffer())
    const parts: Uint8Array[] = []
    for await (const c of iterateStream(body)) parts.push(c)
    return Buffer.concat(parts)
  }

  async function render(cachePath: string, input: Buffer, meta: { width: number; height: number }, p: ImageParams, format: OutputFormat) {
    const t = await transformer()
    const out = await buildPipeline(t.sharp, input, meta, p, format, d.config.image).toBuffer()
    // Directories are made durable like every other the appliance creates; a rendition itself
    // needs atomicity, not durability: a lost one is simply rendered again.
    mkdirDurable(join(cachePath, '..'))
    const tmp = `${cachePath}.${newHexId(4)}.tmp`
    await Bun.write(tmp, out)
    renameSync(tmp, cachePath)
  }

  return {
    async transform(input: { bucket: BucketRow; key: string; version: VersionRow; params: ImageParams; accept: string }): Promise<Rendition> {
      const { version: v, params: p } = input
      const t = await transformer()
      if (v.size > d.config.image.maxInputBytes) throw new AppError('ImageTooLarge', { message: `The source image is ${v.size} bytes; the limit is ${d.config.image.maxInputBytes}.` })
      if (queued >= maxQueued) throw new AppError('ImageBusy', { headers: { 'retry-after': '1' } })
      queued++
      try {
        return await workers.run(async () => {
          const source = await readSource(v)
          let meta: Awaited<ReturnType<ReturnType<typeof t.sharp>['metadata']>>
          try {
            meta = await t.sharp(source, { limitInputPixels: false }).metadata()
          } catch {
            throw new AppError('UnsupportedImage')
          }
          if (!meta.format || !ALLOWED_INPUTS.has(meta.format)) throw new AppError('UnsupportedImage', { message: `Cannot transform ${meta.format ?? 'unknown'} files.` })
          const width = meta.autoOrient?.width ?? meta.width ?? 0
          const height = meta.autoOrient?.height ?? meta.height ?? 0
          if (width * height * (meta.pages ?? 1) > d.config.image.maxInputPixels) {
            throw new AppError('ImageTooLarge', { message: `The source image has ${width}x${height} pixels; the limit is ${d.config.image.maxInputPixels} pixels.` })
          }
          const box = targetBox(p, d.config.image.maxOutputDimension)
          const { format, negotiated } = negotiateFormat(p, input.accept, !!meta.hasAlpha, Math.max(box.tw ?? width, box.th ?? height))
          const key = createHash('sha256').update(JSON.stringify([PIPELINE_VERSION, t.version, v.id, p, format])).digest('hex')
          const path = join(cacheDir, key.slice(0, 2), key)
          const rendition: Rendition = { path, contentType: CONTENT_TYPES[format], format, etag: `"${key.slice(0, 32)}"`, negotiated }
          const fresh = (() => {
            try { return Date.now() - statSync(path).mtimeMs < d.config.image.cacheDays * 86_400_000 } catch { return false }
          })()
          if (fresh) return rendition
          let job = inflight.get(key)
          if (!job) {
            job = render(path, source, { width: meta.width ?? width, height: meta.height ?? height }, p, format)
              .then(() => rendition)
              .catch((e) => {
                if ((e as Error).message?.includes('timeout')) throw new AppError('ImageTooLarge', { message: 'The transformation took too long.' })
                throw e instanceof AppError ? e : new AppError('UnsupportedImage', { message: `The image could not be decoded: ${(e as Error).message}` })
              })
              .finally(() => inflight.delete(key))
            inflight.set(key, job)
          }
          return job
        })
      } finally {
        queued--
      }
    },

    /** Drops renditions past the cache age and, beyond the size cap, the least recently used. */
    sweepCache(): number {
      let files: Array<{ path: string; size: number; atime: number; mtime: number }> = []
      try {
        for (const a of readdirSync(cacheDir)) for (const f of readdirSync(join(cacheDir, a))) {
          const path = join(cacheDir, a, f)
          const st = statSync(path)
          files.push({ path, size: st.size, atime: st.atimeMs, mtime: st.mtimeMs })
        }
      } catch {
        return 0
      }
      let removed = 0
      const maxAge = d.config.image.cacheDays * 86_400_000
      const now = Date.now()
      files = files.filter((f) => {
        if (now - f.mtime < maxAge && !f.path.endsWith('.tmp')) return true
        rmSync(f.path, { force: true })
        removed++
        return false
      })
      let total = files.reduce((n, f) => n + f.size, 0)
      for (const f of files.sort((a, b) => a.atime - b.atime)) {
        if (total <= CACHE_MAX_BYTES) break
        rmSync(f.path, { force: true })
        total -= f.size
        removed++
      }
      return removed
    },
  }
}
export type ImagesService = ReturnType<typeof imagesService>
