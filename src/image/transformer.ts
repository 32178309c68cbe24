import type { SharpFn } from './sharp-loader'
/**
 * The one seam for image work. The appliance loads sharp lazily: if it cannot load (missing
 * native library, unsupported CPU), everything else still runs and the image endpoint answers
 * 503 with `reason`.
 */
export type ImageTransformer =
  | { available: true; version: string; sharp: SharpFn; selfTest(): Promise<number> }
  | { available: false; reason: string }

let cached: Promise<ImageTransformer> | null = null

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
    return { available: false, reason: `the image library (sharp/libvips) failed to load: ${(e as Error).message.split('\n')[0]}` }
  }
}
