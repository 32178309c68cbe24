import { closeSync, fsyncSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type sharpDefault from 'sharp'
import { embeddedSharp, type EmbeddedSharp } from './sharp-embedded'
import { mkdirDurable } from '../fs/durable'

export type SharpFn = typeof sharpDefault

/**
 * Loads sharp. From source it comes from node_modules. In the compiled binary the embedded tree is
 * extracted into `runtimeDir` (once per build) and sharp is imported from there, so its own
 * resolution (`@img/sharp-<platform>/sharp.node`, then libvips through the addon's
 * `$ORIGIN/../../sharp-libvips-<platform>/lib` rpath) runs unmodified, exactly as in development.
 *
 * Only this module may import sharp: build.ts keeps sharp out of the bundle and fails the build
 * if anything else imports it, because a static import would crash the binary at startup.
 */
export async function loadSharp(runtimeDir: string): Promise<SharpFn> {
  const embedded = embeddedSharp()
  const mod = embedded
    ? await import(Bun.resolveSync('sharp', await extractSharp(embedded, runtimeDir))).catch(explainDlopen)
    : await import('sharp')
  return (mod.default ?? mod) as unknown as SharpFn
}

/** A NAS data volume mounted noexec is the usual cause of this dlopen error; say so. */
function explainDlopen(e: unknown): never {
  const err = e as Error
  if (/failed to map segment/.test(err?.message ?? '')) {
    err.message = `${err.message} (is the data directory on a filesystem mounted noexec?)`
  }
  throw err
}

/**
 * Extracts the embedded tree into `<runtimeDir>/sharp-<version>-<platform>-<key>/` unless a
 * complete copy is already there, and returns that directory. Extraction goes to a temp dir that
 * is renamed into place, so a crash or a concurrent process never leaves a half-written tree
 * under the final name; a tree whose files do not have the expected sizes (e.g. truncated by a
 * power loss) is replaced.
 */
export async function extractSharp(e: EmbeddedSharp, runtimeDir: string): Promise<string> {
  const name = `sharp-${e.version}-${e.platform}-${e.key}`
  const dir = join(runtimeDir, name)
  if (isComplete(dir, e)) return dir

  mkdirDurable(runtimeDir)
  const tmp = mkdtempSync(join(runtimeDir, `.${name}.tmp-`))
  try {
    await new Bun.Archive(await Bun.file(e.archive).bytes()).extract(tmp)
    if (!isComplete(tmp, e)) throw new Error(`the embedded image library archive does not match its file list`)
    for (const f of e.files) syncFile(join(tmp, f.path))
    try {
      renameSync(tmp, dir)
    } catch (err) {
      // Another process renamed its copy first: use it if whole, else replace it with ours.
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err
      if (!isComplete(dir, e)) {
        rmSync(dir, { recursive: true, force: true })
        renameSync(tmp, dir)
      }
    }
    syncFile(runtimeDir)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  removeStale(runtimeDir, name)
  return dir
}

function isComplete(dir: string, e: EmbeddedSharp): boolean {
  try {
    return e.files.every((f) => statSync(join(dir, f.path)).size === f.size)
  } catch {
    return false
  }
}

function syncFile(path: string) {
  const fd = openSync(path, 'r')
  try { fsyncSync(fd) } finally { closeSync(fd) }
}

/** An hour is far longer than any extraction takes, so an older temp dir is a crash's leftover. */
const STALE_TMP_MS = 60 * 60 * 1000

/**
 * Trees of other versions are left behind by upgrades (≈20 MB each). Deleting one that an old
 * process still has mapped is safe on Linux: the inode lives until it is unmapped.
 */
function removeStale(runtimeDir: string, keep: string) {
  for (const entry of readdirSync(runtimeDir)) {
    const path = join(runtimeDir, entry)
    try {
      if (entry.startsWith('sharp-') && entry !== keep) rmSync(path, { recursive: true, force: true })
      else if (entry.startsWith('.sharp-') && entry.includes('.tmp-') && Date.now() - statSync(path).mtimeMs > STALE_TMP_MS) {
        rmSync(path, { recursive: true, force: true })
      }
    } catch {
      // Cleanup is best effort: a leftover directory costs disk space, never correctness.
    }
  }
}

