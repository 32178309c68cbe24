/**
 * `Expect: 100-continue` with a request that fails its signature or permission check. Bun.serve
 * answers `100 Continue` itself as soon as it has parsed the request head, before CloudStorage
 * sees the request, so the client starts sending; what CloudStorage guarantees is that the 403
 * comes at once, without reading the body, and the client stops sending when it sees it.
 *
 * curl (which waits for 100-continue) uploads from a pipe with a declared Content-Length of
 * 64 MiB; the test writes only the first 16 KiB and then waits for curl to report the answer.
 * A server that read the body before answering would never answer (the rest never comes). The
 * request log shows in=0: not a byte of the body was read.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startInProcess, type TestServer } from '../helpers/server'
import { presignUrl, signedRequest, type Creds } from '../helpers/raw-s3'
import { createAccount } from '../helpers/accounts'
import { bytesIn } from '../helpers/held-body'
import { scratchDir } from '../helpers/cli'
import { apiAccount } from '../quota/helpers'

let srv: TestServer
let scratch: { dir: string; cleanup(): void }
let bigFile: string
const DECLARED = 64 * 1024 * 1024

beforeAll(async () => {
  srv = await startInProcess()
  scratch = scratchDir('cs-expect-')
  bigFile = join(scratch.dir, 'big.bin')
  writeFileSync(bigFile, '')
  truncateSync(bigFile, DECLARED) // sparse: 64 MiB of zeros without the disk writes
}, 60_000)
afterAll(async () => {
  await srv?.stop()
  scratch?.cleanup()
}, 30_000)

/**
 * curl -v -T of a 64 MiB file, its upload rate limited to 2 MiB/s (so the whole body would take
 * half a minute): returns curl's log, the response body and how many body bytes curl sent.
 */
async function upload(url: string, headers: Record<string, string>) {
  const args = ['curl', '-sS', '-v', '-o', '-', '-w', '\n%{size_upload}', '--limit-rate', '2M', '-T', bigFile,
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url]
  const p = Bun.spawn(args, { stdout: 'pipe', stderr: 'pipe' })
  const [out, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  const i = out.lastIndexOf('\n')
  return { stderr, body: out.slice(0, i), uploaded: Number(out.slice(i + 1)) }
}

async function expectEarly403(r: { stderr: string; body: string; uploaded: number }, code: string) {
  expect(r.stderr).toContain('> Expect: 100-continue')
  expect(r.stderr).toContain(`> Content-Length: ${DECLARED}`)
  // Bun sends 100 Continue on its own, before the handler runs.
  expect(r.stderr).toContain('< HTTP/1.1 100 Continue')
  expect(r.stderr).toMatch(/< HTTP\/1\.1 403 /)
  expect(r.body).toContain(`<Code>${code}</Code>`)
  // The answer came while the body was still being sent; curl stopped there.
  expect(r.stderr).toContain('HTTP error before end of send, stop sending')
  expect(r.uploaded).toBeLessThan(DECLARED)
  // And the server never read a byte of it.
  const id = /< x-amz-request-id: ([0-9A-F]+)/i.exec(r.stderr)![1]
  expect(await bytesIn(srv, id)).toBe(0)
}

describe('Expect: 100-continue and an early 403', () => {
  test('wrong signature (presigned with a wrong secret): 403 before the body, nothing read', async () => {
    const url = await presignUrl(srv.s3Url, { method: 'PUT', bucket: 'root', key: 'never.bin', presign: { expires: 300 }, creds: { accessKeyId: 'CSTESTROOTKEY0000001', secretAccessKey: 'not-the-secret-at-all' } })
    await expectEarly403(await upload(url, {}), 'SignatureDoesNotMatch')
  }, 60_000)

  test('no permission (another account signs a PUT into this bucket): 403 AccessDenied, nothing read', async () => {
    const other = await createAccount(srv, 'EXPECTOTHER')
    const req = await signedRequest(srv.s3Url, { method: 'PUT', bucket: 'root', key: 'never.bin', creds: other.creds as Creds, payloadHash: 'UNSIGNED-PAYLOAD', body: null })
    const h = Object.fromEntries([...req.headers].filter(([k]) => k !== 'host'))
    await expectEarly403(await upload(req.url, h), 'AccessDenied')
  }, 60_000)

  test('over quota by its declared length: 403 QuotaExceeded before the body', async () => {
    const small = await apiAccount(srv, 1024 * 1024)
    const url = await presignUrl(srv.s3Url, { method: 'PUT', bucket: small.bucket, key: 'too-big.bin', presign: { expires: 300 }, creds: small })
    await expectEarly403(await upload(url, {}), 'QuotaExceeded')
  }, 60_000)
})
