import type { Elysia } from 'elysia'
import type { AppContext } from '../../app'
import { AppError } from '../../errors/app-error'
import { parseSize } from '../../config/size'
import { VERSION } from '../../version'
import type { ApiRoute } from './route'
import { json } from './route'
import { checkFields, pathParam } from './validate'

/** Aggregate numbers for the TUI overview and the dashboard's admin page. */
export function overview(ctx: AppContext) {
  const counts = ctx.repos.stats.overview()
  return {
    version: VERSION,
    ...ctx.metrics.snapshot(),
    accounts: counts.accounts,
    buckets: counts.buckets,
    multipartUploads: counts.uploads,
    storage: { logicalBytes: counts.logical, storedBytes: counts.stored, objects: counts.objects },
    region: ctx.config.region,
  }
}

function quotaValue(v: unknown): number | null | undefined {
  if (v === undefined || v === null) return v as null | undefined
  const n = parseSize(v as string | number)
  if (n === null) throw new AppError('ValidationError', { message: `quota must be a size such as "10GiB" or a byte count.` })
  return n
}

/** /api/admin/*: accounts for administrators (the TUI and CLI use these). */
export function adminRoutes(app: Elysia<any, any, any, any, any, any, any>, ctx: AppContext, route: ApiRoute) {
  const o = { parse: 'none' as const }
  const idOf = (url: URL) => pathParam(url, 4)
  return app
    .get('/api/admin/overview', route({ surface: 'admin', operation: 'AdminOverview', auth: 'admin' }, () => overview(ctx)), o)
    .get('/api/admin/accounts', route({ surface: 'admin', operation: 'AdminListAccounts', auth: 'admin' }, () => ({ accounts: ctx.services.accounts.list() })), o)
    .post('/api/admin/accounts', route({ surface: 'admin', operation: 'AdminCreateAccount', auth: 'admin' }, async (call) => {
      const b = checkFields<{ email: string; password: string; isAdmin?: boolean; plan?: string; quota?: string | number | null }>(
        await call.json(), { email: 'string', password: 'string', isAdmin: 'boolean', plan: 'string', quota: 'string|number|null' }, ['email', 'password'])
      const r = await ctx.services.accounts.create({ email: b.email, password: b.password, isAdmin: b.isAdmin, plan: b.plan ?? null, quotaBytes: quotaValue(b.quota) ?? null })
      return json({ account: r.account, accessKey: r.key.accessKey, secretKey: r.key.secretKey, bucket: r.bucket.name }, 201)
    }), o)
    .get('/api/admin/accounts/:id', route({ surface: 'admin', operation: 'AdminGetAccount', auth: 'admin' }, (call) => ctx.services.accounts.get(idOf(call.url))), o)
    .patch('/api/admin/accounts/:id', route({ surface: 'admin', operation: 'AdminUpdateAccount', auth: 'admin' }, async (call) => {
      const b = await call.json()
      checkFields(b, { status: 'string', plan: 'string|null', quota: 'string|number|null', isAdmin: 'boolean' })
      if (b.status !== undefined && b.status !== 'active' && b.status !== 'suspended') throw new AppError('ValidationError', { message: "status must be 'active' or 'suspended'." })
      const id = idOf(call.url)
      if (id === call.who().accountId && (b.status === 'suspended' || b.isAdmin === false)) throw new AppError('ValidationError', { message: 'Administrators cannot suspend or demote themselves.' })
      return ctx.services.accounts.update(id, { status: b.status as 'active' | 'suspended' | undefined, plan: b.plan as string | null | undefined, quotaBytes: quotaValue(b.quota), isAdmin: b.isAdmin as boolean | undefined })
    }), o)
    .delete('/api/admin/accounts/:id', route({ surface: 'admin', operation: 'AdminDeleteAccount', auth: 'admin' }, (call) => {
      const id = idOf(call.url)
      if (id === call.who().accountId) throw new AppError('ValidationError', { message: 'Administrators cannot delete their own account.' })
      ctx.services.accounts.deleteWithData(id)
      return { success: true }
    }), o)
}
