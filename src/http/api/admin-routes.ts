import type { Elysia } from 'elysia'
import type { AppContext } from '../../app'
import type { ApiRoute } from './route'
import { VERSION } from '../../version'

/** Aggregate numbers for the TUI overview and the dashboard's admin page. */
export function overview(ctx: AppContext) {
  const totals = ctx.db.sqlite.query('SELECT coalesce(sum(logical_bytes), 0) AS logical, coalesce(sum(stored_bytes), 0) AS stored, coalesce(sum(objects), 0) AS objects FROM account_usage').get() as { logical: number; stored: number; objects: number }
  const counts = ctx.db.sqlite.query('SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM buckets) AS buckets, (SELECT count(*) FROM multipart_uploads) AS uploads').get() as { accounts: number; buckets: number; uploads: number }
  return {
    ...ctx.metrics.snapshot(),
    accounts: counts.accounts,
    buckets: counts.buckets,
    multipartUploads: counts.uploads,
    storage: { logicalBytes: totals.logical, storedBytes: totals.stored, objects: totals.objects },
    region: ctx.config.region,
  }
}

export function adminRoutes(app: Elysia<any, any, any, any, any, any, any>, ctx: AppContext, route: ApiRoute) {
  return app.get('/api/admin/overview', route({ surface: 'admin', operation: 'AdminOverview', auth: 'admin' }, () => ({ version: VERSION, ...overview(ctx) })), { parse: 'none' })
}
