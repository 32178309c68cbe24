import { chmodSync, closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs'
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fsyncDirSync } from '../fs/durable'

export class MasterKeyError extends Error {
  override name = 'MasterKeyError'
}

function decodeKey(text: string, where: string): Buffer {
  const buf = Buffer.from(text.trim(), 'base64')
  if (buf.length !== 32) throw new MasterKeyError(`${where} must hold a base64-encoded 32-byte key (got ${buf.length} bytes)`)
  return buf
}

/**
 * Loads the master key that encrypts stored secrets: from CLOUDSTORAGE_MASTER_KEY, from
 * --master-key-file, or from <data>/master.key (created with mode 0600 on first start).
 */
export function loadMasterKey(opts: { dataDir: string; masterKey: string | null; masterKeyFile: string | null; create: boolean }): Buffer {
  if (opts.masterKey) return decodeKey(opts.masterKey, 'CLOUDSTORAGE_MASTER_KEY')
  const path = opts.masterKeyFile ?? join(opts.dataDir, 'master.key')
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777
    if (mode & 0o077) throw new MasterKeyError(`${path} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`)
    return decodeKey(readFileSync(path, 'utf8'), path)
  }
  if (!opts.create) throw new MasterKeyError(`master key ${path} not found; start the server once to create it, or set CLOUDSTORAGE_MASTER_KEY`)
  const key = randomBytes(32)
  const fd = openSync(path, 'wx', 0o600)
  try {
    writeSync(fd, key.toString('base64') + '\n')
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  chmodSync(path, 0o600)
  // The key's directory entry must be durable before anything sealed with it is committed.
  fsyncDirSync(dirname(path))
  return key
}

/** AES-256-GCM envelope for secrets at rest: "v1:" + base64(iv | ciphertext | tag). */
export function sealSecret(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12)
  const c = createCipheriv('aes-256-gcm', key, iv)
  c.setAAD(Buffer.from(aad))
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()])
  return 'v1:' + Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64')
}

export function openSecret(key: Buffer, sealed: string, aad: string): string {
  if (!sealed.startsWith('v1:')) throw new MasterKeyError('unknown secret envelope version')
  const raw = Buffer.from(sealed.slice(3), 'base64')
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
  d.setAAD(Buffer.from(aad))
  d.setAuthTag(raw.subarray(raw.length - 16))
  try {
    return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8')
  } catch {
    throw new MasterKeyError('a stored secret cannot be decrypted: the master key does not match this database')
  }
}
