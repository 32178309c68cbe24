/**
 * Issue 9, rate limits real clients survive. The AWS CLI v2 retries in the SDK "standard" mode,
 * which does not retry 429 TooManyRequests: a burst past the per-key budget used to make
 * `aws s3 sync` / `aws s3 rm --recursive` print failures and exit non-zero. Under the DEFAULT
 * limits (write 100/s, list 50/s), a sync up and a recursive delete of 3,000 small files both
 * exit 0 without a single refusal (the CLI's 10 requests in flight wait their turn instead), and
 * an open-loop flood of 2,000 requests at once still gets 429s with Retry-After. The per-key
 * throughput the shaped client got is printed.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startInProcess, type TestServer } from '../helpers/server'
import { installationsOf, run, scratchDir, toolEnv } from '../helpers/cli'
import { testWithTool } from '../helpers/tools'
import { s3Fetch, xmlTags } from '../helpers/raw-s3'
import { apiAccount, type QuotaAccount } from '../quota/helpers'

// 3,000 requests at 100/s take 30 s at the very least; the rest is a hang guard.
setDefaultTimeout(600_000)

const FILES = 3000
const probe = scratchDir()
// Prefer the AWS CLI v2 (standard retry mode by default); a v1 is told to use the same mode.
const CLI = installationsOf('aws', ['--version'], toolEnv(probe.dir)).sort((a, b) => Number(b.version.startsWith('aws-cli/2')) - Number(a.version.startsWith('aws-cli/2')))[0]
probe.cleanup()

let srv: TestServer
let user: QuotaAccount
const tmp = scratchDir('cs-cli-shaping-')

beforeAll(async () => {
  srv = await startInProcess({ env: { CLOUDSTORAGE_RATE_LIMITS: 'on' } })
  user = await apiAccount(srv, null)
}, 60_000)
afterAll(async () => {
  await srv?.stop()
  tmp.cleanup()
})

/** A Prometheus sample's value (0 when the series does not exist yet). */
async function metric(name: string, labels: string): Promise<number> {
  const token = (await Bun.file(join(srv.dataDir, 'admin.token')).text()).trim()
  const text = await (await fetch(`${srv.httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `))
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0
}

async function countKeys(prefix: string): Promise<number> {
  let n = 0
  let token: string | undefined
  for (;;) {
    const q: Record<string, string> = { 'list-type': '2', prefix }
    if (token) q['continuation-token'] = token
    // The test's own listing shares the user's list budget: wait for its turn like any client.
    const res = await s3Fetch(srv.s3Url, { bucket: user.bucket, query: q, creds: user })
    expect(res.status).toBe(200)
    const xml = await res.text()
    n += xmlTags(xml, 'Key').length
    token = xmlTags(xml, 'NextContinuationToken')[0]
    if (!token) return n
  }
}

describe('under the default limits (write 100/s, list 50/s per key)', () => {
  const aws = (...args: string[]) => run([CLI!.path, '--endpoint-url', srv.s3Url, ...args], {
    env: toolEnv(tmp.dir, user, { AWS_RETRY_MODE: 'standard', AWS_CLI_AUTO_PROMPT: 'off' }), cwd: tmp.dir,
  })

  testWithTool('aws', !!CLI, `aws s3 sync up, then aws s3 rm --recursive, of ${FILES} small files: both exit 0, no request refused`, async () => {
    const src = join(tmp.dir, 'src')
    for (let d = 0; d < 30; d++) {
      mkdirSync(join(src, `d${d}`), { recursive: true })
      for (let f = 0; f < FILES / 30; f++) writeFileSync(join(src, `d${d}`, `f${f}.txt`), `file ${d}/${f}\n`)
    }
    const refusedBefore = await metric('cloudstorage_rate_limited_total', 'surface="s3"')

    let t0 = performance.now()
    const sync = await aws('s3', 'sync', src, `s3://${user.bucket}/data`, '--no-progress', '--only-show-errors')
    const syncSeconds = (performance.now() - t0) / 1000
    expect({ code: sync.code, stderr: sync.stderr }).toEqual({ code: 0, stderr: '' })
    expect(await countKeys('data/')).toBe(FILES)

    t0 = performance.now()
    const rm = await aws('s3', 'rm', '--recursive', `s3://${user.bucket}/data`, '--only-show-errors')
    const rmSeconds = (performance.now() - t0) / 1000
    expect({ code: rm.code, stderr: rm.stderr }).toEqual({ code: 0, stderr: '' })
    expect(await countKeys('data/')).toBe(0)

    // Slowed, never refused: not one 429 went out.
    expect(await metric('cloudstorage_rate_limited_total', 'surface="s3"')).toBe(refusedBefore)
    // Nothing passed the token bucket early: beyond the first second's burst of 100, at most 100/s.
    expect(syncSeconds).toBeGreaterThanOrEqual((FILES - 100) / 100 - 1)
    expect(rmSeconds).toBeGreaterThanOrEqual((FILES - 100) / 100 - 1)
    console.log(`rate shaping, ${CLI!.version.split(' ')[0]} with 10 requests in flight, one key, default limits: `
      + `sync ${FILES} PUTs in ${syncSeconds.toFixed(1)} s (${(FILES / syncSeconds).toFixed(1)}/s), `
      + `rm --recursive ${FILES} DELETEs in ${rmSeconds.toFixed(1)} s (${(FILES / rmSeconds).toFixed(1)}/s), 0 refused`)
  })
})

test('an open-loop flood of 2,000 concurrent PUTs on one key still gets 429 TooManyRequests with Retry-After', async () => {
  const flooder = await apiAccount(srv, null)
  const t0 = performance.now()
  const results = await Promise.all(Array.from({ length: 2000 }, async (_, i) => {
    const res = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: flooder.bucket, key: `flood/${i}`, body: 'x', creds: flooder })
    const body = await res.text()
    return { status: res.status, retryAfter: res.headers.get('retry-after'), code: xmlTags(body, 'Code')[0] ?? null }
  }))
  const seconds = (performance.now() - t0) / 1000
  const ok = results.filter((r) => r.status === 200).length
  const refused = results.filter((r) => r.status === 429)
  // Everything else was refused (no 5xx): the burst and the queue passed, then what refilled.
  expect(ok + refused.length).toBe(2000)
  expect(ok).toBeGreaterThanOrEqual(100 + 16)
  expect(ok).toBeLessThanOrEqual(100 + Math.floor(seconds * 100))
  expect(refused.length).toBeGreaterThan(0)
  for (const r of refused) {
    expect(r.code).toBe('TooManyRequests')
    expect(r.retryAfter).toMatch(/^[1-9]\d*$/)
  }
  console.log(`open-loop flood: 2,000 PUTs at once on one key → ${ok} stored, ${refused.length} × 429 (Retry-After ${[...new Set(refused.map((r) => r.retryAfter))].join('/')} s) in ${seconds.toFixed(1)} s`)
})
