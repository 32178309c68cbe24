import { join } from 'node:path'
import type { SharpFn } from './sharp-loader'
/**
 * The one seam for image work. The appliance loads sharp lazily: if it cannot load (missing
 * native library, unsupported CPU), everything else still runs and the image endpoint answers
 * 503 with `reason`.
 */
export type ImageTransformer =
  | { available: true; version: string; sharp: SharpFn; selfTest(): Promise<number> }
  | { available: false; reason: string }

/** Where the compiled binary extracts sharp's native files: beside the data it serves. */
export const imageRuntimeDir = (dataDir: string) => join(dataDir, 'runtime')

let cached: Promise<ImageTransformer> | null = null

/** The first caller's `runtimeDir` wins: one process loads one copy of sharp. */
export function loadImageTransformer(runtimeDir: string): Promise<ImageTransformer> {
  return (cached ??= load(runtimeDir))
}

async function load(runtimeDir: string): Promise<ImageTransformer> {
  try {
    const { loadSharp } = await import('./sharp-loader')
    const sharp = await loadSharp(runtimeDir)
    return {
      available: true,
      version: sharp.versions.sharp ?? 'unknown',
      sharp,
      async selfTest() {
        const out = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 30 } } })
          .resize(16, 12).png().toBuffer()
        return out.length
      },
    }
  } catch (e) {
    return { available: false, reason: `the image library (sharp/libvips) failed to load: ${summarize(e)}` }
  }
}

/**
 * sharp's load error is a multi-line help text whose first line only says "Could not load the
 * sharp module"; the cause (e.g. a missing libstdc++.so.6) is on the following lines, before its
 * generic "Possible solutions" advice.
 */
function summarize(e: unknown): string {
  const lines = String((e as Error)?.message ?? e).split('\n').map((l) => l.trim()).filter(Boolean)
  const end = lines.findIndex((l) => l.startsWith('Possible solutions'))
  const text = lines.slice(0, end === -1 ? 2 : Math.min(end, 3)).join('; ')
  return text.length > 400 ? `${text.slice(0, 397)}...` : text
}
