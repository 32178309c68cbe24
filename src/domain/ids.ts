import { randomBytes } from 'node:crypto'

const ALNUM_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Uniform random string over an alphabet (rejection sampling, no modulo bias). */
export function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length)
  let out = ''
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit) out += alphabet[b % alphabet.length]
      if (out.length === length) break
    }
  }
  return out
}

/** 128-bit random id, lowercase hex: blob ids, upload ids, session ids. */
export const newHexId = (bytes = 16): string => randomBytes(bytes).toString('hex')

/**
 * Time-ordered id (48-bit ms timestamp + 80 random bits, Crockford base32, 26 chars): sorts by
 * creation, so version ids and file ids list in creation order.
 */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
let lastTime = 0
let lastRandom: number[] = []
export function newUlid(now = Date.now()): string {
  let time = now
  if (time <= lastTime) {
    time = lastTime
    // Same millisecond: increment the random part so ids stay strictly increasing.
    for (let i = lastRandom.length - 1; i >= 0; i--) {
      if (lastRandom[i] < 31) { lastRandom[i]++; break }
      lastRandom[i] = 0
    }
  } else {
    lastRandom = Array.from(randomBytes(16), (b) => b & 31)
  }
  lastTime = time
  let t = ''
  for (let i = 0; i < 10; i++) { t = CROCKFORD[time % 32] + t; time = Math.floor(time / 32) }
  return t + lastRandom.map((v) => CROCKFORD[v]).join('')
}

/**
 * Multipart upload id: 48 lowercase hex digits, the first 12 a millisecond timestamp, the rest
 * random (143 bits). Ids of one process strictly increase, so upload-id order is initiation
 * order: ListMultipartUploads lists a key's uploads by id, and an upload-id-marker is a position
 * in that order even after its upload was completed or aborted.
 */
let lastUploadTime = -Infinity
let lastUploadRandom = 0n
export function newUploadId(now = Date.now()): string {
  if (now > lastUploadTime) {
    lastUploadTime = now
    // The top bit stays clear: room to count up within one millisecond without overflowing.
    lastUploadRandom = BigInt('0x' + randomBytes(18).toString('hex')) >> 1n
  } else {
    lastUploadRandom++
  }
  return lastUploadTime.toString(16).padStart(12, '0').slice(-12) + lastUploadRandom.toString(16).padStart(36, '0')
}

/** Access key id: "CS" + 18 upper-case alphanumerics = 20 characters, like AWS's AKIA… ids. */
export const newAccessKeyId = (): string => 'CS' + randomString(ALNUM_UPPER, 18)
/** Secret access key: 40 alphanumerics (~238 bits). */
export const newSecretKey = (): string => randomString(ALNUM, 40)

export const ACCESS_KEY_ID_RE = /^[A-Z0-9]{16,128}$/
export const SECRET_KEY_RE = /^[\x21-\x7e]{16,128}$/
