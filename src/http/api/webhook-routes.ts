import type { Elysia } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import type { ApiRoute } from './route'
import { json } from './route'
import { checkFields } from './validate'

/** /api/webhooks as documented: create (secret shown once), list, PATCH {id,…}, DELETE ?id=. */
export function webhookRoutes(app: Elysia<any, any, any, any, any, any, any>, ctx: SurfaceContext, route: ApiRoute) {
  const o = { parse: 'none' as const }
  const r = (operation: string, fn: Parameters<ApiRoute>[1]) => route({ surface: 'dashboard', operation, auth: 'dashboard' }, fn)
  return app
    .get('/api/webhooks', r('ListWebhooks', (call) => ({ webhooks: ctx.services.webhooks.list(call.who().accountId) })), o)
    .post('/api/webhooks', r('CreateWebhook', async (call) => {
      const b = checkFields<{ url: string; events: unknown[] }>(await call.json(), { url: 'string', events: 'array' }, ['url', 'events'])
      const w = await ctx.services.webhooks.create(call.who().accountId, b)
      return json({ id: w.id, url: w.url, events: w.events, secret: w.secret, active: w.active, createdAt: w.createdAt }, 201)
    }), o)
    .patch('/api/webhooks', r('UpdateWebhook', async (call) => {
      const b = checkFields<{ id: string; url?: string; events?: unknown[]; active?: boolean }>(await call.json(), { id: 'string', url: 'string', events: 'array', active: 'boolean' }, ['id'])
      return ctx.services.webhooks.update(call.who().accountId, b.id, b)
    }), o)
    .delete('/api/webhooks', r('DeleteWebhook', (call) => {
      const id = call.url.searchParams.get('id')
      if (!id) throw new AppError('ValidationError', { message: 'Pass the webhook to delete as ?id=.' })
      ctx.services.webhooks.delete(call.who().accountId, id)
      return { success: true }
    }), o)
    .get('/api/webhooks/:id/deliveries', r('ListWebhookDeliveries', (call) => ({
      deliveries: ctx.services.webhooks.deliveries(call.who().accountId, decodeURIComponent(call.url.pathname.split('/')[3])),
    })), o)
}
