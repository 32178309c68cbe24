import { Elysia } from 'elysia'
import type { AppContext } from '../app'
import type { Logger } from './common/log'
import { healthBody } from '../server'
import { accountFromApiKey } from './common/api-key'
import { signaturesEqual } from '../auth/sigv4'

/** Is this request allowed to read /metrics: the configured bearer token or an admin's key. */
function metricsAllowed(ctx: AppContext, headers: Headers): boolean {
  const auth = headers.get('authorization') ?? ''
  const token = auth.replace(/^bearer\s+/i, '').trim()
  if (ctx.config.metricsToken && token && token.length === ctx.config.metricsToken.length && signaturesEqual(token, ctx.config.metricsToken)) return true
  const who = accountFromApiKey(ctx, headers)
  return !!who && !!ctx.repos.accounts.byId(who.accountId)?.isAdmin
}

/** The HTTP port: health, metrics, and the REST / dashboard / image APIs. */
export function createHttpApp(ctx: AppContext, _log: Logger) {
  return new Elysia({ name: 'http' })
    .get('/healthz', () => new Response(healthBody(), { headers: { 'content-type': 'application/json' } }))
    .get('/metrics', ({ request }) => {
      if (!metricsAllowed(ctx, request.headers)) {
        return new Response(JSON.stringify({ error: { code: 'Unauthorized', message: 'GET /metrics needs the metrics bearer token or an admin access key.' } }), {
          status: 401, headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
        })
      }
      return new Response(ctx.metrics.render(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } })
    })
}
