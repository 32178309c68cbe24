import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import { signaturesEqual } from '../../auth/sigv4'
import { accountFromApiKey } from '../common/api-key'
import type { ApiPrincipal } from '../../services/deps'

export type { ApiPrincipal }

/** The local admin token (data dir file) acts as the first admin account. */
function fromAdminToken(ctx: SurfaceContext, headers: Headers, adminToken: string | null): ApiPrincipal | null {
  const auth = headers.get('authorization') ?? ''
  const m = /^bearer\s+(cst_[A-Za-z0-9_-]+)$/i.exec(auth.trim())
  if (!m || !adminToken || m[1].length !== adminToken.length || !signaturesEqual(m[1], adminToken)) return null
  const admin = ctx.services.accounts.localAdmin()
  if (!admin) return null
  return { accountId: admin.id, isAdmin: true, via: 'adminToken' }
}

/**
 * Resolves API credentials: the admin token, an API key (X-API-Key or Bearer ACCESS:SECRET),
 * or a session cookie (via the sessions service, once present). Suspended accounts are refused.
 */
export function resolveApiPrincipal(ctx: SurfaceContext, request: Request, adminToken: string | null, opts: { allowSession: boolean; allowApiKey: boolean }): ApiPrincipal | null {
  const h = request.headers
  const token = fromAdminToken(ctx, h, adminToken)
  if (token) return token
  let p: ApiPrincipal | null = null
  if (opts.allowApiKey) {
    const k = accountFromApiKey(ctx, h)
    if (k) {
      const a = ctx.services.accounts.find(k.accountId)
      if (a) p = { accountId: a.id, isAdmin: a.isAdmin, via: 'apiKey', accessKeyId: k.accessKeyId }
      // REST use counts as use of the key, as SigV4 use does.
      if (a && a.status === 'active') ctx.services.keyUsage.touch(k.accessKeyId, ctx.now())
    }
  }
  if (!p && opts.allowSession) p = ctx.services.sessions.fromRequest(request)
  if (p) {
    const a = ctx.services.accounts.find(p.accountId)
    if (!a) return null
    if (a.status !== 'active') throw new AppError('AccountSuspended')
  }
  return p
}
