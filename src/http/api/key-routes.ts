import type { Elysia } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import type { ApiRoute } from './route'
import { json } from './route'
import { checkFields } from './validate'

/** /api/keys: list (never secrets), create (secret shown once), revoke (immediate). */
export function keyRoutes(app: Elysia<any, any, any, any, any, any, any>, ctx: SurfaceContext, route: ApiRoute) {
  const o = { parse: 'none' as const }
  return app
    .get('/api/keys', route({ surface: 'dashboard', operation: 'ListKeys', auth: 'dashboard' }, (call) => ({
      keys: ctx.services.keys.list(call.who().accountId).map((k) => {
        const pending = ctx.services.keyUsage.pendingFor(k.accessKey)
        return pending === undefined ? k : { ...k, lastUsedAt: new Date(pending).toISOString() }
      }),
    })), o)
    .post('/api/keys', route({ surface: 'dashboard', operation: 'CreateKey', auth: 'dashboard' }, async (call) => {
      const body = checkFields<{ name?: string }>(await call.json(), { name: 'string' })
      const k = ctx.services.keys.create(call.who().accountId, { name: body.name ?? '' })
      return json({ id: k.id, accessKey: k.accessKey, secretKey: k.secretKey, name: k.name, createdAt: k.createdAt }, 201)
    }), o)
    .delete('/api/keys', route({ surface: 'dashboard', operation: 'RevokeKey', auth: 'dashboard' }, (call) => {
      const id = call.url.searchParams.get('id')
      if (!id) throw new AppError('ValidationError', { message: 'Pass the access key to revoke as ?id=.' })
      const p = call.who()
      if (p.accessKeyId === id) throw new AppError('ValidationError', { message: 'A key cannot revoke itself; use another key or a session.' })
      ctx.services.keys.revoke(id, p.accountId)
      return { success: true }
    }), o)
}
