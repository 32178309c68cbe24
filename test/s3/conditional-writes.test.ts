/**
 * Conditional writes as AWS S3 answers them (PutObject, CompleteMultipartUpload, CopyObject):
 *  - If-Match: <etag>: the write happens when the key's current ETag matches; 412 when it does
 *    not; 404 NoSuchKey when there is no current object (absent or a delete marker);
 *  - If-None-Match: *: the write happens only when the key has no current object; 412 otherwise;
 *  - the forms AWS does not take are 501 NotImplemented naming the header (If-None-Match with an
 *    ETag, If-Match: *, both headers at once), checked before the body is read;
 *  - 409 ConditionalRequestConflict when another write changed the key while a conditional
 *    write was in progress, and for a conditional completion of a key written or deleted after
 *    the multipart upload began (the upload has to be restarted).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand,
  PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { errorOf, md5Hex, s3Fetch, xmlTag } from '../helpers/raw-s3'
import { METRICS_TOKEN, bytesIn, heldRequest, waitForInflight } from '../helpers/held-body'

let srv: TestServer
let s3: S3Client
const B = 'conditional'

beforeAll(async () => {
  srv = await startInProcess({ env: { CLOUDSTORAGE_METRICS_TOKEN: METRICS_TOKEN } })
  // No SDK retries: a 409 must reach the test as it was answered.
  s3 = s3Client(srv.s3Url, undefined, { maxAttempts: 1 })
  expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: B })).status).toBe(200)
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

const body = async (Key: string, Bucket = B) => (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString()
const put = (Key: string, Body: string, extra: { IfMatch?: string; IfNoneMatch?: string } = {}, Bucket = B) => s3.send(new PutObjectCommand({ Bucket, Key, Body, ...extra }))

describe('PutObject', () => {
  test('If-Match with the current ETag writes; another ETag is 412; no object is 404 NoSuchKey', async () => {
    const first = await put('m/a', 'one')
    expect(await sdkError(put('m/a', 'two', { IfMatch: `"${md5Hex('other')}"` }))).toEqual({ name: 'PreconditionFailed', status: 412 })
    expect(await body('m/a')).toBe('one')
    const second = await put('m/a', 'two', { IfMatch: first.ETag })
    expect(second.ETag).toBe(`"${md5Hex('two')}"`)
    // The stale ETag no longer matches.
    expect(await sdkError(put('m/a', 'three', { IfMatch: first.ETag }))).toEqual({ name: 'PreconditionFailed', status: 412 })
    expect(await sdkError(put('m/none', 'x', { IfMatch: first.ETag }))).toEqual({ name: 'NoSuchKey', status: 404 })
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket: B, Key: 'm/none' })))).toEqual({ name: 'NotFound', status: 404 })
    const e = await errorOf(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: B, key: 'm/a', body: 'x', headers: { 'if-match': `"${md5Hex('one')}"` } }))
    expect([e.status, e.code, xmlTag(e.body, 'Condition')]).toEqual([412, 'PreconditionFailed', 'If-Match'])
  })

  test('If-None-Match: * writes a new key only; after a delete it writes again', async () => {
    await put('n/a', 'created', { IfNoneMatch: '*' })
    expect(await sdkError(put('n/a', 'again', { IfNoneMatch: '*' }))).toEqual({ name: 'PreconditionFailed', status: 412 })
    expect(await body('n/a')).toBe('created')
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'n/a' }))
    await put('n/a', 'recreated', { IfNoneMatch: '*' })
    expect(await body('n/a')).toBe('recreated')
  })

  test('versioned bucket: a delete marker on top counts as no object', async () => {
    const VB = 'conditional-versioned'
    expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: VB })).status).toBe(200)
    await s3.send(new PutBucketVersioningCommand({ Bucket: VB, VersioningConfiguration: { Status: 'Enabled' } }))
    const v1 = await put('k', 'v1', {}, VB)
    await s3.send(new DeleteObjectCommand({ Bucket: VB, Key: 'k' }))
    expect(await sdkError(put('k', 'v2', { IfMatch: v1.ETag }, VB))).toEqual({ name: 'NoSuchKey', status: 404 })
    const v2 = await put('k', 'v2', { IfNoneMatch: '*' }, VB)
    expect(v2.VersionId).toBeDefined()
    expect(await body('k', VB)).toBe('v2')
  })

  test('forms AWS does not take answer 501 NotImplemented naming the header; nothing is written', async () => {
    const cur = await put('x/a', 'current')
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ 'if-none-match': cur.ETag! }, 'If-None-Match', "We don't accept the provided value of If-None-Match header for this API"],
      [{ 'if-match': '*' }, 'If-Match', "We don't accept the provided value of If-Match header for this API"],
      [{ 'if-match': cur.ETag!, 'if-none-match': '*' }, 'If-Match,If-None-Match', 'Multiple conditional request headers present in the request'],
    ]
    for (const [headers, header, additional] of cases) {
      const e = await errorOf(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: B, key: 'x/a', body: 'replaced', headers }))
      expect({ status: e.status, code: e.code, header: xmlTag(e.body, 'Header'), additional: xmlTag(e.body, 'additionalMessage') })
        .toEqual({ status: 501, code: 'NotImplemented', header, additional: additional.replace(/'/g, '&apos;') })
      // Refused before the body was read: the request log shows no bytes in.
      expect(await bytesIn(srv, e.headers.get('x-amz-request-id')!)).toBe(0)
      expect(await body('x/a')).toBe('current')
    }
    // The SDK surfaces the same.
    expect(await sdkError(put('x/a', 'replaced', { IfNoneMatch: cur.ETag }))).toEqual({ name: 'NotImplemented', status: 501 })
  })

  test('a concurrent write while a conditional PUT streams its body: 409 ConditionalRequestConflict', async () => {
    // A: If-None-Match: * on a new key, its body held open after the first bytes.
    const A = await heldRequest(srv.s3Url, { method: 'PUT', bucket: B, key: 'race/new', headers: { 'if-none-match': '*' } }, new TextEncoder().encode('from A, '), new TextEncoder().encode('which lost'))
    await waitForInflight(srv, 1, 'the conditional PUT to be streaming')
    // B creates the key meanwhile.
    await put('race/new', 'from B')
    A.release()
    const e = await errorOf(await A.response)
    expect({ status: e.status, code: e.code, condition: xmlTag(e.body, 'Condition'), key: xmlTag(e.body, 'Key') }).toEqual({ status: 409, code: 'ConditionalRequestConflict', condition: 'If-None-Match', key: 'race/new' })
    expect(await body('race/new')).toBe('from B')

    // The same with If-Match: the ETag A read is replaced while A uploads.
    const base = await put('race/match', 'base')
    const A2 = await heldRequest(srv.s3Url, { method: 'PUT', bucket: B, key: 'race/match', headers: { 'if-match': base.ETag! } }, new TextEncoder().encode('A2 '), new TextEncoder().encode('body'))
    await waitForInflight(srv, 1, 'the If-Match PUT to be streaming')
    await put('race/match', 'changed by someone else')
    A2.release()
    const e2 = await errorOf(await A2.response)
    expect({ status: e2.status, code: e2.code, condition: xmlTag(e2.body, 'Condition') }).toEqual({ status: 409, code: 'ConditionalRequestConflict', condition: 'If-Match' })
    expect(await body('race/match')).toBe('changed by someone else')
  })
})

describe('CompleteMultipartUpload', () => {
  async function upload(Key: string, content = 'multipart content') {
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key }))
    const p = await s3.send(new UploadPartCommand({ Bucket: B, Key, UploadId: up.UploadId, PartNumber: 1, Body: content }))
    const complete = (extra: { IfMatch?: string; IfNoneMatch?: string } = {}) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key, UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] }, ...extra }))
    return { complete }
  }

  test('If-Match with the current ETag completes; another ETag is 412; no object is 404', async () => {
    const cur = await put('c/a', 'before')
    const u = await upload('c/a')
    expect(await sdkError(u.complete({ IfMatch: `"${md5Hex('nope')}"` }))).toEqual({ name: 'PreconditionFailed', status: 412 })
    const done = await u.complete({ IfMatch: cur.ETag })
    expect(done.ETag).toMatch(/-1"$/)
    expect(await body('c/a')).toBe('multipart content')
    const none = await upload('c/none')
    expect(await sdkError(none.complete({ IfMatch: cur.ETag }))).toEqual({ name: 'NoSuchKey', status: 404 })
    // The upload survives the failed precondition.
    await none.complete({ IfNoneMatch: '*' })
    expect(await body('c/none')).toBe('multipart content')
  })

  test('If-None-Match with an ETag, If-Match: * and both headers: 501 NotImplemented', async () => {
    const cur = await put('c/x', 'x')
    const u = await upload('c/x')
    expect(await sdkError(u.complete({ IfNoneMatch: cur.ETag }))).toEqual({ name: 'NotImplemented', status: 501 })
    expect(await sdkError(u.complete({ IfMatch: '*' }))).toEqual({ name: 'NotImplemented', status: 501 })
    expect(await sdkError(u.complete({ IfMatch: cur.ETag, IfNoneMatch: '*' }))).toEqual({ name: 'NotImplemented', status: 501 })
    expect(await body('c/x')).toBe('x')
  })

  test('the key written after the upload began: If-Match with the new ETag is 409, If-None-Match is 412', async () => {
    await put('c/during', 'before')
    const u = await upload('c/during')
    const during = await put('c/during', 'written during the upload')
    expect(await sdkError(u.complete({ IfMatch: during.ETag }))).toEqual({ name: 'ConditionalRequestConflict', status: 409 })
    expect(await sdkError(u.complete({ IfNoneMatch: '*' }))).toEqual({ name: 'PreconditionFailed', status: 412 })
    expect(await body('c/during')).toBe('written during the upload')
    // Without a condition the upload still completes.
    await u.complete()
    expect(await body('c/during')).toBe('multipart content')
  })

  test('the key deleted after the upload began: If-None-Match is 409 (restart the upload), a new upload succeeds', async () => {
    await put('c/deleted', 'exists')
    const u = await upload('c/deleted')
    expect(await sdkError(u.complete({ IfNoneMatch: '*' }))).toEqual({ name: 'PreconditionFailed', status: 412 })
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'c/deleted' }))
    expect(await sdkError(u.complete({ IfNoneMatch: '*' }))).toEqual({ name: 'ConditionalRequestConflict', status: 409 })
    const again = await upload('c/deleted', 'second upload')
    await again.complete({ IfNoneMatch: '*' })
    expect(await body('c/deleted')).toBe('second upload')
  })
})

describe('CopyObject', () => {
  test('If-None-Match: * and If-Match apply to the destination', async () => {
    await put('copy/src', 'source bytes')
    const dest = await put('copy/dest', 'dest bytes')
    const copy = (extra: { IfMatch?: string; IfNoneMatch?: string }, Key = 'copy/dest') => s3.send(new CopyObjectCommand({ Bucket: B, Key, CopySource: `${B}/copy/src`, ...extra }))
    expect(await sdkError(copy({ IfNoneMatch: '*' }))).toEqual({ name: 'PreconditionFailed', status: 412 })
    expect(await sdkError(copy({ IfMatch: `"${md5Hex('nope')}"` }))).toEqual({ name: 'PreconditionFailed', status: 412 })
    expect(await sdkError(copy({ IfNoneMatch: dest.ETag }))).toEqual({ name: 'NotImplemented', status: 501 })
    expect(await body('copy/dest')).toBe('dest bytes')
    await copy({ IfMatch: dest.ETag })
    expect(await body('copy/dest')).toBe('source bytes')
    await copy({ IfNoneMatch: '*' }, 'copy/fresh')
    expect(await body('copy/fresh')).toBe('source bytes')
  })
})
