import { Database } from 'bun:sqlite'
import { join } from 'node:path'
import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3'
import { s3Fetch } from '../helpers/raw-s3'

export const VERSION_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/

/** Runs `fn` over `items` with at most `n` in flight; results in input order. */
export async function pool<T, R>(items: T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i], i)
    }
  }))
  return out
}

/**
 * Writes `perKey` versions of each key (one chain per key, keys in parallel) and returns each
 * key's S3 version ids oldest first. Version 0 is a PUT of `${k}#0`, every later version i a
 * server-side copy of the key onto itself with x-amz-meta-n: i (no bytes move, so about half
 * the cost of PUTs; plain signed requests, lighter than the SDK: this only builds fixtures).
 */
export async function buildVersionsByCopy(s3Url: string, bucket: string, keys: string[], perKey: number, concurrency = 16): Promise<Map<string, string[]>> {
  const ids = new Map<string, string[]>(keys.map((k) => [k, []]))
  let next = 0
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, async () => {
    while (next < keys.length) {
      const k = keys[next++]
      for (let i = 0; i < perKey; i++) {
        const r = i === 0
          ? await s3Fetch(s3Url, { method: 'PUT', bucket, key: k, body: `${k}#0`, headers: { 'x-amz-meta-n': '0' }, payloadHash: 'UNSIGNED-PAYLOAD' })
          : await s3Fetch(s3Url, { method: 'PUT', bucket, key: k, headers: { 'x-amz-copy-source': `/${bucket}/${k}`, 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-n': String(i) }, payloadHash: 'UNSIGNED-PAYLOAD' })
        if (r.status !== 200) throw new Error(`PUT ${k}: ${r.status} ${await r.text()}`)
        await r.arrayBuffer()
        ids.get(k)!.push(r.headers.get('x-amz-version-id')!)
      }
    }
  }))
  return ids
}

export interface VersionEntry {
  key: string
  versionId: string
  isLatest: boolean
  deleteMarker: boolean
  size?: number
}

/** Every entry of ListObjectVersions under `prefix`, following the markers; also the page count. */
export async function listAllVersions(s3: S3Client, bucket: string, opts: { prefix?: string; maxKeys?: number } = {}) {
  const entries: VersionEntry[] = []
  let keyMarker: string | undefined
  let versionIdMarker: string | undefined
  let pages = 0
  for (;;) {
    const r = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: opts.prefix, MaxKeys: opts.maxKeys, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }))
    pages++
    // The SDK splits a page into Versions and DeleteMarkers (each in wire order).
    entries.push(...(r.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId!, isLatest: !!v.IsLatest, deleteMarker: false, size: v.Size })))
    entries.push(...(r.DeleteMarkers ?? []).map((m) => ({ key: m.Key!, versionId: m.VersionId!, isLatest: !!m.IsLatest, deleteMarker: true })))
    if (!r.IsTruncated) break
    keyMarker = r.NextKeyMarker
    versionIdMarker = r.NextVersionIdMarker
    if (!keyMarker) throw new Error('truncated page without NextKeyMarker')
  }
  return { entries, pages }
}

/** Reads the outbox of a server's data dir (read-only). */
export function readEvents(dataDir: string): Array<{ id: number; type: string; accountId: string | null; payload: any }> {
  const db = new Database(join(dataDir, 'cloudstorage.db'), { readonly: true })
  try {
    const rows = db.query('SELECT id, type, account_id AS accountId, payload_json AS payloadJson FROM events ORDER BY id').all() as Array<{ id: number; type: string; accountId: string | null; payloadJson: string }>
    return rows.map((r) => ({ id: r.id, type: r.type, accountId: r.accountId, payload: JSON.parse(r.payloadJson) }))
  } finally {
    db.close()
  }
}

/** Reads any query against a server's database (read-only). */
export function queryDb<T = any>(dataDir: string, sql: string, ...params: any[]): T[] {
  const db = new Database(join(dataDir, 'cloudstorage.db'), { readonly: true })
  try {
    return db.query(sql).all(...params) as T[]
  } finally {
    db.close()
  }
}
