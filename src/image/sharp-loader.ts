import type sharpDefault from 'sharp'

export type SharpFn = typeof sharpDefault

/** Loads sharp from node_modules (development). The compiled binary's build replaces this path. */
export async function loadSharp(_runtimeDir: string): Promise<SharpFn> {
  const mod = await import('sharp')
  return (mod.default ?? mod) as unknown as SharpFn
}
