/**
 * What the compiled binary carries of sharp: a tar.gz of a tiny node_modules tree (sharp's JS, its
 * JS dependencies, the platform's `.node` addon and libvips) that sharp-loader.ts extracts once
 * into the runtime cache. A native addon must be a real file for dlopen, and libvips must sit
 * where the addon's rpath expects it, so the files cannot be used from inside the executable.
 *
 * Running from source this returns null and sharp comes from node_modules; build.ts replaces this
 * module with a generated one (see sharpPlugin there). A function, not a constant, so TypeScript
 * does not narrow the type to `null` and drop the compiled branch.
 */
export interface EmbeddedSharp {
  /** sharp's version, e.g. `0.35.5`. */
  version: string
  /** `linux-x64` or `linux-arm64`: the platform the native files were built for. */
  platform: string
  /** Hash of the archive: names the cache directory, so a new build never reuses stale files. */
  key: string
  /** Path of the embedded tar.gz (inside the executable's virtual filesystem). */
  archive: string
  /** Every regular file of the archive with its size, to verify an extracted tree cheaply. */
  files: ReadonlyArray<{ path: string; size: number }>
}

export function embeddedSharp(): EmbeddedSharp | null {
  return null
}
