import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../context'
import { EVENT_TYPES } from '../../events/catalog'
import type { ApiPlugin } from './route'
import { int, iso, nullable, obj, opt, query, Success, Webhook } from './schemas'

const events = t.Array(t.String(), { description: `Event names: ${EVENT_TYPES.join(', ')}` })
const tags = ['Webhooks']

/** /api/webhooks as documented: create (secret shown once), list, PATCH {id,…}, DELETE ?id=. */
export function webhookRoutes(ctx: SurfaceContext, api: ApiPlugin) {
  return new Elysia().use(api)
    .get('/api/webhooks', ({ call }) => ({ webhooks: ctx.services.webhooks.list(call.who().accountId) }), {
      api: { surface: 'dashboard', operation: 'ListWebhooks', auth: 'dashboard' },
      response: { 200: obj({ webhooks: t.Array(Webhook) }) },
      detail: { summary: 'List webhooks', tags },
    })
    .post('/api/webhooks', async ({ call, body, status }) => {
      const w = await ctx.services.webhooks.create(call.who().accountId, body)
      return status(201, { id: w.id, url: w.url, events: w.events, secret: w.secret, active: w.active, createdAt: w.createdAt })
    }, {
      api: { surface: 'dashboard', operation: 'CreateWebhook', auth: 'dashboard', json: true },
      body: obj({ url: t.String({ description: 'http(s) URL that receives signed POSTs' }), events }),
      response: { 201: obj({ id: t.String(), url: t.String(), events: t.Array(t.String()), secret: t.String({ description: 'The signing secret, shown once' }), active: t.Boolean(), createdAt: iso() }) },
      detail: { summary: 'Create a webhook (the signing secret is shown once)', tags },
    })
    .patch('/api/webhooks', ({ call, body }) => ctx.services.webhooks.update(call.who().accountId, body.id, body), {
      api: { surface: 'dashboard', operation: 'UpdateWebhook', auth: 'dashboard', json: true },
      body: obj({ id: t.String(), url: opt(t.String()), events: opt(events), active: opt(t.Boolean({ description: 'Re-enabling resets the failure count' })) }),
      response: { 200: Webhook },
      detail: { summary: 'Update a webhook (toggle active, change events or url)', tags },
    })
    .delete('/api/webhooks', ({ call, query }) => {
      ctx.services.webhooks.delete(call.who().accountId, query.id)
      return { success: true }
    }, {
      api: { surface: 'dashboard', operation: 'DeleteWebhook', auth: 'dashboard' },
      query: query({ id: t.String({ minLength: 1, description: 'The webhook id', error: 'Pass the webhook to delete as ?id=.' }) }),
      response: { 200: Success },
      detail: { summary: 'Delete a webhook', tags },
    })
    .get('/api/webhooks/:id/deliveries', ({ call, params }) => ({ deliveries: ctx.services.webhooks.deliveries(call.who().accountId, params.id) }), {
      api: { surface: 'dashboard', operation: 'ListWebhookDeliveries', auth: 'dashboard' },
      params: t.Object({ id: t.String({ description: 'The webhook id' }) }),
      response: {
        200: obj({
          deliveries: t.Array(obj({
            id: int(), eventId: int(), status: t.Union([t.Literal('pending'), t.Literal('delivered'), t.Literal('failed')]), attempts: int(),
            lastStatus: nullable(int({ description: 'HTTP status of the last attempt' })), lastError: nullable(t.String()), createdAt: iso(), finishedAt: nullable(iso()),
          })),
        }, 'The 50 most recent deliveries, newest first'),
      },
      detail: { summary: 'Recent deliveries of a webhook', tags },
    })
}
