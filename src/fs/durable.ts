import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

/** fsync a directory, so the entries created, renamed or removed in it survive a power cut. */
export function fsyncDirSync(dir: string) {
  const fd = openSync(dir, 'r')
  try { fsyncSync(fd) } finally { closeSync(fd) }
}

/**
 * `mkdir -p` whose every new directory is durable: each one created is fsynced into its parent
 * before the next is made, so nothing created inside later (and acknowledged, or printed, such as
 * first-start credentials) can be lost with a directory entry a power cut dropped. Returns
 * whether anything was created. A path that exists but is not a directory fails with EEXIST, as
 * mkdir does.
 */
export function mkdirDurable(path: string, mode = 0o700): boolean {
  const missing: string[] = []
  for (let p = resolve(path); !existsSync(p); p = dirname(p)) {
    missing.push(p)
    if (dirname(p) === p) break
  }
  if (missing.length === 0) {
    if (!statSync(path).isDirectory()) throw Object.assign(new Error(`EEXIST: ${path} exists and is not a directory`), { code: 'EEXIST', path })
    return false
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir, { mode })
    } catch (e) {
      // Another process made it in between: it made it durable, or will before using it.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dir).isDirectory()) throw e
      continue
    }
    fsyncDirSync(dirname(dir))
  }
  return true
}

/**
 * Makes `names` below an existing `parent`, with one fsync of the parent for all of them (the
 * blob store's 256 fan-out directories would otherwise cost 256 fsyncs on a first start).
 */
export function mkdirChildrenDurable(parent: string, names: string[], mode = 0o700): boolean {
  let created = false
  for (const name of names) {
    try {
      mkdirSync(resolve(parent, name), { mode })
      created = true
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
  }
  if (created) fsyncDirSync(parent)
  return created
}

/**
 * Replaces `path` atomically and durably: a temp file beside it (mode `mode`), fsynced, renamed
 * over it, and the directory fsynced. Readers see the old or the new content, never a mix.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600) {
  const tmp = `${path}.${process.pid}.tmp`
  const fd = openSync(tmp, 'w', mode)
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data
    let off = 0
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off)
    fsyncSync(fd)
  } catch (e) {
    closeSync(fd)
    unlinkSync(tmp)
    throw e
  }
  closeSync(fd)
  renameSync(tmp, path)
  fsyncDirSync(dirname(path))
}
