import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../context'
import type { ApiPlugin } from './route'
import { publicS3Url } from '../common/public-urls'
import { int, iso, obj } from './schemas'

const Traffic = obj({
  requests: int(), clientErrors: int({ description: 'Answers with a 4xx status' }), serverErrors: int({ description: 'Answers with a 5xx status' }),
})

/** What the dashboard reads besides the resources themselves: the appliance's public settings, the account's traffic. */
export function dashboardApiRoutes(ctx: SurfaceContext, api: ApiPlugin) {
  return new Elysia().use(api)
    .get('/api/config', ({ call }) => ({
      signup: ctx.config.signup, region: ctx.config.region, s3Url: publicS3Url(ctx, call.request),
    }), {
      api: { surface: 'system', operation: 'GetPublicConfig', auth: 'none' },
      response: {
        200: obj({
          signup: t.Union([t.Literal('open'), t.Literal('closed')], { description: 'Whether anyone may sign up' }),
          region: t.String({ description: 'The S3 region clients sign for' }),
          s3Url: t.String({ description: 'The S3 endpoint, as reached from this request\'s host' }),
        }),
      },
      detail: { summary: 'Public settings the sign-in page and client snippets need (no credentials)', tags: ['System'] },
    })
    .get('/api/stats', ({ call }) => ctx.metrics.accounts.read(call.who().accountId, ctx.now()), {
      api: { surface: 'dashboard', operation: 'GetAccountStats', auth: 'dashboard', durable: false },
      response: {
        200: obj({
          windowSeconds: int({ description: 'The window: the last hour' }),
          ...Traffic.properties,
          perMinute: t.Array(obj({ at: iso('Start of the minute'), ...Traffic.properties }), { description: 'Oldest first, the current minute last' }),
        }, 'Requests of the account (both ports, any credential) since the appliance started, at most the last hour'),
      },
      detail: { summary: 'Your account\'s requests and errors over the last hour, per minute', tags: ['Accounts and sessions'] },
    })
}
