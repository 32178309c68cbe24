/**
 * The screens against a real appliance in this process (its HTTP API, its S3 port): each
 * action through the keys, then the server (and S3) asked whether it really happened.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import React from 'react'
import { createServer, type Server } from 'node:http'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectCommand, ListBucketsCommand } from '@aws-sdk/client-s3'
import { App } from '../../tui/app'
import { createApiClient, type ApiClient } from '../../tui/client'
import { startInProcess, type InProcessTestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { renderInTerminal, waitForFrame } from './ink-harness'
import { until } from '../helpers/wait'

setDefaultTimeout(120_000)

const ENTER = '\r'
const ESC = '\u001B'
const DOWN = '\u001B[B'
// Polls only when asked (r) or after a change: each frame has a known cause.
const MANUAL = 3_600_000

let srv: InProcessTestServer
let dir: string
let hook: Server
const received: Array<{ event: string; body: string }> = []
let hookUrl = ''
let admin: ApiClient

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => { received.push({ event: String(req.headers['x-cloudstorage-event']), body }); res.writeHead(204).end() })
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()))
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`
  dir = mkdtempSync(join(tmpdir(), 'cs-tui-screens-'))
  // A second plan, for the Accounts screen to offer.
  writeFileSync(join(dir, 'plans.json'), JSON.stringify({ plans: { gold: { quota: '50GiB' } } }))
  srv = await startInProcess({ env: { CLOUDSTORAGE_WEBHOOK_ALLOWLIST: '127.0.0.1', CLOUDSTORAGE_WEBHOOK_RETRY_BASE_MS: '20' }, args: ['--config', join(dir, 'plans.json')] })
  const token = readFileSync(join(srv.dataDir, 'admin.token'), 'utf8').trim()
  admin = createApiClient({ baseUrl: srv.httpUrl, token: () => token })
})
afterAll(async () => {
  await srv?.stop()
  hook?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

type Term = ReturnType<typeof renderInTerminal>

function open(client: ApiClient = admin, props: Partial<React.ComponentProps<typeof App>> = {}): Term {
  return renderInTerminal(<App client={client} intervalMs={MANUAL} s3Url={srv.s3Url} {...props} />, 100, 32)
}

/** The App as the administrator, once its first refresh has answered (the header says online). */
async function openOnline(): Promise<Term> {
  const t = open()
  await waitForFrame(t.lastFrame, (f) => f.includes('● online'), 'online')
  return t
}

/** Writes keys and waits until the frame shows their effect. */
async function press(t: Term, keys: string, until: (f: string) => boolean, what: string): Promise<string> {
  t.stdin.write(keys)
  return waitForFrame(t.lastFrame, until, what)
}

const selected = (f: string) => f.split('\n').find((l) => l.startsWith('› ')) ?? ''

