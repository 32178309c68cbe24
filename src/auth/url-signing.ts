import { createHmac, randomBytes } from 'node:crypto'
import { ensureSecretFile } from './secret-file'
import { signaturesEqual } from './sigv4'

const URL_SIGNING_KEY_FILE = 'url-signing.key'
const decode = (text: string) => Buffer.from(text, 'base64url')

/**
 * The server key that signs short-lived URLs (signed image URLs): 32 random bytes in the data
 * dir (mode 0600), created durably on first start like the admin token. It never leaves the
 * appliance; deleting the file invalidates every signed URL at the next start.
 */
export function ensureUrlSigningKey(dataDir: string): Buffer {
  // A truncated or hand-edited file: a weak key must not sign anything; a new one replaces it.
  return decode(ensureSecretFile(dataDir, URL_SIGNING_KEY_FILE, () => randomBytes(32).toString('base64url'), (text) => decode(text).length >= 32))
}

/**
 * What a signature covers: a purpose label, the resource's identity, every query parameter
 * (sorted, so their order in the URL does not matter) and the expiry. Parameters are encoded
 * so that no value can imitate a separator: a signature for one resource and parameter set
 * matches nothing else.
 */
export interface SignedSubject {
  purpose: string
  resource: string[]
  params: Record<string, string>
  /** Expiry, Unix seconds. */
  exp: number
}

function canonical(s: SignedSubject): string {
  const enc = encodeURIComponent
  const params = Object.keys(s.params).sort().map((k) => `${enc(k)}=${enc(s.params[k])}`).join('&')
  return ['cs-url-v1', enc(s.purpose), ...s.resource.map(enc), params, String(s.exp)].join('\n')
}

/** HMAC-SHA256 of the subject under the key, base64url. */
export function signUrl(key: Buffer, s: SignedSubject): string {
  return createHmac('sha256', key).update(canonical(s)).digest('base64url')
}

/** Whether `sig` signs the subject (constant-time); the caller checks expiry against its clock. */
export function urlSignatureValid(key: Buffer, s: SignedSubject, sig: string): boolean {
  return signaturesEqual(signUrl(key, s), sig)
}
