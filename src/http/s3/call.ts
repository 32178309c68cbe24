import type { AppContext } from '../../app'
import type { BucketRow } from '../../db/repos/buckets'
import { AppError } from '../../errors/app-error'
import { readCapped } from '../../blob/streams'
import type { S3Auth } from './authenticate'
import { planBody, type BodyOptions, type BodyPlan } from './payload'
import type { S3Target } from './resolve'
import { HashingTap } from '../../blob/streams'

/** Everything an S3 operation handler gets: the request, who made it, and helpers. */
export interface S3Call {
  ctx: AppContext
  request: Request
  target: S3Target
  auth: S3Auth
  requestId: string
  now: number
  counter: { bytes: number }
  /** The addressed bucket, owned by the caller (or public-read for anonymous reads). */
  bucket(opts?: { anonymousRead?: boolean }): BucketRow
  /** The caller's account id; AccessDenied for anonymous requests. */
  accountId(): string
  /** The streaming body plan (decoder, declared size, digests to verify). */
  body(opts?: BodyOptions): BodyPlan
  /** A small body (XML), fully read and verified, at most `max` bytes. */
  readSmallBody(max?: number, opts?: BodyOptions): Promise<Buffer>
}

export type S3Handler = (c: S3Call) => Promise<Response> | Response

export function makeCall(ctx: AppContext, request: Request, target: S3Target, auth: S3Auth, requestId: string, now: number, counter: { bytes: number }): S3Call {
  let plan: BodyPlan | null = null
  const call: S3Call = {
    ctx, request, target, auth, requestId, now, counter,
    bucket(opts = {}) {
      const name = target.bucket!
      const p = auth.principal
      if (p.kind === 'anonymous') {
        const b = ctx.repos.buckets.byName(name)
        if (opts.anonymousRead && b?.publicRead) return b
        throw new AppError('AccessDenied')
      }
      return ctx.services.buckets.require(name, p)
    },
    accountId() {
      const p = auth.principal
      if (p.kind !== 'account') throw new AppError('AccessDenied')
      return p.accountId
    },
    body(opts = {}) {
      return (plan ??= planBody(request, auth, counter, { idleTimeoutMs: ctx.config.bodyIdleTimeoutSeconds * 1000, ...opts }))
    },
    async readSmallBody(max = 1024 * 1024, opts = {}) {
      const b = call.body(opts)
      if (b.size !== null && b.size > max) throw new AppError('RequestEntityTooLarge', { message: `The request body exceeds ${max} bytes.` })
      const tap = new HashingTap({ sha256: true, checksum: b.checksum })
      const buf = await readCapped(tap.pipe(b.source), max)
      b.verify(await tap.digests())
      return buf
    },
  }
  return call
}
