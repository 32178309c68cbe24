import { readFileSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { fsyncDirSync, writeFileAtomic } from './durable'

/** `<data>/server.json`: how to reach the server that runs on this data dir (the TUI reads it). */
export const SERVER_FILE = 'server.json'

export interface ServerInfo {
  pid: number
  version: string
  s3Url: string
  httpUrl: string
  adminTokenPath: string
  /** ISO 8601. */
  startedAt: string
  /** The config file the server read (absolute path), or null; admin commands read it too. */
  config: string | null
}

/** Written (0600, atomically) once the server is ready; removed again on a clean stop. */
export function writeServerFile(dataDir: string, info: ServerInfo) {
  writeFileAtomic(join(dataDir, SERVER_FILE), JSON.stringify(info, null, 2) + '\n', 0o600)
}

export function removeServerFile(dataDir: string) {
  try {
    unlinkSync(join(dataDir, SERVER_FILE))
    fsyncDirSync(dataDir)
  } catch {
    // Already gone: nothing to do.
  }
}

/**
 * The server.json in `dataDir`, or null when there is none or it cannot be read. It may be left
 * over from a server that was killed: check `pid` before trusting the URLs.
 */
export function readServerFile(dataDir: string): ServerInfo | null {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, SERVER_FILE), 'utf8'))
    return info && typeof info === 'object' && typeof info.pid === 'number' ? (info as ServerInfo) : null
  } catch {
    return null
  }
}
