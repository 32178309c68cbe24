import type { SurfaceContext } from '../context'
import { signaturesEqual } from '../../auth/sigv4'

/**
 * Resolves `X-API-Key: ACCESS:SECRET` or `Authorization: Bearer ACCESS:SECRET` (the REST API's
 * credentials) to the key's account; null when absent or wrong. Constant-time secret check.
 */
export function accountFromApiKey(ctx: SurfaceContext, headers: Headers): { accountId: string; accessKeyId: string } | null {
  let token = headers.get('x-api-key')
  if (!token) {
    const auth = headers.get('authorization')
    if (auth && /^bearer\s+/i.test(auth)) token = auth.replace(/^bearer\s+/i, '').trim()
  }
  if (!token) return null
  const i = token.indexOf(':')
  if (i <= 0) return null
  const accessKeyId = token.slice(0, i)
  const secret = token.slice(i + 1)
  const key = ctx.services.keys.resolve(accessKeyId)
  if (!key) return null
  const a = Buffer.from(key.secret)
  const b = Buffer.from(secret)
  if (a.length !== b.length || !signaturesEqual(key.secret, secret)) return null
  return { accountId: key.accountId, accessKeyId }
}
