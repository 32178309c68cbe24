import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import type { ApiCall, ApiPlugin } from './route'
import { int, iso, nullable, obj, opt, Success, Usage } from './schemas'

/** Is the request (or configuration) on TLS, for the cookie's Secure flag. */
const secureCookie = (ctx: SurfaceContext, request: Request) =>
  ctx.config.secureCookies || new URL(request.url).protocol === 'https:' || (ctx.config.trustProxy && request.headers.get('x-forwarded-proto') === 'https')

/** Opens a session: its cookie goes on the answer, its CSRF token in the body. */
function startSession(call: ApiCall, set: { headers: Record<string, unknown> }, accountId: string): string {
  const { ctx, request } = call
  const s = ctx.services.sessions.create(accountId)
  const maxAge = Math.floor((s.expiresAt - ctx.now()) / 1000)
  set.headers['set-cookie'] = ctx.services.sessions.setCookie(s.cookie, maxAge, secureCookie(ctx, request))
  return s.csrfToken
}

const Credentials = obj({ email: t.String(), password: t.String() })
const tags = ['Accounts and sessions']

/** Sign-up, login, logout, password change and /api/me. */
export function authRoutes(ctx: SurfaceContext, api: ApiPlugin) {
  /** Before the body: sign-up must be open and the address within its sign-up rate. */
  const signupOpen = (call: ApiCall) => {
    if (ctx.config.signup !== 'open') throw new AppError('SignupClosed')
    ctx.services.rateLimits.checkSignup(call.ip)
  }
  return new Elysia().use(api)
    .post('/api/auth/signup', async ({ call, body, set, status }) => {
      const r = await ctx.services.accounts.create({ email: body.email, password: body.password })
      const csrfToken = startSession(call, set, r.account.id)
      return status(201, {
        account: { id: r.account.id, email: r.account.email, createdAt: r.account.createdAt },
        accessKey: r.key.accessKey, secretKey: r.key.secretKey, bucket: r.bucket.name, csrfToken,
      })
    }, {
      api: { surface: 'auth', operation: 'Signup', auth: 'none', json: true, precheck: signupOpen },
      body: Credentials,
      response: {
        201: obj({
          account: obj({ id: t.String(), email: t.String(), createdAt: iso() }),
          accessKey: t.String(), secretKey: t.String({ description: 'Shown once' }), bucket: t.String({ description: 'The default bucket' }), csrfToken: t.String(),
        }),
      },
      detail: { summary: 'Create an account (when sign-up is open): first key pair, default bucket, session cookie', tags },
    })
    .post('/api/auth/login', async ({ call, body, set }) => {
      const a = await ctx.services.accounts.login(body.email, body.password, call.ip)
      const csrfToken = startSession(call, set, a.id)
      return { account: { id: a.id, email: a.email, isAdmin: a.isAdmin }, csrfToken }
    }, {
      api: { surface: 'auth', operation: 'Login', auth: 'none', json: true },
      body: Credentials,
      response: { 200: obj({ account: obj({ id: t.String(), email: t.String(), isAdmin: t.Boolean() }), csrfToken: t.String() }) },
      detail: { summary: 'Log in; sets the session cookie', tags },
    })
    .post('/api/auth/logout', ({ call, set }) => {
      const p = call.who()
      if (p.sessionId) ctx.services.sessions.revoke(p.sessionId)
      set.headers['set-cookie'] = ctx.services.sessions.clearCookie(secureCookie(ctx, call.request))
      return { success: true }
    }, {
      api: { surface: 'auth', operation: 'Logout', auth: 'dashboard' },
      response: { 200: Success },
      detail: { summary: 'Log out (revokes the session)', tags },
    })
    .post('/api/auth/logout-all', ({ call, set }) => {
      const p = call.who()
      ctx.services.sessions.revokeAll(p.accountId)
      set.headers['set-cookie'] = ctx.services.sessions.clearCookie(secureCookie(ctx, call.request))
      return { success: true }
    }, {
      api: { surface: 'auth', operation: 'LogoutEverywhere', auth: 'dashboard' },
      response: { 200: Success },
      detail: { summary: 'Log out everywhere: revokes every session of the account (API keys stay valid)', tags },
    })
    .post('/api/auth/password', async ({ call, body, set }) => {
      const p = call.who()
      await ctx.services.accounts.changePassword(p.accountId, body.currentPassword, body.newPassword)
      // Every session was revoked; a browser caller gets a fresh one.
      return p.via === 'session' ? { success: true, csrfToken: startSession(call, set, p.accountId) } : { success: true }
    }, {
      api: { surface: 'auth', operation: 'ChangePassword', auth: 'dashboard', json: true },
      body: obj({ currentPassword: t.String(), newPassword: t.String() }),
      response: { 200: obj({ success: t.Boolean(), csrfToken: opt(t.String({ description: 'The new session\'s token (session callers)' })) }) },
      detail: { summary: 'Change the password (revokes every session)', tags },
    })
    .get('/api/me', ({ call }) => {
      const p = call.who()
      return { ...ctx.services.accounts.me(p.accountId), ...(p.csrfToken ? { csrfToken: p.csrfToken } : {}) }
    }, {
      api: { surface: 'dashboard', operation: 'GetMe', auth: 'dashboard' },
      response: {
        200: obj({
          account: obj({
            id: t.String(), email: t.String(), isAdmin: t.Boolean(), status: t.Union([t.Literal('active'), t.Literal('suspended')]), createdAt: iso(),
            defaultBucket: nullable(t.String()),
          }),
          plan: obj({ name: t.String(), quotaBytes: int(), maxBuckets: int(), maxKeys: int() }),
          quota: obj({ bytes: int(), usedBytes: int(), remainingBytes: int() }),
          usage: Usage,
          limits: obj({
            rateLimits: t.Boolean({ description: 'Whether rate limits are enforced on this appliance' }),
            requestsPerSecond: obj({ write: t.Number(), read: t.Number(), list: t.Number() }),
            dashboardRequestsPerMinute: t.Number(), maxBuckets: int(), maxAccessKeys: int(),
          }),
          csrfToken: opt(t.String({ description: 'For session callers: send it as X-CSRF-Token on writes' })),
        }),
      },
      detail: { summary: 'The account, plan, quota, usage and limits', tags },
    })
}
