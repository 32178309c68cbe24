import { publicHttpUrl, publicS3Url } from '../common/public-urls'
import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import { parseSize } from '../../config/size'
import { VERSION } from '../../version'
import type { ApiPlugin } from './route'
import { keysOf } from './key-routes'
import { Account, Bucket, int, iso, Key, nullable, obj, opt, Success } from './schemas'

/** Aggregate numbers for the TUI overview and the dashboard's admin page. */
function overview(ctx: SurfaceContext, request: Request) {
  const m = ctx.metrics.snapshot()
  const admin = ctx.services.admin
  return {
    version: VERSION, uptimeSeconds: m.uptimeSeconds,
    urls: { s3: publicS3Url(ctx, request), http: publicHttpUrl(ctx, request) },
    dataDir: ctx.config.dataDir,
    disk: admin.disk() ?? { freeBytes: 0, totalBytes: 0 },
    requests: ctx.metrics.requestSummary(),
    bytesIn: m.bytesIn, bytesOut: m.bytesOut, rateLimited: m.rateLimited, quotaRejected: m.quotaRejected,
    webhookQueueDepth: admin.webhookQueueDepth(),
    background: admin.background(),
    ...admin.totals(), region: ctx.config.region,
  }
}

const PassResult = nullable(obj({ at: iso(), ok: t.Boolean(), detail: t.String({ description: 'What the pass did, or why it failed' }) }, 'The last pass since start; null before the first'))

function quotaValue(v: string | number | null | undefined): number | null | undefined {
  if (v === undefined || v === null) return v
  const n = parseSize(v)
  if (n === null) throw new AppError('ValidationError', { message: `quota must be a size such as "10GiB" or a byte count.` })
  return n
}

const quota = t.Union([t.String(), t.Number(), t.Null()], { description: 'A size such as "10GiB" or a byte count; null: the plan\'s quota' })
const id = t.Object({ id: t.String({ description: 'The account id' }) })
const tags = ['Administration']