describe('Keys', () => {
  test('create shows the secret once with snippets that work; revoke needs the name', async () => {
    const t = await openOnline()
    await press(t, '3', (f) => f.includes('CSTESTROOTKEY0000001'), 'the keys')
    await press(t, 'n', (f) => f.includes('New access key'), 'the form')
    await press(t, 'ink-test', (f) => f.includes('Name       ink-test'), 'typed')
    const f = await press(t, ENTER, (fr) => fr.includes('shown only this once'), 'the secret')
    const accessKey = /Access key {2}(\S+)/.exec(f)![1]
    const secretKey = /Secret key {2}(\S+)/.exec(f)![1]
    expect(f).toContain(`aws configure set endpoint_url ${srv.s3Url} --profile cloudstorage`)
    expect(f).toContain('aws configure set region eu-central-1 --profile cloudstorage')
    const s3 = s3Client(srv.s3Url, { accessKeyId: accessKey, secretAccessKey: secretKey })
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.length).toBeGreaterThan(0)
    // c copies the secret with OSC 52, into the output stream.
    await press(t, 'c', (fr) => fr.includes('copied secret'), 'copied')
    const osc = `\x1b]52;c;${Buffer.from(secretKey).toString('base64')}\x07`
    // Written by an effect after the frame that says so; only the deadline makes a hang a failure.
    await until(() => t.stdout.frames.some((fr) => fr.includes(osc)), 'the OSC 52 sequence')
    let list = await press(t, ESC, (fr) => !fr.includes('shown only this once') && fr.includes('ink-test'), 'listed')
    expect(list).not.toContain(secretKey)
    expect(selected(list)).toContain(accessKey)
    await press(t, 'd', (fr) => fr.includes('Type “ink-test” to confirm'), 'the typed confirm')
    await press(t, 'ink-tes', (fr) => fr.includes('confirm: ink-tes'), 'typed')
    await press(t, ENTER, (fr) => fr.includes('That is not it'), 'refused')
    await press(t, 't', (fr) => fr.includes('confirm: ink-test'), 'completed')
    list = await press(t, ENTER, (fr) => fr.includes(`revoked ${accessKey}`), 'revoked')
    expect((await admin.listKeys()).map((k) => k.accessKey)).not.toContain(accessKey)
    t.instance.unmount()
  })

  test('the secret is shown even when the appliance cannot say where S3 is', async () => {
    // The calls the snippets could use fail; creating the key works.
    const token = readFileSync(join(srv.dataDir, 'admin.token'), 'utf8').trim()
    const failing = ['/api/config', '/api/admin/overview', '/api/buckets', '/api/presign']
    const fetcher = ((input: RequestInfo | URL, init?: RequestInit) => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname
      if (failing.includes(path)) return Promise.resolve(Response.json({ error: { code: 'InternalError', message: 'down' } }, { status: 500 }))
      return fetch(input, init)
    }) as typeof fetch
    const t = open(createApiClient({ baseUrl: srv.httpUrl, token: () => token, fetch: fetcher }), { s3Url: null })
    await press(t, '3', (f) => f.includes('CSTESTROOTKEY0000001'), 'the keys')
    await press(t, 'n', (f) => f.includes('New access key'), 'the form')
    await press(t, 'no-snippets', (f) => f.includes('Name       no-snippets'), 'typed')
    const f = await press(t, ENTER, (fr) => fr.includes('shown only this once'), 'the secret')
    const secretKey = /Secret key {2}(\S+)/.exec(f)![1]
    const key = (await admin.listKeys()).find((k) => k.name === 'no-snippets')!
    expect(f).toContain(`Access key  ${key.accessKey}`)
    expect(secretKey.length).toBeGreaterThan(20)
    expect(f).toContain('endpoint_url <S3 URL>')
    t.instance.unmount()
  })
})

