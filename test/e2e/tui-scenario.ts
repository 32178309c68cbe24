/**
 * Issue 12's end-to-end run of the TUI: a user's session in a real terminal (tmux), keystroke by
 * keystroke, against a running server; what the screen claims is then checked through S3 and at
 * a webhook receiver. binary.test.ts runs it with the compiled executable as `launcher`.
 */
import { expect } from 'bun:test'
import { createHmac, randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { openTmux, shq, waitFor, type Terminal } from '../helpers/tmux'
import { webhookReceiver } from '../helpers/webhook-receiver'
import { s3Client } from '../helpers/s3-client'
import { ROOT_ACCESS_KEY, type TestServer } from '../helpers/server'
import { VERSION } from '../../src/version'

/** What the server needs for this scenario: webhooks may deliver to a receiver on localhost. */
export const TUI_SCENARIO_SERVER_ENV: Record<string, string> = { CLOUDSTORAGE_WEBHOOK_ALLOWLIST: '127.0.0.1' }

const ENTER = '\r'
const BACKSPACE = '\x7f'
const BUCKET = 'e2e-tui'
const FILE = 'report.bin'

/** The highlighted table row (a dialog's focused field is inside its frame: │ › Name). */
const selected = (screen: string) => screen.split('\n').find((l) => l.startsWith('› ')) ?? ''
/** A table row that holds `text`, selected or not. */
const row = (screen: string, text: string) => screen.split('\n').find((l) => /^(› | {2})/.test(l) && l.includes(text)) ?? ''
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Runs `launcher tui` in tmux (120x40) with exactly `env` (plus the pane's TERM), in `cwd`,
 * against `server` (started with TUI_SCENARIO_SERVER_ENV), and goes through: create an access
 * key (its secret read off the screen), create a bucket, upload a local file, overwrite it,
 * restore version 1 in the Time Machine screen, read the bytes back through S3 with that key;
 * create a webhook and read its test delivery in the log. Temporary files go under `scratch`.
 */
export async function tuiEndToEnd(launcher: string, cwd: string, server: TestServer, env: Record<string, string>, scratch: string): Promise<void> {
  const dir = mkdtempSync(join(scratch, 'tui-e2e-'))
  const receiver = webhookReceiver(204, '')
  const vars = Object.entries(env).map(([k, v]) => `${k}=${shq(v)}`).join(' ')
  // env -i: the TUI sees only `env` and the terminal type tmux gives its pane.
  const command = `env -i TERM="$TERM" ${vars} ${shq(launcher)} tui --data ${shq(server.dataDir)} --url ${shq(server.httpUrl)}`
  const term: Terminal = openTmux(dir, command, 120, 40, cwd)
  const press = (keys: string) => term.press(keys)
  try {
    await waitFor(term, (x) => x.includes('● online') && x.includes(`CloudStorage v${VERSION}`), 'the overview')

    // An access key: created on the Keys screen, its secret shown once. (Ink repaints a frame top
    // to bottom, and a capture may catch it halfway: each wait names everything then read.)
    press('3')
    await waitFor(term, (x) => row(x, ROOT_ACCESS_KEY) !== '', 'the keys screen')
    press('n')
    await waitFor(term, (x) => x.includes('New access key') && x.includes('› Name'), 'the new key form')
    press('e2e-key')
    await waitFor(term, (x) => /› Name\s+e2e-key/.test(x), 'the key name typed')
    press(ENTER)
    let s = await waitFor(term, (x) => x.includes('✔ Created key e2e-key') && x.includes('shown only this once')
      && x.includes(`aws configure set endpoint_url ${server.s3Url} --profile cloudstorage`), 'the new key and its snippets')
    const accessKeyId = /Access key {2}(\S+)/.exec(s)?.[1] ?? ''
    const secretAccessKey = /Secret key {2}(\S+)/.exec(s)?.[1] ?? ''
    expect(accessKeyId).toMatch(/^CS[A-Z0-9]{18}$/)
    expect(secretAccessKey).toMatch(/^[A-Za-z0-9]{40}$/)
    press(ENTER)
    s = await waitFor(term, (x) => !x.includes('shown only this once') && row(x, accessKeyId).includes('e2e-key'), 'the key listed')
    expect(s).not.toContain(secretAccessKey)

    // A bucket, on the Buckets screen: created, selected, Time Machine on.
    press('4')
    await waitFor(term, (x) => /^(› | {2})root \*/m.test(x), 'the buckets screen')
    press('n')
    await waitFor(term, (x) => x.includes('New bucket') && x.includes('› Name'), 'the new bucket form')
    press(BUCKET)
    await waitFor(term, (x) => new RegExp(`› Name\\s+${BUCKET}`).test(x), 'the bucket name typed')
    press(ENTER)
    await waitFor(term, (x) => x.includes(`created bucket ${BUCKET}`) && new RegExp(`^› ${BUCKET}\\s+0\\s+0 B\\s+0 B\\s+on\\s`).test(selected(x)), 'the bucket created and selected')

    // Upload a local file into it (Enter: its files), then overwrite it with other bytes.
    const local = join(dir, FILE)
    const v1 = randomBytes(700)
    const v2 = randomBytes(1000)
    press(ENTER)
    await waitFor(term, (x) => x.includes(`${BUCKET}/`) && x.includes('an empty folder'), 'the empty bucket')
    const upload = async (bytes: Buffer, size: string) => {
      writeFileSync(local, bytes)
      press('u')
      await waitFor(term, (x) => x.includes(`Upload to ${BUCKET}/`) && x.includes('› Local file'), 'the upload form')
      press(local)
      await waitFor(term, (x) => new RegExp(`› Local file\\s+${escapeRe(local)}`).test(x), 'the path typed')
      press(ENTER)
      await waitFor(term, (x) => x.includes('› Name'), 'the name field')
      // Empty name: the file's own, in the folder shown.
      press(ENTER)
      const done = `✔ uploaded ${local} → ${BUCKET}/${FILE} · ${size} / ${size}`
      await waitFor(term, (x) => x.includes(done) && new RegExp(`^› {3}${escapeRe(FILE)}\\s+${size}\\s`).test(selected(x)), `${size} uploaded and listed`)
    }
    await upload(v1, '700 B')
    await upload(v2, '1000 B')
    // The server kept both: the overwrite made one more version, each upload exactly one.
    const token = (await Bun.file(join(server.dataDir, 'admin.token')).text()).trim()
    const res = await fetch(`${server.httpUrl}/api/versions?bucket=${BUCKET}&key=${FILE}`, { headers: { authorization: `Bearer ${token}` } })
    const kept = (await res.json()) as { versions: Array<{ versionNumber: number; size: number; isCurrent: boolean }> }
    expect(kept.versions.map((v) => [v.versionNumber, v.size, v.isCurrent])).toEqual([[2, 1000, true], [1, 700, false]])

    // Time Machine: the bucket (found with the / filter), the file, its versions; restore v1.
    press('6')
    await waitFor(term, (x) => x.includes('Time Machine · choose a bucket') && row(x, BUCKET) !== '', 'the Time Machine buckets')
    press('/')
    await waitFor(term, (x) => x.includes('enter keeps · esc clears'), 'the filter')
    press(BUCKET)
    await waitFor(term, (x) => x.includes(`match “${BUCKET}”`) && selected(x).includes(BUCKET), 'the bucket filtered')
    press(ENTER)
    await waitFor(term, (x) => !x.includes('enter keeps · esc clears'), 'the filter kept')
    press(ENTER)
    await waitFor(term, (x) => x.includes(`${BUCKET} · files with history`) && new RegExp(`^› ${escapeRe(FILE)}\\s+2 live\\s`).test(selected(x)), 'the file, 2 versions')
    press(ENTER)
    await waitFor(term, (x) => x.includes(`${BUCKET}/${FILE} · versions, newest first`) && /^› {3}v2\s+1000 B \S+ \S+ ● now\s*$/.test(selected(x))
      && /^ {4}v1\s+700 B \S+ \S+\s*$/.test(row(x, ' v1 ')) && x.includes('2 versions'), 'the versions')
    press('G')
    await waitFor(term, (x) => selected(x).includes(' v1 '), 'v1 selected')
    press('R')
    await waitFor(term, (x) => x.includes(`Restore version 1 of ${FILE}?`) && x.includes('Its content (700 B, ') && x.includes('[y/N]'), 'the restore question')
    press('y')
    await waitFor(term, (x) => x.includes(`restored version 1 of ${FILE}: it is now version 3`) && /^(› | {2}) {2}v3\s+700 B \S+ \S+ ● now\s*$/.test(row(x, ' v3 ')) && x.includes('3 versions'), 'restored: v3 is current')

    // The bytes, through S3 with the key the TUI showed: version 1's, byte for byte.
    const s3 = s3Client(server.s3Url, { accessKeyId, secretAccessKey })
    try {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: FILE }))
      const bytes = Buffer.from(await got.Body!.transformToByteArray())
      expect(bytes.length).toBe(v1.length)
      expect(bytes.equals(v1)).toBe(true)
    } finally {
      s3.destroy()
    }

    // A webhook to the receiver; its signing secret is shown once; t sends a test event.
    press('7')
    await waitFor(term, (x) => x.includes('no webhooks: n creates one'), 'the webhooks screen')
    press('n')
    await waitFor(term, (x) => x.includes('New webhook') && /› URL\s+https:\/\//.test(x), 'the new webhook form')
    press(BACKSPACE.repeat('https://'.length))
    await waitFor(term, (x) => /› URL\s*│$/m.test(x), 'the URL field emptied')
    press(receiver.url)
    await waitFor(term, (x) => new RegExp(`› URL\\s+${escapeRe(receiver.url)}`).test(x), 'the URL typed')
    press(ENTER)
    await waitFor(term, (x) => x.includes('› Events') && x.includes('2 ticked') && x.includes('[x] object.created') && x.includes('[x] object.deleted'), 'the events field')
    press(ENTER)
    s = await waitFor(term, (x) => x.includes(`✔ Webhook to ${receiver.url}`) && /Signing secret {2}whsec_\S+/.test(x) && x.includes('Shown only this once'), 'the webhook created')
    const secret = /Signing secret {2}(whsec_\S+)/.exec(s)?.[1] ?? ''
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    press(ENTER)
    await waitFor(term, (x) => !x.includes('Signing secret') && selected(x).includes(receiver.url) && /\sactive\s*$/.test(selected(x)), 'the webhook listed')
    expect(receiver.got).toEqual([])
    press('t')
    await waitFor(term, (x) => x.includes(`test event sent to ${receiver.url}: delivered (HTTP 204)`) && x.includes(`Deliveries to ${receiver.url}`), 'the test sent, its log')

    // The receiver got one signed ping; the log's row is that delivery.
    expect(receiver.got.length).toBe(1)
    const ping = receiver.got[0]
    const signature = createHmac('sha256', secret).update(ping.body).digest('hex')
    expect(ping.headers['x-cloudstorage-event']).toBe('ping')
    expect(ping.headers['x-cloudstorage-signature']).toBe(signature)
    expect(JSON.parse(ping.body)).toMatchObject({ event: 'ping' })
    const deliveryId = ping.headers['x-cloudstorage-delivery'] ?? ''
    expect(deliveryId).toMatch(/^\d+$/)
    await waitFor(term, (x) => new RegExp(`^› +${deliveryId} delivered +204 +1 \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s*$`).test(selected(x)) && x.includes('1 delivery'), 'the delivery in the log')
    press(ENTER)
    await waitFor(term, (x) => x.includes(`Delivery ${deliveryId}`) && x.includes('Status      delivered · HTTP 204') && /Event {7}ping \(#\d+, test\)/.test(x)
      && x.includes(`x-cloudstorage-signature: ${signature}`), 'the delivery in full')
    press(ENTER)
    await waitFor(term, (x) => !x.includes('Status      delivered') && x.includes(`Deliveries to ${receiver.url}`), 'the delivery closed')

    press('q')
    expect(await term.exited()).toBe(0)
    const after = await waitFor(term, (x) => x.includes('TUI-EXITED'), 'the shell after exit')
    expect(after).not.toContain('Deliveries to')
  } finally {
    term.close()
    receiver.stop()
  }
}
