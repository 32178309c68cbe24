import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import type { ApiPlugin } from './route'
import { iso, Key, obj, opt, query, Success } from './schemas'

const tags = ['Access keys']

/** An account's keys, last-used times including uses not yet flushed to the database. */
export function keysOf(ctx: SurfaceContext, accountId: string) {
  return ctx.services.keys.list(accountId).map((k) => {
    const pending = ctx.services.keyUsage.pendingFor(k.accessKey)
    return pending === undefined ? k : { ...k, lastUsedAt: new Date(pending).toISOString() }
  })
}

/** /api/keys: list (never secrets), create (secret shown once), revoke (immediate). */
export function keyRoutes(ctx: SurfaceContext, api: ApiPlugin) {
  return new Elysia().use(api)
    .get('/api/keys', ({ call }) => ({ keys: keysOf(ctx, call.who().accountId) }), {
      api: { surface: 'dashboard', operation: 'ListKeys', auth: 'dashboard' },
      response: { 200: obj({ keys: t.Array(Key) }) },
      detail: { summary: 'List access keys (never secrets)', tags },
    })
    .post('/api/keys', ({ call, body, status }) => {
      const k = ctx.services.keys.create(call.who().accountId, { name: body.name ?? '' })
      return status(201, { id: k.id, accessKey: k.accessKey, secretKey: k.secretKey, name: k.name, createdAt: k.createdAt })
    }, {
      api: { surface: 'dashboard', operation: 'CreateKey', auth: 'dashboard', json: true },
      body: obj({ name: opt(t.String({ description: 'A label, at most 100 characters' })) }),
      response: { 201: obj({ id: t.String(), accessKey: t.String(), secretKey: t.String({ description: 'Shown once' }), name: t.String(), createdAt: iso() }) },
      detail: { summary: 'Create an access key (the secret is shown once; a plan allows a few)', tags },
    })
    .delete('/api/keys', ({ call, query }) => {
      const id = query.id
      const p = call.who()
      if (p.accessKeyId === id) throw new AppError('ValidationError', { message: 'A key cannot revoke itself; use another key or a session.' })
      ctx.services.keys.revoke(id, p.accountId)
      return { success: true }
    }, {
      api: { surface: 'dashboard', operation: 'RevokeKey', auth: 'dashboard' },
      query: query({ id: t.String({ minLength: 1, description: 'The access key id to revoke', error: 'Pass the access key to revoke as ?id=.' }) }),
      response: { 200: Success },
      detail: { summary: 'Revoke an access key', tags },
    })
}