describe('Buckets and Files', () => {
  test('create a bucket, toggle its settings, edit CORS, upload, overwrite, download, delete, copy a URL', async () => {
    const t = await openOnline()
    await press(t, '4', (f) => f.includes('root *'), 'the buckets')
    await press(t, 'n', (f) => f.includes('New bucket'), 'the form')
    t.stdin.write('ink-photos')
    let f = await press(t, ENTER, (fr) => fr.includes('created bucket ink-photos') && selected(fr).includes('ink-photos'), 'created, selected')
    expect(selected(f)).toMatch(/ink-photos\s+0\s+0 B\s+0 B on\s+never\s+no/)
    await press(t, 'v', (fr) => fr.includes('Turn Time Machine off'), 'asks')
    await press(t, 'y', (fr) => fr.includes('✔ Time Machine off for ink-photos'), 'off')
    expect((await admin.getBucket('ink-photos')).timeMachine).toBe(false)
    await press(t, 'v', (fr) => fr.includes('✔ Time Machine on for ink-photos'), 'on again, at once')
    await press(t, 'p', (fr) => fr.includes('Make ink-photos public?'), 'asks')
    await press(t, 'n', (fr) => !fr.includes('Make ink-photos public?'), 'no')
    expect((await admin.getBucket('ink-photos')).publicRead).toBe(false)
    // CORS: an editor over the rules as JSON; ctrl+s saves.
    f = await press(t, 'c', (fr) => fr.includes('CORS rules of ink-photos'), 'the editor')
    expect(f).toContain('"allowedOrigins": [')
    f = await press(t, '\u0013', (fr) => fr.includes('CORS rules of ink-photos saved (1 rule)'), 'saved')
    expect((await admin.getBucket('ink-photos')).cors).toEqual([{ allowedOrigins: ['https://example.com'], allowedMethods: ['GET', 'PUT'], allowedHeaders: ['*'], exposeHeaders: [], maxAgeSeconds: 3600 }])

    // Files: Enter on the bucket; upload a local file.
    await press(t, ENTER, (fr) => fr.includes('ink-photos/') && fr.includes('an empty folder'), 'the empty bucket')
    const local = join(dir, 'notes.txt')
    writeFileSync(local, 'version one\n')
    await press(t, 'u', (fr) => fr.includes('Upload to ink-photos/'), 'the upload form')
    t.stdin.write(local)
    await press(t, ENTER, (fr) => fr.includes('› Name'), 'the name field')
    t.stdin.write('docs/notes.txt')
    f = await press(t, ENTER, (fr) => fr.includes('✔ uploaded'), 'uploaded')
    expect(f).toMatch(/✔ uploaded .*notes\.txt → ink-photos\/docs\/notes\.txt · 12 B \/ 12 B/)
    f = await press(t, 'r', (fr) => fr.includes('▸ docs/'), 'the folder')
    f = await press(t, ENTER, (fr) => fr.includes('ink-photos/docs/') && /notes\.txt\s+12 B/.test(fr), 'inside the folder')
    expect(f).toMatch(/notes\.txt\s+12 B \d{4}-\d\d-\d\d \d\d:\d\d text\/plain/)
    const s3 = s3Client(srv.s3Url)
    const get = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: 'ink-photos', Key: key }))).Body!.transformToString()
    expect(await get('docs/notes.txt')).toBe('version one\n')
    // Overwrite (into the current folder, named after the file).
    writeFileSync(local, 'version two, longer\n')
    await press(t, 'u', (fr) => fr.includes('Upload to ink-photos/docs/'), 'the form again')
    t.stdin.write(local)
    await press(t, ENTER + ENTER, (fr) => fr.includes('✔ uploaded') && fr.includes('20 B / 20 B'), 'overwritten')
    expect(await get('docs/notes.txt')).toBe('version two, longer\n')
    // Details, download, presigned URL.
    await press(t, DOWN, (fr) => selected(fr).includes('notes.txt'), 'on the file')
    f = await press(t, ENTER, (fr) => fr.includes('ink-photos/docs/notes.txt') && fr.includes('Checksum'), 'details')
    expect(f).toMatch(/Version\s+2 of 2 kept/)
    expect(f).toMatch(/Size\s+20 B \(20 bytes\)/)
    await press(t, ESC, (fr) => !fr.includes('Checksum'), 'closed')
    const saved = join(dir, 'copy.txt')
    await press(t, 's', (fr) => fr.includes('Download docs/notes.txt'), 'the download form')
    for (let i = 0; i < 20; i++) t.stdin.write('\u007F')
    t.stdin.write(saved)
    await press(t, ENTER, (fr) => fr.includes('✔ downloaded'), 'downloaded')
    expect(readFileSync(saved, 'utf8')).toBe('version two, longer\n')
    await press(t, 'c', (fr) => fr.includes('Presigned URL for docs/notes.txt'), 'the URL form')
    const before = t.stdout.frames.length
    f = await press(t, ENTER, (fr) => fr.includes('copied presigned URL'), 'copied')
    // The URL on the clipboard (OSC 52) downloads the file.
    const m = await until(() => t.stdout.frames.slice(before).map((fr) => /\x1b\]52;c;([A-Za-z0-9+/=]+)\x07/.exec(fr)).find(Boolean), 'a URL on the clipboard')
    const url = Buffer.from(m![1], 'base64').toString()
    expect(url).toStartWith(`${srv.s3Url}/ink-photos/docs/notes.txt?`)
    expect(new URL(url).searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256')
    expect(await (await fetch(url)).text()).toBe('version two, longer\n')
    await press(t, ESC, (fr) => !fr.includes('Presigned URL for'), 'closed')
    // Delete: y/N, since Time Machine keeps the history.
    await press(t, 'd', (fr) => fr.includes('Delete docs/notes.txt?'), 'asks')
    await press(t, 'y', (fr) => fr.includes('deleted docs/notes.txt'), 'deleted')
    expect((await admin.listObjects('ink-photos', { prefix: 'docs/' })).objects).toEqual([])
    t.instance.unmount()
  })
})