/** /api/admin/*: accounts for administrators (the TUI and CLI use these). */
export function adminRoutes(ctx: SurfaceContext, api: ApiPlugin) {
  return new Elysia().use(api)
    .get('/api/admin/overview', ({ request }) => overview(ctx, request), {
      api: { surface: 'admin', operation: 'AdminOverview', auth: 'admin' },
      response: {
        200: obj({
          version: t.String(), uptimeSeconds: int(),
          urls: obj({ s3: t.String(), http: t.String() }, 'How this caller reaches the two ports'),
          dataDir: t.String(),
          disk: obj({ freeBytes: int(), totalBytes: int() }, "The data dir's file system (0 when it cannot be read)"),
          requests: obj({ total: int(), errors: int({ description: 'Answers with a 5xx status' }), perSecond: t.Number({ description: 'Over the last 10 seconds' }) }, 'Both ports, since start'),
          bytesIn: int(), bytesOut: int(), rateLimited: int(), quotaRejected: int(),
          webhookQueueDepth: int({ description: 'Deliveries waiting to be sent, retries included' }),
          background: obj({ gc: PassResult, retention: PassResult }),
          accounts: int(), buckets: int(), multipartUploads: int(),
          storage: obj({ logicalBytes: int(), storedBytes: int(), objects: int() }), region: t.String(),
        }),
      },
      detail: { summary: 'Appliance totals and request counters', tags },
    })
    .get('/api/admin/plans', () => ({
      defaultPlan: ctx.config.defaultPlan,
      plans: Object.values(ctx.config.plans).map((p) => ({ name: p.name, quotaBytes: p.quotaBytes, maxBuckets: p.maxBuckets, maxKeys: p.maxKeys, rates: { ...p.rates } })),
    }), {
      api: { surface: 'admin', operation: 'AdminListPlans', auth: 'admin' },
      response: {
        200: obj({
          defaultPlan: t.String(),
          plans: t.Array(obj({
            name: t.String(), quotaBytes: int(), maxBuckets: int(), maxKeys: int(),
            rates: obj({ write: t.Number(), read: t.Number(), list: t.Number(), dashboardPerMinute: t.Number() }, 'Requests per second per key by class (0: unlimited); dashboard API per minute'),
          })),
        }),
      },
      detail: { summary: 'The plans an account can be put on (from the configuration)', tags },
    })
    .get('/api/admin/accounts', () => ({ accounts: ctx.services.accounts.list() }), {
      api: { surface: 'admin', operation: 'AdminListAccounts', auth: 'admin' },
      response: { 200: obj({ accounts: t.Array(Account) }) },
      detail: { summary: 'List accounts with usage and quota', tags },
    })
    .post('/api/admin/accounts', async ({ body, status }) => {
      const r = await ctx.services.accounts.create({ email: body.email, password: body.password, isAdmin: body.isAdmin, plan: body.plan ?? null, quotaBytes: quotaValue(body.quota) ?? null })
      return status(201, { account: r.account, accessKey: r.key.accessKey, secretKey: r.key.secretKey, bucket: r.bucket.name })
    }, {
      api: { surface: 'admin', operation: 'AdminCreateAccount', auth: 'admin', json: true },
      body: obj({ email: t.String(), password: t.String(), isAdmin: opt(t.Boolean()), plan: opt(t.String()), quota: opt(quota) }),
      response: { 201: obj({ account: Account, accessKey: t.String(), secretKey: t.String({ description: 'Shown once' }), bucket: t.String() }) },
      detail: { summary: 'Create an account with its first key pair and default bucket', tags },
    })
    .get('/api/admin/accounts/:id', ({ params }) => {
      const a = ctx.services.accounts.get(params.id)
      // Bytes reserved by uploads in progress: what the quota holds back besides usage.
      return { ...a, usage: { ...a.usage, reservedBytes: ctx.services.quota.ledger.inFlight(a.id) } }
    }, {
      api: { surface: 'admin', operation: 'AdminGetAccount', auth: 'admin' },
      params: id,
      response: {
        200: obj({
          ...Account.properties,
          usage: obj({ ...Account.properties.usage.properties, reservedBytes: int({ description: 'Reserved by uploads in progress' }) }),
        }),
      },
      detail: { summary: 'One account; usage.reservedBytes: bytes reserved by uploads in progress', tags },
    })
    .patch('/api/admin/accounts/:id', ({ call, params, body }) => {
      if (params.id === call.who().accountId && (body.status === 'suspended' || body.isAdmin === false)) throw new AppError('ValidationError', { message: 'Administrators cannot suspend or demote themselves.' })
      return ctx.services.accounts.update(params.id, { status: body.status, plan: body.plan, quotaBytes: quotaValue(body.quota), isAdmin: body.isAdmin })
    }, {
      api: { surface: 'admin', operation: 'AdminUpdateAccount', auth: 'admin', json: true },
      params: id,
      body: obj({
        status: opt(t.Union([t.Literal('active'), t.Literal('suspended')], { error: "status must be 'active' or 'suspended'." })),
        plan: opt(nullable(t.String({ description: "null: the appliance's default plan" }))),
        quota: opt(quota),
        isAdmin: opt(t.Boolean()),
      }),
      response: { 200: Account },
      detail: { summary: 'Suspend or activate, set plan or quota, admin flag', tags },
    })
    .delete('/api/admin/accounts/:id', ({ call, params }) => {
      if (params.id === call.who().accountId) throw new AppError('ValidationError', { message: 'Administrators cannot delete their own account.' })
      ctx.services.accounts.deleteWithData(params.id)
      return { success: true }
    }, {
      api: { surface: 'admin', operation: 'AdminDeleteAccount', auth: 'admin' },
      params: id,
      response: { 200: Success },
      detail: { summary: 'Delete an account with all its data', tags },
    })
    .post('/api/admin/accounts/:id/password', async ({ params, body }) => {
      await ctx.services.accounts.setPassword(params.id, body.password)
      return { success: true }
    }, {
      api: { surface: 'admin', operation: 'AdminResetPassword', auth: 'admin', json: true },
      params: id,
      body: obj({ password: t.String({ description: 'At least 10 characters' }) }),
      response: { 200: Success },
      detail: { summary: "Reset an account's password (its sessions end; its keys stay)", tags },
    })
    .get('/api/admin/accounts/:id/keys', ({ params }) => {
      ctx.services.accounts.get(params.id)
      return { keys: keysOf(ctx, params.id) }
    }, {
      api: { surface: 'admin', operation: 'AdminListAccountKeys', auth: 'admin' },
      params: id,
      response: { 200: obj({ keys: t.Array(Key) }) },
      detail: { summary: "An account's access keys (never secrets)", tags },
    })
    .get('/api/admin/accounts/:id/buckets', ({ params }) => {
      ctx.services.accounts.get(params.id)
      return { buckets: ctx.services.buckets.list(params.id).map((b) => ctx.services.buckets.summary(b)) }
    }, {
      api: { surface: 'admin', operation: 'AdminListAccountBuckets', auth: 'admin' },
      params: id,
      response: { 200: obj({ buckets: t.Array(Bucket) }) },
      detail: { summary: "An account's buckets with usage", tags },
    })
}
