/**
 * Shared pieces of the reliability tests (research/reliability-anchors.md §4.1): seeded PRNG,
 * deterministic payloads per (key, attempt), hashing, and read-only inspection of a data dir
 * (blob files, temp files, the SQLite file) after the server has stopped.
 */
import { Database } from 'bun:sqlite'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { TestServer } from '../helpers/server'
import { until } from '../helpers/wait'
import { untilOutput } from '../helpers/output'

/** The run's seed: RELIABILITY_SEED=0x… replays a run; otherwise a fresh one (always printed). */
export function runSeed(): number {
  const env = process.env.RELIABILITY_SEED
  if (env) return Number(env) >>> 0
  return (Math.random() * 2 ** 32) >>> 0
}

export const hex = (n: number) => '0x' + (n >>> 0).toString(16)

/** mulberry32: small, fast, good enough to draw sizes, delays and bytes. */
export function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    range: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    u32: () => (next() * 4294967296) >>> 0,
  }
}

/** A 32-bit seed derived from the run seed and any labels (key, attempt, part …). */
export function derive(seed: number, ...labels: Array<string | number>): number {
  return Number(Bun.hash(`${seed}|${labels.join('|')}`) & 0xffffffffn)
}

/**
 * The bytes of one attempt: a readable header naming the key and attempt (so a torn or mixed
 * read can be traced to its sources), then PRNG bytes. Deterministic: the same labels give the
 * same bytes, so reads are checked against hashes without keeping copies.
 */
export function payload(seed: number, size: number, ...labels: Array<string | number>): Uint8Array {
  const out = new Uint8Array(size)
  const words = new Uint32Array(out.buffer, 0, size >>> 2)
  const r = prng(derive(seed, ...labels))
  for (let i = 0; i < words.length; i++) words[i] = r.u32()
  for (let i = words.length * 4; i < size; i++) out[i] = r.u32() & 0xff
  const head = new TextEncoder().encode(`<${labels.join('#')}>`)
  if (size >= head.length + 16) out.set(head, 0)
  return out
}

export const sha256 = (b: Uint8Array | string) => new Bun.CryptoHasher('sha256').update(b).digest('hex')
export const md5 = (b: Uint8Array | string) => new Bun.CryptoHasher('md5').update(b).digest('hex')

/** The readable header of a body (for failure messages). */
export const headOf = (b: Uint8Array) => {
  const s = new TextDecoder('latin1').decode(b.subarray(0, 80))
  const m = /^<[^>]*>/.exec(s)
  return m ? m[0] : `${b.length} B without header`
}

/** Blob ids of every file under <data>/blobs. */
export function blobFiles(dataDir: string): string[] {
  const root = join(dataDir, 'blobs')
  const ids: string[] = []
  if (!existsSync(root)) return ids
  for (const a of readdirSync(root)) for (const id of readdirSync(join(root, a))) ids.push(id)
  return ids
}

export const blobPath = (dataDir: string, id: string) => join(dataDir, 'blobs', id.slice(-2), id)

export function tmpFiles(dataDir: string): string[] {
  const dir = join(dataDir, 'tmp')
  return existsSync(dir) ? readdirSync(dir) : []
}

export interface DbSnapshot {
  integrity: string
  foreignKeyViolations: number
  blobs: Array<{ id: string; state: string; size: number; refcount: number }>
}

/** Opens cloudstorage.db read-only (server stopped) and reads what the invariants need. */
export function inspectDb(dataDir: string): DbSnapshot {
  const db = new Database(join(dataDir, 'cloudstorage.db'), { readonly: true })
  try {
    const integrity = (db.query('PRAGMA integrity_check').all() as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ')
    const foreignKeyViolations = db.query('PRAGMA foreign_key_check').all().length
    const blobs = db.query('SELECT id, state, size, refcount FROM blobs').all() as DbSnapshot['blobs']
    return { integrity, foreignKeyViolations, blobs }
  } finally {
    db.close()
  }
}

/**
 * I3 for a stopped server: every blob file has a row, every live row has its file with the
 * recorded size, and tmp/ is empty.
 */
export function checkBlobsAgree(dataDir: string) {
  const snap = inspectDb(dataDir)
  const files = new Set(blobFiles(dataDir))
  const rows = new Map(snap.blobs.map((b) => [b.id, b]))
  const orphans = [...files].filter((id) => !rows.has(id))
  const missing = snap.blobs.filter((b) => b.state === 'live' && !files.has(b.id)).map((b) => b.id)
  const wrongSize = snap.blobs.filter((b) => b.state === 'live' && files.has(b.id) && statSync(blobPath(dataDir, b.id)).size !== b.size).map((b) => b.id)
  return { snap, files: files.size, orphans, missing, wrongSize, tmp: tmpFiles(dataDir) }
}

/** Waits for a line in the server's output (a hang guard, not a performance limit). */
export async function waitForOutput(server: TestServer, re: RegExp, guardMs = 120_000): Promise<RegExpMatchArray> {
  return (await untilOutput(server, re, String(re), guardMs)).match(re)!
}

/** Polls until cond() holds (hang guard only). */
export const eventually = (what: string, cond: () => boolean | Promise<boolean>, guardMs = 120_000): Promise<boolean> => until(cond, what, guardMs)

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}

/** The 'recovery finished' fields of the server's startup log. */
export function recoveryReport(server: TestServer): { tempFilesRemoved: number; usageCorrected: string[] } | null {
  const m = server.output().match(/recovery finished tempFilesRemoved=(\d+) usageCorrected=(\[.*?\])/)
  return m ? { tempFilesRemoved: Number(m[1]), usageCorrected: JSON.parse(m[2]) } : null
}