describe('Time Machine', () => {
  test('a file\'s versions: diff, preview, restore version 1; deleted files and undelete', async () => {
    const s3 = s3Client(srv.s3Url)
    await admin.createBucket('ink-tm')
    for (const body of ['one\n', 'one\ntwo\n', 'three\n']) {
      await fetch((await admin.presign({ bucket: 'ink-tm', key: 'a.txt', operation: 'PutObject', contentType: 'text/plain' })).url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body })
    }
    const t = await openOnline()
    t.stdin.write(':')
    await waitForFrame(t.lastFrame, (f) => f.includes('tab completes'), 'the palette')
    await press(t, 'tm ink-tm/a.txt', (fr) => fr.includes(':tm ink-tm/a.txt'), 'typed')
    let f = await press(t, ENTER, (fr) => fr.includes('ink-tm/a.txt · versions') && fr.includes('v3'), 'the versions')
    expect(f).toMatch(/v3\s+6 B .*● now/)
    // Diff v2 against the current: coloured unified diff.
    await press(t, DOWN, (fr) => selected(fr).includes('v2'), 'v2')
    f = await press(t, 'D', (fr) => fr.includes('a.txt: v2 → v3'), 'the diff')
    expect(f).toContain('-two')
    expect(f).toContain('+three')
    await press(t, ESC, (fr) => !fr.includes('v2 → v3'), 'closed')
    f = await press(t, ENTER, (fr) => fr.includes('a.txt · version 2'), 'the preview')
    expect(f).toMatch(/│ one\s+│\n│ two/)
    await press(t, ESC, (fr) => !fr.includes('· version 2'), 'closed')
    await press(t, 'G', (fr) => selected(fr).includes('v1'), 'v1')
    await press(t, 'R', (fr) => fr.includes('Restore version 1 of a.txt?'), 'asks')
    f = await press(t, 'y', (fr) => fr.includes('restored version 1 of a.txt: it is now version 4'), 'restored')
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'ink-tm', Key: 'a.txt' }))).Body!.transformToString()).toBe('one\n')
    // Deleted files: delete it, then undelete from the deleted view.
    await admin.deleteObject('ink-tm', 'a.txt')
    await press(t, ESC, (fr) => fr.includes('files with history'), 'the files')
    await press(t, 'x', (fr) => fr.includes('deleted files (u undeletes)') && fr.includes('a.txt'), 'deleted files')
    await press(t, 'u', (fr) => fr.includes('Undelete a.txt?'), 'asks')
    await press(t, 'y', (fr) => fr.includes('undeleted a.txt'), 'undeleted')
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'ink-tm', Key: 'a.txt' }))).Body!.transformToString()).toBe('one\n')
    t.instance.unmount()
  })
})

describe('the : palette', () => {
  test('enter on a partial word runs the highlighted completion', async () => {
    const t = await openOnline()
    await press(t, ':', (f) => f.includes('tab completes'), 'the palette')
    await press(t, 'bu', (f) => f.includes(':bu'), 'typed')
    const f = await press(t, ENTER, (fr) => !fr.includes('tab completes') && fr.includes('root *'), 'the buckets')
    expect(f).not.toContain('no command')
    t.instance.unmount()
  })
})

describe('Webhooks', () => {
  test('create with events ticked; its deliveries show in the log; disable', async () => {
    const t = await openOnline()
    await press(t, '7', (f) => f.includes('no webhooks'), 'none yet')
    await press(t, 'n', (f) => f.includes('New webhook'), 'the form')
    for (let i = 0; i < 8; i++) t.stdin.write('\u007F')
    t.stdin.write(hookUrl)
    await press(t, '\t', (f) => f.includes('› Events'), 'events')
    // Tick bucket.created (the fourth event).
    for (let i = 0; i < 3; i++) t.stdin.write('\u001B[C')
    await press(t, ' ', (f) => f.includes('3 ticked'), 'ticked')
    let f = await press(t, ENTER, (fr) => fr.includes('Signing secret'), 'created')
    expect(f).toContain('whsec_')
    await press(t, ESC, (fr) => fr.includes(hookUrl) && fr.includes('active'), 'listed')
    await admin.createBucket('ink-hooked')
    await until(() => received.some((r) => r.event === 'bucket.created'), 'the bucket.created delivery')
    f = await press(t, ENTER, (fr) => fr.includes('Deliveries to'), 'the log')
    f = await press(t, 'r', (fr) => /delivered\s+204/.test(fr), 'the delivery')
    f = await press(t, ENTER, (fr) => fr.includes('Status      delivered · HTTP 204'), 'in full')
    await press(t, ESC, (fr) => !fr.includes('Status      delivered'), 'closed')
    f = await press(t, ESC, (fr) => fr.includes('3 events'), 'back to the list')
    // The list says how the last delivery went.
    expect(selected(f)).toMatch(/3 events\s+active\s+delivered 204 \d\d-\d\d \d\d:\d\d/)
    await press(t, 'e', (fr) => fr.includes('disabled'), 'disabled')
    expect((await admin.listWebhooks())[0].active).toBe(false)
    t.instance.unmount()
  })
})

