import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../context'
import { EVENT_TYPES } from '../../events/catalog'
import type { ApiPlugin } from './route'
import { iso, nullable, obj, opt, query, Success, Webhook, WebhookDelivery } from './schemas'

const events = t.Array(t.String(), { description: `Event names: ${EVENT_TYPES.join(', ')}` })
const bucket = opt(nullable(t.String({ description: "Only events of this bucket (one of yours); null or '' removes the filter" })))
const prefix = opt(nullable(t.String({ description: "Only events whose key starts with this; null or '' removes the filter" })))
const webhookId = t.Object({ id: t.String({ description: 'The webhook id' }) })
const tags = ['Webhooks']

/**
 * /api/webhooks as documented: create (secret shown once), list, PATCH {id,…}, DELETE ?id=; and
 * for debugging: the delivery log, a test ping, redelivery, secret rotation.
 */
export function webhookRoutes(ctx: SurfaceContext, api: ApiPlugin) {
  return new Elysia().use(api)
    .get('/api/webhooks', ({ call }) => ({ webhooks: ctx.services.webhooks.list(call.who().accountId) }), {
      api: { surface: 'dashboard', operation: 'ListWebhooks', auth: 'dashboard' },
      response: { 200: obj({ webhooks: t.Array(Webhook) }) },
      detail: { summary: 'List webhooks', tags },
    })
    .post('/api/webhooks', async ({ call, body, status }) => {
      const w = await ctx.services.webhooks.create(call.who().accountId, body)
      // The spec's documented answer; the filters only when set.
      return status(201, {
        id: w.id, url: w.url, events: w.events, secret: w.secret, active: w.active, createdAt: w.createdAt,
        ...(w.bucket !== null ? { bucket: w.bucket } : {}), ...(w.prefix !== null ? { prefix: w.prefix } : {}),
      })
    }, {
      api: { surface: 'dashboard', operation: 'CreateWebhook', auth: 'dashboard', json: true },
      body: obj({ url: t.String({ description: 'http(s) URL that receives signed POSTs' }), events, bucket, prefix }),
      response: {
        201: obj({
          id: t.String(), url: t.String(), events: t.Array(t.String()), secret: t.String({ description: 'The signing secret (whsec_ + base64), shown once' }), active: t.Boolean(), createdAt: iso(),
          bucket: opt(t.String()), prefix: opt(t.String()),
        }),
      },
      detail: { summary: 'Create a webhook (the signing secret is shown once)', tags },
    })
    .patch('/api/webhooks', ({ call, body }) => ctx.services.webhooks.update(call.who().accountId, body.id, body), {
      api: { surface: 'dashboard', operation: 'UpdateWebhook', auth: 'dashboard', json: true },
      body: obj({ id: t.String(), url: opt(t.String()), events: opt(events), active: opt(t.Boolean({ description: 'Re-enabling resets the failure count' })), bucket, prefix }),
      response: { 200: Webhook },
      detail: { summary: 'Update a webhook (toggle active, change events, url or filters)', tags },
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
      params: webhookId,
      response: { 200: obj({ deliveries: t.Array(WebhookDelivery) }, 'The delivery log, newest first (the last webhook-delivery-log deliveries)') },
      detail: { summary: 'The delivery log of a webhook: request headers, response status and body excerpt, latency, error', tags },
    })
    .post('/api/webhooks/:id/test', ({ call, params }) => ctx.services.webhooks.test(call.who().accountId, params.id), {
      api: { surface: 'dashboard', operation: 'TestWebhook', auth: 'dashboard' },
      params: webhookId,
      response: { 200: WebhookDelivery },
      detail: { summary: "Send a 'ping' event now and answer with the delivery's result (also for a disabled webhook)", tags },
    })
    .post('/api/webhooks/:id/deliveries/:deliveryId/redeliver', ({ call, params }) => ctx.services.webhooks.redeliver(call.who().accountId, params.id, /^\d{1,15}$/.test(params.deliveryId) ? Number(params.deliveryId) : 0), {
      api: { surface: 'dashboard', operation: 'RedeliverWebhook', auth: 'dashboard' },
      params: t.Object({ id: t.String({ description: 'The webhook id' }), deliveryId: t.String({ description: 'A delivery id from the log' }) }),
      response: { 200: WebhookDelivery },
      detail: { summary: 'Send a delivery\'s event again now (same webhook-id, fresh timestamp and signatures) and answer with the result', tags },
    })
    .post('/api/webhooks/:id/rotate-secret', ({ call, params }) => ctx.services.webhooks.rotateSecret(call.who().accountId, params.id), {
      api: { surface: 'dashboard', operation: 'RotateWebhookSecret', auth: 'dashboard' },
      params: webhookId,
      response: { 200: obj({ secret: t.String({ description: 'The new signing secret, shown once' }), previousSecretExpiresAt: iso('The previous secret also signs until then (24 h)') }) },
      detail: { summary: 'Rotate the signing secret: the new one is shown once, the old one keeps signing for 24 h (both signatures sent)', tags },
    })
}
