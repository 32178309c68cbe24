import { describe, test, expect, afterAll } from 'bun:test'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadMasterKey, MasterKeyError, openSecret, sealSecret } from '../../src/auth/master-key'

const root = mkdtempSync(join(tmpdir(), 'cs-mkey-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const dir = () => {
  const d = join(root, `d${n++}`)
  mkdirSync(d)
  return d
}

function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a throw')
}

describe('loadMasterKey', () => {
  test('creates <data>/master.key with mode 0600 holding 32 random bytes, and reads it back', () => {
    const d = dir()
    const key = loadMasterKey({ dataDir: d, masterKey: null, masterKeyFile: null, create: true })
    const path = join(d, 'master.key')
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(key.length).toBe(32)
    expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').equals(key)).toBe(true)
    expect(loadMasterKey({ dataDir: d, masterKey: null, masterKeyFile: null, create: true }).equals(key)).toBe(true)
  })

  test('0600 even under a permissive umask', () => {
    const old = process.umask(0)
    try {
      const d = dir()
      loadMasterKey({ dataDir: d, masterKey: null, masterKeyFile: null, create: true })
      expect(statSync(join(d, 'master.key')).mode & 0o777).toBe(0o600)
    } finally {
      process.umask(old)
    }
  })

  test('two data dirs get different keys', () => {
    const a = loadMasterKey({ dataDir: dir(), masterKey: null, masterKeyFile: null, create: true })
    const b = loadMasterKey({ dataDir: dir(), masterKey: null, masterKeyFile: null, create: true })
    expect(a.equals(b)).toBe(false)
  })

  test('CLOUDSTORAGE_MASTER_KEY wins and no file is created', () => {
    const d = dir()
    const k = randomBytes(32)
    expect(loadMasterKey({ dataDir: d, masterKey: k.toString('base64'), masterKeyFile: null, create: true }).equals(k)).toBe(true)
    expect(existsSync(join(d, 'master.key'))).toBe(false)
  })

  test('--master-key-file is created there (0600), not in the data dir', () => {
    const d = dir()
    const f = join(root, `elsewhere-${n++}.key`)
    const k = loadMasterKey({ dataDir: d, masterKey: null, masterKeyFile: f, create: true })
    expect(statSync(f).mode & 0o777).toBe(0o600)
    expect(existsSync(join(d, 'master.key'))).toBe(false)
    expect(loadMasterKey({ dataDir: d, masterKey: null, masterKeyFile: f, create: false }).equals(k)).toBe(true)
  })

  test.each([0o640, 0o604, 0o644, 0o660, 0o666, 0o700 | 0o040])('a key file with mode %o is refused', (mode) => {
    const d = dir()
    loadMasterKey({ dataDir: d, masterKey: null, masterKeyFile: null, create: true })
    const path = join(d, 'master.key')
    chmodSync(path, mode)
    const e = thrown(() => loadMasterKey({ dataDir: d, masterKey: null, masterKeyFile: null, create: true }))
    expect(e).toBeInstanceOf(MasterKeyError)
    expect(e.message).toBe(`${path} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`)
  })

  test('0400 (read-only for the owner) is fine', () => {
    const d = dir()
    const k = loadMasterKey({ dataDir: d, masterKey: null, masterKeyFile: null, create: true })
    chmodSync(join(d, 'master.key'), 0o400)
    expect(loadMasterKey({ dataDir: d, masterKey: null, masterKeyFile: null, create: true }).equals(k)).toBe(true)
  })

  test('malformed keys are refused with where they came from', () => {
    expect(thrown(() => loadMasterKey({ dataDir: dir(), masterKey: 'abc', masterKeyFile: null, create: true })).message).toBe('CLOUDSTORAGE_MASTER_KEY must hold a base64-encoded 32-byte key (got 2 bytes)')
    const d = dir()
    const f = join(d, 'master.key')
    writeFileSync(f, randomBytes(16).toString('base64'), { mode: 0o600 })
    expect(thrown(() => loadMasterKey({ dataDir: d, masterKey: null, masterKeyFile: null, create: true })).message).toBe(`${f} must hold a base64-encoded 32-byte key (got 16 bytes)`)
  })

  test('without create, a missing key file is an error naming the alternatives', () => {
    const d = dir()
    const e = thrown(() => loadMasterKey({ dataDir: d, masterKey: null, masterKeyFile: null, create: false }))
    expect(e.message).toBe(`master key ${join(d, 'master.key')} not found; start the server once to create it, or set CLOUDSTORAGE_MASTER_KEY`)
  })
})

describe('sealSecret / openSecret (AES-256-GCM, access key id as associated data)', () => {
  const key = randomBytes(32)
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'

  test('round trip; the sealed form carries no plaintext and differs each time (random IV)', () => {
    const a = sealSecret(key, secret, 'CSKEY')
    const b = sealSecret(key, secret, 'CSKEY')
    expect(a).toStartWith('v1:')
    expect(a).not.toBe(b)
    expect(a).not.toContain(secret)
    expect(Buffer.from(a.slice(3), 'base64').includes(Buffer.from(secret))).toBe(false)
    expect(openSecret(key, a, 'CSKEY')).toBe(secret)
    expect(openSecret(key, b, 'CSKEY')).toBe(secret)
  })

  test('a wrong key, a different access key id or a flipped bit fails closed', () => {
    const sealed = sealSecret(key, secret, 'CSKEY')
    expect(thrown(() => openSecret(randomBytes(32), sealed, 'CSKEY'))).toBeInstanceOf(MasterKeyError)
    // Swapping sealed secrets between rows is detected: the id is authenticated.
    expect(thrown(() => openSecret(key, sealed, 'CSOTHER'))).toBeInstanceOf(MasterKeyError)
    const raw = Buffer.from(sealed.slice(3), 'base64')
    raw[20] ^= 1
    expect(thrown(() => openSecret(key, 'v1:' + raw.toString('base64'), 'CSKEY'))).toBeInstanceOf(MasterKeyError)
    expect(thrown(() => openSecret(key, 'v9:' + sealed.slice(3), 'CSKEY')).message).toBe('unknown secret envelope version')
  })
})