describe('Accounts', () => {
  test('keys that arrive before the screen redraws act on the state the earlier ones led to', async () => {
    await admin.createAccount({ email: 'ink-fast@example.com', password: 'ink-fast-password', isAdmin: false })
    const t = await openOnline()
    await press(t, '2', (f) => f.includes('ink-fast@example.com'), 'the accounts')
    // One read per key and no frame awaited in between, as a paste or a script delivers them:
    // Enter that keeps the filter, then Enter that opens the row it left under the cursor.
    for (const k of ['/', ...'ink-fast', ENTER, ENTER]) t.stdin.write(k)
    const f = await waitForFrame(t.lastFrame, (fr) => fr.includes('Access keys (1)'), 'the account in full')
    expect(f).toMatch(/│ ink-fast@example\.com\s/)
    t.instance.unmount()
  })

  test('plan, admin flag, password reset, and the account in full', async () => {
    await admin.createAccount({ email: 'ink-user@example.com', password: 'ink-user-password', isAdmin: false })
    // Sorts first: the filter, not the order, has to bring ink-user under the cursor.
    await admin.createAccount({ email: 'ink-aaa@example.com', password: 'ink-aaa-password', isAdmin: false })
    const t = await openOnline()
    await press(t, '2', (f) => f.includes('ink-user@example.com') && selected(f).includes('ink-aaa@example.com'), 'the accounts')
    await press(t, '/', (fr) => fr.includes('enter keeps · esc clears'), 'the filter')
    await press(t, 'ink-user', (fr) => fr.includes('/ink-user'), 'typed')
    let f = await press(t, ENTER, (fr) => !fr.includes('enter keeps · esc clears') && selected(fr).includes('ink-user@example.com') && /1 of \d+ accounts match “ink-user”/.test(fr), 'filtered to it')
    expect(f).not.toContain('ink-aaa@example.com')
    f = await press(t, ENTER, (fr) => fr.includes('Access keys (1)') && fr.includes('Buckets (1)'), 'its keys and buckets')
    expect(f).toMatch(/│ ink-user@example\.com\s/)
    expect(f).toMatch(/Administrator\s+no/)
    await press(t, 'a', (fr) => fr.includes('Make ink-user@example.com an administrator?'), 'asks')
    await press(t, 'y', (fr) => fr.includes('is now an administrator'), 'promoted')
    await press(t, 'w', (fr) => fr.includes('New password for ink-user@example.com'), 'the password form')
    t.stdin.write('a-new-password-1')
    f = await press(t, ENTER, (fr) => fr.includes('new password set for ink-user@example.com'), 'reset')
    const login = await fetch(`${srv.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ink-user@example.com', password: 'a-new-password-1' }) })
    expect(login.status).toBe(200)
    // The plans of the appliance's config, to choose from.
    f = await press(t, 'p', (fr) => fr.includes('Plan of ink-user@example.com'), 'the plan form')
    expect(f).toMatch(/› Plan\s+\[default\] gold /)
    await press(t, '\u001B[C', (fr) => /› Plan\s+ default \[gold\]/.test(fr), 'gold chosen')
    await press(t, ENTER, (fr) => fr.includes('ink-user@example.com is on plan gold'), 'saved')
    await press(t, ESC, (fr) => fr.includes('used/quota'), 'back to the list')
    const a = (await admin.listAccounts()).find((x) => x.email === 'ink-user@example.com')!
    expect(a).toMatchObject({ isAdmin: true, plan: 'gold' })
    t.instance.unmount()
  })
})

describe('a remote account (access key)', () => {
  test('sees its own data, no admin screens, and its Overview', async () => {
    const created = await admin.createAccount({ email: 'ink-remote@example.com', password: 'ink-remote-password', isAdmin: false })
    const client = createApiClient({ baseUrl: srv.httpUrl, apiKey: { accessKey: created.accessKey, secretKey: created.secretKey } })
    const t = open(client, { admin: false })
    const f = await waitForFrame(t.lastFrame, (fr) => fr.includes('ink-remote@example.com'), 'its overview')
    expect(f).not.toContain('Accounts')
    expect(f).toMatch(/Plan\s+default/)
    expect(f).toMatch(/Default bucket\s+ink-remote/)
    const buckets = await press(t, '3', (fr) => fr.includes(created.accessKey), 'its keys')
    expect(buckets).not.toContain('CSTESTROOTKEY0000001')
    t.instance.unmount()
  })
})
