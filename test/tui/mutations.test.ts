/**
 * What the App sends for a request the reducer described (tui/mutations.ts): here, creating a
 * key, whose secret exists only in the answer and must reach the screen whatever else fails.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performMutation } from '../../tui/mutations'
import { createApiClient, ApiError, type ApiClient } from '../../tui/client'
import { initialState, reducer } from '../../tui/state/reducer'
import type { CreatedKeyResult } from '../../tui/state/settle'
import { startInProcess, type InProcessTestServer } from '../helpers/server'
import { apiProblem } from './ink-harness'

let srv: InProcessTestServer
let admin: ApiClient
beforeAll(async () => {
  srv = await startInProcess()
  const token = readFileSync(join(srv.dataDir, 'admin.token'), 'utf8').trim()
  admin = createApiClient({ baseUrl: srv.httpUrl, token: () => token })
})
afterAll(async () => { await srv?.stop() })

const createKey = (name: string, s3Url: string | null = null, region: string | null = null) => ({ op: 'createKey' as const, name, s3Url, region, seq: 1 })

describe('createKey', () => {
  test('the key exists once created: lookups for its snippets that fail do not lose its secret', async () => {
    const down = () => Promise.reject(new ApiError(apiProblem(srv.httpUrl, 503, 'ServiceUnavailable', 'try again')))
    const client = { ...admin, config: down, listBuckets: down, presign: down, overview: down } as ApiClient
    const out = await performMutation(client, createKey('flaky-snippets'))
    const r = (out as { value: CreatedKeyResult }).value
    expect(r.created.secretKey.length).toBeGreaterThan(20)
    expect(r).toMatchObject({ s3Url: null, region: null })
    expect((await admin.listKeys()).filter((k) => k.name === 'flaky-snippets')).toHaveLength(1)
    // The panel shows the secret, and says what the snippets could not be told.
    let s = reducer(initialState('keys'), { type: 'keys/new' })
    s = reducer(s, { type: 'dialog/type', text: 'flaky-snippets' })
    s = reducer(s, { type: 'dialog/submit' })
    s = reducer(s, { type: 'mutationDone', seq: s.pending!.seq, result: out })
    const text = (s.dialog as { lines: Array<{ text: string }> }).lines.map((l) => l.text).join('\n')
    expect(text).toContain(`Secret key  ${r.created.secretKey}`)
    expect(text).toContain('aws configure set endpoint_url <S3 URL> --profile cloudstorage')
    expect(text).toContain('The S3 URL and region could not be read from the appliance: fill in <S3 URL> and <region> below.')
  })

  test('a remote account without buckets gets the appliance\'s S3 URL and region (GET /api/config), not a guess', async () => {
    const created = await admin.createAccount({ email: 'no-buckets@example.com', password: 'no-buckets-password', isAdmin: false })
    const remote = createApiClient({ baseUrl: srv.httpUrl, apiKey: { accessKey: created.accessKey, secretKey: created.secretKey } })
    const client = { ...remote, listBuckets: async () => [] } as ApiClient
    const out = await performMutation(client, createKey('laptop'))
    expect((out as { value: CreatedKeyResult }).value).toMatchObject({ s3Url: srv.s3Url, region: 'eu-central-1' })
  })

  test('what the TUI knows already (the overview, server.json) is used as it is', async () => {
    const client = { ...admin, config: () => Promise.reject(new Error('not asked')) } as ApiClient
    const out = await performMutation(client, createKey('known', 'http://files.example:9000', 'us-west-2'))
    expect((out as { value: CreatedKeyResult }).value).toMatchObject({ s3Url: 'http://files.example:9000', region: 'us-west-2' })
  })
})
