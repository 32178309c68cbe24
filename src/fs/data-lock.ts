import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { StartupError } from '../errors/startup-error'

/** The lock file `serve` holds for as long as it runs; it records the holder's pid. */
export const LOCK_FILE = 'cloudstorage.lock'

const LOCK_EX = 2
const LOCK_NB = 4
const EWOULDBLOCK = 11

interface Libc {
  flock(fd: number, op: number): number
  errno(): number
}

let libc: Libc | null = null

/**
 * flock(2) through bun:ffi (neither Node nor Bun expose it). A flock belongs to the open file, so
 * the kernel drops it when the process dies in any way, kill -9 included: no stale lock to clear.
 */
async function loadLibc(): Promise<Libc> {
  if (libc) return libc
  const { dlopen, FFIType, read } = await import('bun:ffi')
  let lastError: unknown
  for (const name of ['libc.so.6', 'libc.so', `libc.musl-${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}.so.1`]) {
    try {
      const lib = dlopen(name, {
        flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
        __errno_location: { args: [], returns: FFIType.ptr },
      })
      const errnoAt = lib.symbols.__errno_location
      libc = { flock: (fd, op) => lib.symbols.flock(fd, op), errno: () => read.i32(errnoAt()!, 0) }
      return libc
    } catch (e) {
      lastError = e
    }
  }
  throw new StartupError(`cannot lock the data directory: the C library cannot be loaded (${(lastError as Error)?.message ?? lastError})`)
}

export interface DataDirLock {
  readonly path: string
  /** Removes the lock file and drops the lock (clean stop, or a start that failed). */
  release(): void
}

/** The pid the holder wrote into the lock file; it writes it right after locking, so wait briefly. */
async function holderPid(path: string): Promise<string | null> {
  for (let i = 0; i < 40; i++) {
    try {
      const pid = readFileSync(path, 'utf8').trim()
      if (/^\d+$/.test(pid)) return pid
    } catch {
      // Removed by a holder that just stopped: nothing to name.
    }
    await Bun.sleep(25)
  }
  return null
}

/**
 * Takes the data dir's exclusive lock, which the dir must already exist for. A second server on
 * the same dir fails here, before it opens or creates anything else there (it only opens the
 * existing lock file), with one line naming the holder's pid.
 *
 * The file is removed on release, so after locking we check that the path still names the file we
 * locked: a holder that released between our open and our flock leaves us an unlinked inode, and
 * a third process would lock a new file. Then we try again on the new one.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const { flock, errno } = await loadLibc()
  const path = join(dataDir, LOCK_FILE)
  for (let attempt = 0; ; attempt++) {
    let fd: number
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600)
    } catch (e) {
      throw new StartupError(`cannot lock the data directory: ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
    if (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
      const err = errno()
      closeSync(fd)
      if (err !== EWOULDBLOCK) throw new StartupError(`cannot lock the data directory: flock(${path}) failed (errno ${err})`)
      const pid = await holderPid(path)
      throw new StartupError(`data directory ${dataDir} is in use by another cloudstorage server (pid ${pid ?? 'unknown'}); stop it first, or use another --data`, 'DataDirInUse')
    }
    let same = false
    try {
      same = statSync(path).ino === fstatSync(fd).ino
    } catch {
      // Unlinked meanwhile.
    }
    if (!same) {
      closeSync(fd)
      if (attempt >= 10) throw new StartupError(`cannot lock the data directory: ${path} keeps being replaced`)
      continue
    }
    ftruncateSync(fd, 0)
    writeSync(fd, `${process.pid}\n`, 0)
    let released = false
    return {
      path,
      release() {
        if (released) return
        released = true
        // Unlinked while still locked, so no other server can have locked this inode meanwhile.
        try { unlinkSync(path) } catch { /* already gone */ }
        closeSync(fd)
      },
    }
  }
}
