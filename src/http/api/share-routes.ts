import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../context'
import { MAX_EXPIRES_IN, MAX_PASSWORD_LENGTH, type ShareInfo } from '../../services/shares/shares'
import { publicHttpUrl } from '../common/public-urls'
import type { ApiCall, ApiPlugin } from './route'
import { int, nullable, obj, opt, query, Share, Success } from './schemas'

const shareId = t.Object({ id: t.String({ description: 'The share id' }) })
const tags = ['Share links']

/**
 * /api/shares: create, list, get and revoke share links (sessions and API keys alike). The
 * public side, /s/{token}, is its own surface (src/http/share).
 */
export function shareRoutes(ctx: SurfaceContext, api: ApiPlugin) {
  const withUrl = (call: ApiCall, s: ShareInfo) => ({ ...s, url: `${publicHttpUrl(ctx, call.request)}/s/${s.token}` })
  return new Elysia().use(api)
    .post('/api/shares', async ({ call, body, status }) => status(201, withUrl(call, await ctx.services.shares.create(call.who().accountId, body))), {
      api: { surface: 'dashboard', operation: 'CreateShare', auth: 'dashboard', json: true },
      body: obj({
        bucket: t.String({ description: 'One of your buckets' }),
        key: t.String({ description: "The object key; a key ending in '/' shares every file under it" }),
        expiresIn: opt(nullable(int({ minimum: 1, maximum: MAX_EXPIRES_IN, description: 'Seconds until the link expires; null or omitted: until revoked', error: `expiresIn must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN}, or null.` }))),
        maxDownloads: opt(nullable(int({ minimum: 1, maximum: 1_000_000_000, description: 'Completed downloads allowed; null or omitted: unlimited', error: 'maxDownloads must be a whole number from 1 to 1000000000, or null.' }))),
        password: opt(t.String({ maxLength: MAX_PASSWORD_LENGTH, description: "Asked for before anything is served (stored as an argon2id hash); '' or omitted: none" })),
        versionId: opt(nullable(t.String({ description: 'Pin this version of the key (not for prefix shares)' }))),
      }),
      response: { 201: Share },
      detail: { summary: 'Create a share link to a file, a version of it, or every file under a prefix', tags },
    })
    .get('/api/shares', ({ call, query }) => ({ shares: ctx.services.shares.list(call.who().accountId, { bucket: query.bucket || undefined, key: query.key }).map((s) => withUrl(call, s)) }), {
      api: { surface: 'dashboard', operation: 'ListShares', auth: 'dashboard' },
      query: query({ bucket: opt(t.String({ description: 'Only shares of this bucket (one of yours)' })), key: opt(t.String({ description: 'Only shares of exactly this key or prefix' })) }),
      response: { 200: obj({ shares: t.Array(Share) }, 'Your shares, newest first') },
      detail: { summary: 'List your share links (with their URLs)', tags },
    })
    .get('/api/shares/:id', ({ call, params }) => withUrl(call, ctx.services.shares.get(call.who().accountId, params.id)), {
      api: { surface: 'dashboard', operation: 'GetShare', auth: 'dashboard' },
      params: shareId,
      response: { 200: Share },
      detail: { summary: 'A share link', tags },
    })
    .delete('/api/shares/:id', ({ call, params }) => {
      ctx.services.shares.revoke(call.who().accountId, params.id)
      return { success: true }
    }, {
      api: { surface: 'dashboard', operation: 'RevokeShare', auth: 'dashboard' },
      params: shareId,
      response: { 200: Success },
      detail: { summary: 'Revoke a share link (it answers 410 Gone from now on)', tags },
    })
}
