import type { Elysia } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import type { ApiCall, ApiRoute } from './route'
import { json } from './route'
import { checkFields } from './validate'

/** Is the request (or configuration) on TLS, for the cookie's Secure flag. */
const secureCookie = (ctx: SurfaceContext, request: Request) =>
  ctx.config.secureCookies || new URL(request.url).protocol === 'https:' || (ctx.config.trustProxy && request.headers.get('x-forwarded-proto') === 'https')

function withSession(call: ApiCall, accountId: string, body: Record<string, unknown>, status = 200): Response {
  const { ctx, request } = call
  const s = ctx.services.sessions.create(accountId)
  const maxAge = Math.floor((s.expiresAt - ctx.now()) / 1000)
  return json({ ...body, csrfToken: s.csrfToken }, status, { 'set-cookie': ctx.services.sessions.setCookie(s.cookie, maxAge, secureCookie(ctx, request)) })
}

/** Sign-up, login, logout, password change and /api/me. */
export function authRoutes(app: Elysia<any, any, any, any, any, any, any>, ctx: SurfaceContext, route: ApiRoute) {
  const o = { parse: 'none' as const }
  return app
    .post('/api/auth/signup', route({ surface: 'auth', operation: 'Signup', auth: 'none' }, async (call) => {
      if (ctx.config.signup !== 'open') throw new AppError('SignupClosed')
      ctx.services.rateLimits.checkSignup(call.ip)
      const body = checkFields<{ email: string; password: string }>(await call.json(), { email: 'string', password: 'string' }, ['email', 'password'])
      const r = await ctx.services.accounts.create({ email: body.email, password: body.password })
      return withSession(call, r.account.id, {
        account: { id: r.account.id, email: r.account.email, createdAt: r.account.createdAt },
        accessKey: r.key.accessKey, secretKey: r.key.secretKey, bucket: r.bucket.name,
      }, 201)
    }), o)
    .post('/api/auth/login', route({ surface: 'auth', operation: 'Login', auth: 'none' }, async (call) => {
      const body = checkFields<{ email: string; password: string }>(await call.json(), { email: 'string', password: 'string' }, ['email', 'password'])
      const a = await ctx.services.accounts.login(body.email, body.password, call.ip)
      return withSession(call, a.id, { account: { id: a.id, email: a.email, isAdmin: a.isAdmin } })
    }), o)
    .post('/api/auth/logout', route({ surface: 'auth', operation: 'Logout', auth: 'dashboard' }, (call) => {
      const p = call.who()
      if (p.sessionId) ctx.services.sessions.revoke(p.sessionId)
      return json({ success: true }, 200, { 'set-cookie': ctx.services.sessions.clearCookie(secureCookie(ctx, call.request)) })
    }), o)
    .post('/api/auth/password', route({ surface: 'auth', operation: 'ChangePassword', auth: 'dashboard' }, async (call) => {
      const body = checkFields<{ currentPassword: string; newPassword: string }>(await call.json(), { currentPassword: 'string', newPassword: 'string' }, ['currentPassword', 'newPassword'])
      const p = call.who()
      await ctx.services.accounts.changePassword(p.accountId, body.currentPassword, body.newPassword)
      // Every session was revoked; a browser caller gets a fresh one.
      return p.via === 'session' ? withSession(call, p.accountId, { success: true }) : { success: true }
    }), o)
    .get('/api/me', route({ surface: 'dashboard', operation: 'GetMe', auth: 'dashboard' }, (call) => {
      const p = call.who()
      return { ...ctx.services.accounts.me(p.accountId), ...(p.csrfToken ? { csrfToken: p.csrfToken } : {}) }
    }), o)
}
