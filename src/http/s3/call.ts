import type { SurfaceContext } from '../context'
import type { BucketRow } from '../../services/rows'
import { AppError } from '../../errors/app-error'
import { readCapped } from '../../blob/streams'
import type { S3Auth } from './authenticate'
import { planBody, type BodyOptions, type BodyPlan } from './payload'
import type { S3OperationName, S3Target } from './resolve'
import { HashingTap } from '../../blob/streams'

/**
 * Everything an S3 operation handler gets: the request, who made it, and helpers. `S3Call<'GetObject'>`
 * carries the target of exactly that operation (a bucket and a key); plain `S3Call` any of them.
 */
export interface S3Call<K extends S3OperationName = S3OperationName> {
  ctx: SurfaceContext
  request: Request
  target: S3Target<K>
  auth: S3Auth
  requestId: string
  now: number
  counter: { bytes: number }
  /**
   * The addressed bucket: NoSuchBucket when it does not exist (whoever asks), else the caller's
   * own; with `anonymousRead` (the read operations) also a public-read bucket, for anonymous
   * callers and other accounts alike, unless its owner is suspended. Otherwise AccessDenied.
   * Callable only on the call of an operation whose target names a bucket.
   */
  bucket(this: S3Call<BucketScoped>, opts?: { anonymousRead?: boolean }): BucketRow
  /** The caller's account id; AccessDenied for anonymous requests. */
  accountId(): string
  /** The streaming body plan (decoder, declared size, digests to verify). */
  body(opts?: BodyOptions): BodyPlan
  /** A small body (XML), fully read and verified, at most `max` bytes. */
  readSmallBody(max?: number, opts?: BodyOptions): Promise<Buffer>
}

/** The operations whose target always names a bucket. */
export type BucketScoped = { [K in S3OperationName]: S3Target<K> extends { bucket: string } ? K : never }[S3OperationName]

/** The handler of operation K (or of each of the operations K, for a shared handler). */
export type S3Handler<K extends S3OperationName = S3OperationName> = (c: S3Call<K>) => Promise<Response> | Response

export function makeCall(ctx: SurfaceContext, request: Request, target: S3Target, auth: S3Auth, requestId: string, now: number, counter: { bytes: number }): S3Call {
  let plan: BodyPlan | null = null
  const call: S3Call = {
    ctx, request, target, auth, requestId, now, counter,
    bucket(opts = {}) {
      return ctx.services.access.bucket(auth.principal, this.target.bucket, { publicRead: opts.anonymousRead === true })
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
      // b.size is the declared length (Content-Length, or x-amz-decoded-content-length for
      // aws-chunked): an oversized document is refused before a byte is read, and one without a
      // declared length is cut off at the cap.
      const tooBig = () => new AppError('MaxMessageLengthExceeded', { message: `Your request was too big (an XML document here may have at most ${max} bytes).` })
      if (b.size !== null && b.size > max) throw tooBig()
      const tap = new HashingTap({ sha256: true, checksum: b.checksum })
      const buf = await readCapped(tap.pipe(b.source), max, tooBig)
      b.verify(await tap.digests())
      return buf
    },
  }
  return call
}
