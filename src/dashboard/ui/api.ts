/**
 * The dashboard's one way to the appliance: Elysia's Eden client typed by the server's route
 * declarations (`HttpApi`, a type-only import: nothing of the server is in the bundle), on this
 * origin with the session cookie, the session's CSRF token on every call, and the API's errors
 * as `ApiError`. A 429 (the dashboard's 30 requests a minute) waits out its Retry-After once.
 */
import { treaty } from '@elysiajs/eden'
import type { HttpApi } from '../../http/http-app'

export class ApiError extends Error {
  override name = 'ApiError'
  constructor(readonly status: number, readonly code: string, message: string, readonly requestId?: string) {
    super(message)
  }
}

let csrfToken: string | null = null
/** The session's CSRF token (from login, sign-up, /api/me or a password change). */
export function setCsrfToken(token: string | null) {
  csrfToken = token
}

/** Called when the session is gone (401): the app shows the login page. */
let onSignedOut: () => void = () => {}
export function whenSignedOut(f: () => void) {
  onSignedOut = f
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function fetcher(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const r = await fetch(input, init)
  if (r.status !== 429) return r
  const wait = Math.min(30, Number(r.headers.get('retry-after')) || 2)
  await sleep(wait * 1000)
  return fetch(input, init)
}

export const client = treaty<HttpApi>(location.origin, {
  fetcher: fetcher as typeof fetch,
  fetch: { credentials: 'same-origin' },
  headers: () => (csrfToken ? { 'x-csrf-token': csrfToken } : {}),
  parseDate: false,
})

type Result<T> = { data: T; error: null } | { data: null; error: { status: unknown; value: unknown }; response?: Response; status: number }

/** The data of an Eden call, or an ApiError with the API's code and message. */
export async function call<T>(p: Promise<Result<T>>): Promise<NonNullable<T>> {
  let r: Result<T>
  try {
    r = await p
  } catch (e) {
    throw new ApiError(0, 'NetworkError', `The appliance could not be reached (${(e as Error).message}).`)
  }
  if (r.error) {
    const status = typeof r.error.status === 'number' ? r.error.status : r.status
    const body = r.error.value as { error?: { code?: string; message?: string; requestId?: string } } | null
    const e = body && typeof body === 'object' ? body.error : undefined
    if (status === 401) onSignedOut()
    throw new ApiError(status, e?.code ?? `HTTP${status}`, e?.message ?? `The appliance answered ${status}.`, e?.requestId)
  }
  return r.data as NonNullable<T>
}

/** Path segments of the Eden client are not encoded by Eden itself. */
export const seg = (s: string) => encodeURIComponent(s)

/** The message to show for any error. */
export const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** What a successful Eden call answers: `Data<typeof client.api.me.get>`. */
type DataOf<R> = R extends { data: infer D; error: null } ? D : never
export type Data<F> = F extends (...args: never[]) => Promise<infer R> ? NonNullable<DataOf<R>> : never

export type Me = Data<typeof client.api.me.get>
export type PublicConfig = Data<typeof client.api.config.get>
export type Bucket = Data<typeof client.api.buckets.get>['buckets'][number]
