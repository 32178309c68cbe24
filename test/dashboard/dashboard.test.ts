/**
 * The web dashboard end to end, in headless Chromium against an in-process appliance with the
 * dashboard's real rate limit (30 API requests a minute) and its CSP enforced: sign up → create a
 * key → create a bucket → upload three files by drag and drop (presigned PUTs to the S3 port, one
 * presign call for the three) → a thumbnail → overwrite a text file → diff and restore the old
 * version → a share link opened in a fresh browser context → the bytes checked through S3 with
 * the key the page showed. Also: multipart uploads with a dropped part sent again and a failed
 * file aborted, the phone layout's focus, confirmations, Time Machine's media previews and paging,
 * and an account left without access keys.
 * Every page is screenshotted at 1280 and 390 px and in the dark scheme (test-artifacts/dashboard/;
 * two at 3840 px), checked with axe-core (no serious or critical violations, contrast included)
 * and for horizontal scrolling at 360 px; each page's API calls are counted.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout } from 'bun:test'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { CreateBucketCommand, DeleteObjectsCommand, GetBucketCorsCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { sdkError } from '../helpers/s3-client'
import sharp from 'sharp'
import { REGION, ROOT_EMAIL, ROOT_PASSWORD, startInProcess, type InProcessTestServer } from '../helpers/server'
import { browserTest, capture, haveChromium, launch, watch, type AxeViolation, type BrowserContext, type Chromium, type Page, type Route, type Watch } from './browser'
import { until } from '../helpers/wait'

setDefaultTimeout(180_000)

const EMAIL = 'dana@example.com'
const PASSWORD = 'dana-password-1234'
const BUCKET = 'dana-photos'
const NOTES_V1 = 'shopping list\nmilk\neggs\nbread\n'
const NOTES_V2 = 'shopping list\nmilk\noat milk\nbread\ncoffee\n'

let server: InProcessTestServer
let chrome: Chromium
let context: BrowserContext
let page: Page
let w: Watch
let photo: Buffer
const pdf = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n')
const violations: AxeViolation[] = []
/** Dashboard API calls per page load, for the budget assertion and the report. */
const callsPerPage: Record<string, string[]> = {}
let accessKey = ''
let secretKey = ''
let shareUrl = ''
/** A webhook receiver: the bodies it got. */
const hooks: string[] = []
let receiver: ReturnType<typeof Bun.serve>

/**
 * Loads a dashboard route afresh (as a bookmark or a reload would) and waits for its h1; records
 * the API calls the load made (the session check included).
 */
async function open(route: string, heading: string | RegExp, name: string) {
  await page.goto('about:blank')
  w.take()
  await page.goto(`${server.httpUrl}/#/${route}`)
  await page.getByRole('heading', { level: 1, name: heading }).waitFor()
  await settle()
  callsPerPage[name] = w.take()
}

/** No request in flight and the "Loading…" states gone. */
async function settle() {
  await page.waitForLoadState('networkidle')
  await page.waitForFunction(() => ![...document.querySelectorAll('[role=status]')].some((e) => /Loading/.test(e.textContent ?? '')))
}

async function shoot(name: string, opts: { uhd?: boolean } = {}) {
  violations.push(...(await capture(page, name, opts)))
}

/** Drops files on the page's drop zone the way a browser delivers a drag from the desktop. */
async function drop(files: Array<{ name: string; type: string; data: Buffer }>) {
  const dt = await page.evaluateHandle((list) => {
    const t = new DataTransfer()
    for (const f of list) t.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }))
    return t
  }, files.map((f) => ({ name: f.name, type: f.type, b64: f.data.toString('base64') })))
  await page.dispatchEvent('.dropzone', 'dragover', { dataTransfer: dt })
  await page.dispatchEvent('.dropzone', 'drop', { dataTransfer: dt })
}

/** A large file made in the page (nothing to copy in): byte i is (i * 31) % 251. */
async function dropGenerated(name: string, size: number) {
  const dt = await page.evaluateHandle(({ name, size }) => {
    const b = new Uint8Array(size)
    for (let i = 0; i < size; i++) b[i] = (i * 31) % 251
    const t = new DataTransfer()
    t.items.add(new File([b], name, { type: 'application/octet-stream' }))
    return t
  }, { name, size })
  await page.dispatchEvent('.dropzone', 'drop', { dataTransfer: dt })
}

/** `samples` of 8 kHz 8-bit mono silence as WAV, a quarter second by default (the <audio> preview reads its duration). */
function wav(samples = 2000): Buffer {
  const h = Buffer.alloc(44)
  h.write('RIFF', 0); h.writeUInt32LE(36 + samples, 4); h.write('WAVEfmt ', 8); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22)
  h.writeUInt32LE(8000, 24); h.writeUInt32LE(8000, 28); h.writeUInt16LE(1, 32); h.writeUInt16LE(8, 34); h.write('data', 36); h.writeUInt32LE(samples, 40)
  return Buffer.concat([h, Buffer.alloc(samples, 128)])
}

function generated(size: number): Buffer {
  const b = Buffer.alloc(size)
  for (let i = 0; i < size; i++) b[i] = (i * 31) % 251
  return b
}

function s3(): S3Client {
  return new S3Client({ endpoint: server.s3Url, region: REGION, forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } })
}

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex')

beforeAll(async () => {
  if (!haveChromium) return
  receiver = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: async (r) => { hooks.push(await r.text()); return new Response('ok') } })
  server = await startInProcess({ env: { CLOUDSTORAGE_SIGNUP: 'open', CLOUDSTORAGE_RATE_LIMITS: 'on', CLOUDSTORAGE_WEBHOOK_ALLOWLIST: '127.0.0.1' } })
  photo = await sharp({ create: { width: 640, height: 400, channels: 3, background: '#2f7d4f' } }).jpeg().toBuffer()
  chrome = await launch()
  context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.httpUrl })
  page = await context.newPage()
  w = watch(page)
})

afterAll(async () => {
  await context?.close()
  await chrome?.close()
  await server?.stop()
  receiver?.stop(true)
})

describe('the dashboard in Chromium', () => {
  browserTest('sign up: the first key is shown once, with client snippets', async () => {
    await page.goto(`${server.httpUrl}/`)
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor()
    await shoot('login')
    await page.getByRole('link', { name: 'Sign up' }).click()
    await page.getByRole('heading', { level: 1, name: 'Sign up' }).waitFor()
    await shoot('signup')
    await page.getByLabel('Email').fill(EMAIL)
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
    await page.getByLabel('Repeat the password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('heading', { level: 1, name: 'Your account is ready' }).waitFor()
    await expect(page.getByRole('tab', { name: 'boto3' }).count()).resolves.toBe(1)
    await shoot('signup-done')
    await page.getByRole('button', { name: 'Continue to the dashboard' }).click()
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
  })

  browserTest('overview: quota bars, objects, buckets, requests, plan', async () => {
    await open('', 'Overview', 'overview')
    await expect(page.getByRole('progressbar', { name: /Logical size/ }).getAttribute('aria-valuetext')).resolves.toBe('0 B of 10 GiB (0.0%)')
    await expect(page.getByText('1 of 10').count()).resolves.toBe(1)
    await shoot('overview', { uhd: true })
  })

  browserTest('keys: create one; its secret is shown once with copy buttons and AWS CLI, boto3 and rclone snippets', async () => {
    await open('keys', 'Access keys', 'keys')
    await page.getByLabel('Name (optional)').fill('e2e laptop')
    await page.getByRole('button', { name: 'Create key' }).click()
    const section = page.getByRole('region', { name: /New key/ })
    await section.waitFor()
    accessKey = (await section.locator('.copy-field code').nth(0).textContent())!.trim()
    secretKey = (await section.locator('.copy-field code').nth(1).textContent())!.trim()
    expect(accessKey).toMatch(/^[A-Z0-9]{20}$/)
    expect(secretKey.length).toBeGreaterThanOrEqual(40)
    await expect(section.getByRole('button', { name: 'Copy Secret key' }).count()).resolves.toBe(1)
    for (const tab of ['AWS CLI', 'boto3', 'rclone']) {
      await section.getByRole('tab', { name: tab }).click()
      await expect(section.getByRole('tabpanel').textContent()).resolves.toContain(secretKey)
    }
    await expect(section.getByRole('tabpanel').textContent()).resolves.toContain(`endpoint = ${server.s3Url}`)
    await shoot('keys-created')
    await section.getByRole('button', { name: 'I have saved the secret' }).click()
    await expect(page.getByRole('cell', { name: accessKey, exact: true }).count()).resolves.toBe(1)
    await expect(page.getByText(secretKey).count()).resolves.toBe(0)
    await shoot('keys')
  })

  browserTest('buckets: create one with Time Machine; its settings page', async () => {
    await open('buckets', 'Buckets', 'buckets')
    await page.getByLabel('Name', { exact: true }).fill(BUCKET)
    await page.getByRole('button', { name: 'Create bucket' }).click()
    await page.getByText(`Bucket ${BUCKET} created.`).waitFor()
    await page.getByRole('link', { name: BUCKET, exact: true }).waitFor()
    await shoot('buckets')
    await open(`buckets/${BUCKET}`, `Bucket ${BUCKET}`, 'bucket-settings')
    await expect(page.getByLabel('Time Machine: keep every version of every file').isChecked()).resolves.toBe(true)
    // Retention and a CORS rule, saved and visible through S3.
    await page.getByLabel('Versions kept per file').fill('5')
    await page.getByRole('button', { name: 'Save retention' }).click()
    await page.getByText('Retention saved.').waitFor()
    await page.getByRole('button', { name: 'Add rule' }).click()
    await page.getByLabel('Allowed origins').fill('https://app.example.com')
    await page.getByRole('group', { name: 'Allowed methods' }).getByLabel('PUT').check()
    await page.getByRole('button', { name: 'Save CORS rules' }).click()
    await page.getByText('CORS rules saved.').waitFor()
    const cors = await s3().send(new GetBucketCorsCommand({ Bucket: BUCKET }))
    expect(cors.CORSRules).toEqual([expect.objectContaining({ AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET', 'PUT'], ExposeHeaders: ['ETag'] })])
    await page.getByLabel('Public read: anyone with a link can download objects').check()
    await page.getByText('Public read saved.').waitFor()
    await page.getByLabel('Public read: anyone with a link can download objects').uncheck()
    await page.getByText('Public read saved.').waitFor()
    await expect(page.getByLabel('Versions kept per file').inputValue()).resolves.toBe('5')
    await settle()
    await shoot('bucket-settings')
  })

  browserTest('keyboard only: skip link, a form, a typed confirmation dialog', async () => {
    await page.goto('about:blank')
    await page.goto(`${server.httpUrl}/#/buckets`)
    await page.getByRole('heading', { level: 1, name: 'Buckets' }).waitFor()
    await settle()
    const focused = () => page.evaluate(() => { const e = document.activeElement as HTMLElement | null; return e ? (e.getAttribute('aria-label') ?? e.id ?? '') + '|' + (e.textContent ?? '').trim().slice(0, 40) + '|' + e.tagName : '' })
    await page.keyboard.press('Tab')
    expect(await focused()).toContain('Skip to content')
    await page.keyboard.press('Enter')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('INPUT')
    await page.keyboard.type('kb-bucket')
    await page.keyboard.press('Tab') // Time Machine
    await page.keyboard.press('Space') // off
    await page.keyboard.press('Tab') // Public read
    await page.keyboard.press('Tab')
    expect(await focused()).toContain('Create bucket')
    await page.keyboard.press('Enter')
    await page.getByText('Bucket kb-bucket created.').waitFor()
    await page.getByRole('link', { name: 'kb-bucket', exact: true }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: 'Bucket kb-bucket' }).waitFor()
    await expect(page.getByLabel('Time Machine: keep every version of every file').isChecked()).resolves.toBe(false)
    await page.getByRole('button', { name: 'Delete bucket…' }).focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Delete bucket kb-bucket?' })
    await dialog.waitFor()
    // Escape closes it; opened again, the name typed and Enter delete the bucket.
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    await page.getByRole('button', { name: 'Delete bucket…' }).focus()
    await page.keyboard.press('Enter')
    await dialog.waitFor()
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('INPUT')
    await page.keyboard.type('kb-bucket')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: 'Buckets' }).waitFor()
    await page.getByRole('link', { name: 'kb-bucket', exact: true }).waitFor({ state: 'detached' })
  })

  browserTest('files: folders by prefix, with breadcrumbs', async () => {
    await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'docs/2026/readme.md', Body: '# read me\n', ContentType: 'text/markdown' }))
    await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'tone.wav', Body: wav(), ContentType: 'audio/wav' }))
    await open(`files/${BUCKET}`, 'Files', 'files-root')
    await page.getByRole('link', { name: 'docs/' }).click()
    await page.getByRole('link', { name: '2026/' }).click()
    await page.getByRole('link', { name: 'readme.md' }).waitFor()
    const crumbs = page.getByRole('navigation', { name: 'Folder' })
    expect(await crumbs.getByRole('link').allTextContents()).toEqual([BUCKET, 'docs', '2026'])
    await expect(crumbs.getByRole('link', { name: '2026' }).getAttribute('aria-current')).resolves.toBe('page')
    await settle()
    await shoot('files-folder')
    await crumbs.getByRole('link', { name: BUCKET }).click()
    await page.getByRole('link', { name: 'docs/' }).waitFor()
  })

  browserTest('files: three files dropped upload through presigned PUTs, with progress; a thumbnail appears', async () => {
    await open(`files/${BUCKET}`, 'Files', 'files')
    await drop([
      { name: 'garden.jpg', type: 'image/jpeg', data: photo },
      { name: 'notes.txt', type: 'text/plain', data: Buffer.from(NOTES_V1) },
      { name: 'plan.pdf', type: 'application/pdf', data: pdf },
    ])
    const uploads = page.getByRole('region', { name: 'Uploads' })
    await uploads.getByText('3 of 3 uploaded').waitFor()
    // The three PUTs were presigned in one call (the budget is 30 a minute), not one call each.
    expect(w.take().filter((c) => c.startsWith('POST /api/presign'))).toEqual(['POST /api/presign/batch'])
    for (const n of ['garden.jpg', 'notes.txt', 'plan.pdf']) await page.getByRole('link', { name: n }).waitFor()
    const thumb = page.locator('img.thumb')
    await thumb.waitFor()
    await page.waitForFunction(() => { const i = document.querySelector<HTMLImageElement>('img.thumb'); return !!i && i.complete && i.naturalWidth > 0 })
    expect(await thumb.evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight])).toEqual([96, 96])
    expect(await thumb.getAttribute('src')).toMatch(new RegExp(`^/api/img/${BUCKET}/garden\\.jpg\\?w=96&h=96&fit=cover&exp=\\d+&sig=`))
    await settle()
    await shoot('files', { uhd: true })
    // The panel floats over the page: it folds away at any time and opens again.
    const toggle = uploads.locator('button[aria-controls="uploads-list"]')
    await expect(toggle.getAttribute('aria-expanded')).resolves.toBe('true')
    await uploads.getByRole('button', { name: 'Hide each upload' }).click()
    await expect(toggle.getAttribute('aria-expanded')).resolves.toBe('false')
    await uploads.getByRole('list').waitFor({ state: 'hidden' })
    await uploads.getByRole('button', { name: 'Show each upload' }).click()
    await uploads.getByRole('listitem').filter({ hasText: 'plan.pdf' }).waitFor()
    // Type labels in words, not cut to four letters.
    await expect(page.getByRole('row').filter({ hasText: 'tone.wav' }).locator('.icon').textContent()).resolves.toBe('wav')
    await expect(page.getByRole('row').filter({ hasText: 'plan.pdf' }).locator('.icon').textContent()).resolves.toBe('pdf')
    await uploads.getByRole('button', { name: 'Close' }).click()
  })

  browserTest('files: a large file goes up in presigned parts, a dropped part is sent again alone; one that fails for good or is cancelled leaves no upload behind', async () => {
    const size = 66 * 1024 * 1024 + 123 // 5 parts of 16 MiB and a short last one
    const uploads = page.getByRole('region', { name: 'Uploads' })
    const client = s3()
    const noUploadLeft = async () => {
      await until(async () => !(await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads?.length, 'the cancelled upload to be aborted')
    }
    /** Routes the PUTs of part `n` of `key` to `handle` (other requests go on untouched). */
    const onPart = (key: string, n: number, handle: (route: Route) => Promise<void>) => page.route(
      (u) => u.pathname === `/${BUCKET}/${key}` && u.searchParams.get('partNumber') === String(n),
      (route) => (route.request().method() === 'PUT' ? handle(route) : route.continue()),
    )
    // The network drops part 2 once: it is sent again, alone, with its URL (still valid).
    const part2: string[] = []
    await onPart('big.bin', 2, (route) => { part2.push(route.request().url()); return part2.length === 1 ? route.abort('failed') : route.continue() })
    w.take()
    await dropGenerated('big.bin', size)
    await uploads.getByText('1 of 1 uploaded').waitFor({ timeout: 120_000 })
    expect(part2.length).toBe(2)
    expect(part2[1]).toBe(part2[0])
    // Two presign calls: the create URL, then every part's with complete and abort.
    expect(w.take().filter((c) => c.startsWith('POST /api/presign'))).toEqual(['POST /api/presign/batch', 'POST /api/presign/batch'])
    const head = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big.bin' }))
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-5"$/)
    expect(md5(Buffer.from(await head.Body!.transformToByteArray()))).toBe(md5(generated(size)))
    await uploads.getByRole('button', { name: 'Close' }).click()

    // Part 1 of another file never gets through: tried 4 times, the file fails and its upload is aborted.
    let tries = 0
    await onPart('failed.bin', 1, (route) => { tries++; return route.abort('failed') })
    await dropGenerated('failed.bin', size)
    await uploads.getByText('failed', { exact: true }).waitFor({ timeout: 60_000 })
    await uploads.getByText('The upload could not reach the S3 endpoint.').waitFor()
    expect(tries).toBe(4)
    await noUploadLeft()
    await page.unrouteAll()
    await uploads.getByRole('button', { name: 'Close' }).click()

    // While a file goes up, leaving the page asks first; once nothing is going up, it does not.
    const leaving = () => page.evaluate(() => { const e = new Event('beforeunload', { cancelable: true }); dispatchEvent(e); return e.defaultPrevented })
    await dropGenerated('cancelled.bin', size)
    const cancel = uploads.getByRole('button', { name: 'Cancel cancelled.bin' })
    // Cancel once the multipart upload exists (its first part is on its way).
    await page.waitForFunction(() => [...document.querySelectorAll('.uploads progress')].some((p) => Number((p as HTMLProgressElement).value) > 0))
    expect(await leaving()).toBe(true)
    await cancel.click()
    await uploads.getByText('cancelled', { exact: true }).waitFor()
    expect(await leaving()).toBe(false)
    await noUploadLeft()
    expect(await sdkError(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cancelled.bin' })))).toMatchObject({ status: 404 })
    await uploads.getByRole('button', { name: 'Close' }).click()
    await page.getByRole('link', { name: 'big.bin' }).click()
    await page.getByRole('button', { name: 'Delete…' }).click()
    await page.getByRole('dialog', { name: 'Delete this file?' }).getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('link', { name: 'big.bin' }).waitFor({ state: 'detached' })
  })

  browserTest('files: the preview pane shows text, images, PDF and audio; download and a presigned link', async () => {
    // On a phone the preview opens under the whole list: focus and view go to its heading, and
    // back to the file's link when it closes.
    await page.setViewportSize({ width: 390, height: 844 })
    await page.getByRole('link', { name: 'notes.txt' }).click()
    await page.waitForFunction(() => document.activeElement?.id === 'preview-h' && document.activeElement.textContent === 'notes.txt')
    const top = await page.evaluate(() => document.querySelector('.topbar')!.getBoundingClientRect().bottom)
    const box = (await page.locator('#preview-h').boundingBox())!
    expect(box.y).toBeGreaterThanOrEqual(top)
    expect(box.y + box.height).toBeLessThanOrEqual(844)
    await page.getByRole('link', { name: 'Close preview' }).click()
    await page.waitForFunction(() => document.activeElement?.textContent === 'notes.txt' && document.activeElement.tagName === 'A')
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.getByRole('link', { name: 'notes.txt' }).click()
    await expect(page.getByLabel('Content of notes.txt').textContent()).resolves.toBe(NOTES_V1)
    // Download: the file's bytes, as an attachment.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download' }).click()])
    expect(download.suggestedFilename()).toBe('notes.txt')
    expect(readFileSync((await download.path())!, 'utf8')).toBe(NOTES_V1)
    // A presigned link, copied to the clipboard, works without credentials.
    await page.getByLabel('Presigned link valid for').selectOption('86400')
    await page.getByRole('button', { name: 'Create link' }).click()
    const link = (await page.locator('.presign code').textContent())!.trim()
    expect(link).toStartWith(`${server.s3Url}/${BUCKET}/notes.txt?`)
    expect(link).toContain('X-Amz-Expires=86400')
    await page.getByRole('button', { name: 'Copy the presigned link' }).click()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link)
    expect(await (await fetch(link)).text()).toBe(NOTES_V1)
    await settle()
    await shoot('files-preview-text')
    await page.getByRole('link', { name: 'plan.pdf' }).click()
    const frame = page.locator('iframe.preview-frame')
    await frame.waitFor()
    expect(await frame.getAttribute('src')).toStartWith(`${server.s3Url}/${BUCKET}/plan.pdf?`)
    await page.getByRole('link', { name: 'tone.wav' }).click()
    await page.waitForFunction(() => { const a = document.querySelector('audio'); return !!a && a.readyState >= 1 && Math.abs(a.duration - 0.25) < 0.01 })
    await page.getByRole('link', { name: 'garden.jpg' }).click()
    const img = page.locator('img.preview-img')
    await img.waitFor()
    await page.waitForFunction(() => { const i = document.querySelector<HTMLImageElement>('img.preview-img'); return !!i && i.complete && i.naturalWidth === 640 })
    await settle()
    await shoot('files-preview-image')
  })

  browserTest('overwrite the text file, then diff and restore the old version in Time Machine', async () => {
    await page.goto(`${server.httpUrl}/#/files/${BUCKET}`)
    await page.getByRole('link', { name: 'notes.txt' }).waitFor()
    await drop([{ name: 'notes.txt', type: 'text/plain', data: Buffer.from(NOTES_V2) }])
    await page.getByRole('region', { name: 'Uploads' }).getByText('1 of 1 uploaded').waitFor()
    await open(`time-machine/${BUCKET}`, 'Time Machine', 'time-machine')
    await shoot('time-machine')
    await page.getByRole('link', { name: 'notes.txt' }).click()
    await page.getByRole('heading', { name: 'Versions' }).waitFor()
    await settle()
    await page.getByRole('button', { name: 'Compare with current (version 1)' }).click()
    const diff = page.getByLabel('Changes from version 1 to 2')
    await diff.waitFor()
    const text = (await diff.textContent())!
    expect(text).toContain('-eggs')
    expect(text).toContain('+oat milk')
    expect(text).toContain('+coffee')
    await expect(page.getByText('+2 added').count()).resolves.toBe(1)
    await page.getByRole('button', { name: 'Preview version 1' }).click()
    await page.locator('pre.preview-text').waitFor()
    await settle()
    await shoot('time-machine-diff')
    await page.getByRole('button', { name: 'Restore version 1' }).click()
    await page.getByText('Version 1 restored as version 3.').waitFor()
    const got = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'notes.txt' }))
    expect(await got.Body!.transformToString()).toBe(NOTES_V1)
    // Deleting a version is for good: it asks first (focus on Cancel), and Cancel keeps it.
    await page.getByRole('button', { name: 'Delete… version 2' }).click()
    const confirm = page.getByRole('dialog', { name: 'Delete version 2 for good?' })
    await confirm.getByText('It cannot be restored afterwards.').waitFor()
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel')
    await page.keyboard.press('Enter')
    await confirm.waitFor({ state: 'hidden' })
    await page.getByRole('button', { name: 'Delete… version 2' }).click()
    await confirm.getByRole('button', { name: 'Delete for good' }).click()
    await page.getByText('Version 2 deleted for good.').waitFor()
    await expect(page.getByText('Version 2', { exact: true }).count()).resolves.toBe(0)
    await expect(page.getByText('Version 1', { exact: true }).count()).resolves.toBe(1)
    // Deleted in the file browser, the file is in Time Machine's deleted files; undelete brings it back.
    await page.goto(`${server.httpUrl}/#/files/${BUCKET}//notes.txt`)
    await page.getByRole('button', { name: 'Delete…' }).click()
    await page.getByRole('dialog', { name: 'Delete this file?' }).getByRole('button', { name: 'Delete' }).click()
    await page.waitForURL((u) => u.hash === `#/files/${BUCKET}/`)
    await page.getByRole('link', { name: 'notes.txt' }).waitFor({ state: 'detached' })
    await page.goto(`${server.httpUrl}/#/time-machine/${BUCKET}`)
    const deleted = page.getByRole('region', { name: 'Deleted files' })
    await deleted.getByRole('button', { name: 'Undelete notes.txt' }).click()
    await page.getByText(/^notes\.txt is back \(version \d+\)\.$/).waitFor()
    const back = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'notes.txt' }))
    expect(await back.Body!.transformToString()).toBe(NOTES_V1)
  })

  browserTest('time machine: an old version previews as the Files page shows a file (audio here); deleted files page past 100', async () => {
    // tone.wav gets a second, longer version; the first plays from the version's bytes (S3 cannot serve it).
    await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'tone.wav', Body: wav(4000), ContentType: 'audio/wav' }))
    await page.goto(`${server.httpUrl}/#/time-machine/${BUCKET}/tone.wav`)
    await page.getByRole('heading', { name: 'Versions' }).waitFor()
    await settle()
    await page.getByRole('button', { name: 'Preview version 1' }).click()
    await page.waitForFunction(() => {
      const a = document.querySelector<HTMLAudioElement>('audio[aria-label="version 1 of tone.wav"]')
      return !!a && a.src.startsWith('blob:') && a.readyState >= 1 && Math.abs(a.duration - 0.25) < 0.01
    })
    await settle()
    await shoot('time-machine-audio')

    // 101 deleted files with history in another bucket: 100 listed, the rest on request.
    const many = 'dana-many'
    const client = s3()
    await client.send(new CreateBucketCommand({ Bucket: many }))
    const on = await fetch(`${server.httpUrl}/api/buckets/${many}`, { method: 'PATCH', headers: { 'x-api-key': `${accessKey}:${secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ versioning: true }) })
    expect(on.status).toBe(200)
    const keys = Array.from({ length: 101 }, (_, i) => `gone/${String(i).padStart(3, '0')}.txt`)
    await Promise.all(keys.map((k) => client.send(new PutObjectCommand({ Bucket: many, Key: k, Body: k }))))
    await client.send(new DeleteObjectsCommand({ Bucket: many, Delete: { Objects: keys.map((Key) => ({ Key })) } }))
    await page.goto(`${server.httpUrl}/#/time-machine/${many}`)
    const deleted = page.getByRole('region', { name: 'Deleted files' })
    await deleted.getByRole('link', { name: 'gone/099.txt' }).waitFor()
    expect(await deleted.getByRole('listitem').count()).toBe(100)
    await deleted.getByRole('button', { name: 'More deleted files' }).click()
    await deleted.getByRole('link', { name: 'gone/100.txt' }).waitFor()
    expect(await deleted.getByRole('listitem').count()).toBe(101)
    await expect(deleted.getByRole('button', { name: 'More deleted files' }).count()).resolves.toBe(0)
  })

  browserTest('share a file with a password; the link opens in a fresh browser context without an account', async () => {
    await open(`shares/${BUCKET}/garden.jpg`, 'Shares', 'shares')
    await page.getByLabel('Download limit').fill('3')
    await page.getByLabel('Password (optional)').fill('open sesame')
    await page.getByRole('button', { name: 'Create link' }).click()
    const link = page.locator('.notice-ok .copy-field code')
    await link.waitFor()
    shareUrl = (await link.textContent())!.trim()
    expect(shareUrl).toStartWith(`${server.httpUrl}/s/`)
    await page.getByRole('row').filter({ hasText: `${BUCKET}/garden.jpg` }).getByText('password').waitFor()
    await settle()
    await shoot('shares')
    // Someone else: a new context, no cookies, no account.
    const stranger = await chrome.browser.newContext({ acceptDownloads: true })
    try {
      const p = await stranger.newPage()
      await p.goto(shareUrl)
      await p.getByLabel('Password').fill('open sesame')
      const [download] = await Promise.all([p.waitForEvent('download'), p.getByRole('button', { name: 'Open' }).click()])
      expect(download.suggestedFilename()).toBe('garden.jpg')
      expect(md5(readFileSync((await download.path())!))).toBe(md5(photo))
    } finally {
      await stranger.close()
    }
    // The list counts the download; revoking ends the link.
    await open('shares', 'Shares', 'shares-after')
    const row = page.getByRole('row').filter({ hasText: `${BUCKET}/garden.jpg` })
    await row.getByText('1 of 3').waitFor()
    // Revoking asks first: Cancel keeps the link.
    await row.getByRole('button', { name: /^Revoke/ }).click()
    const confirm = page.getByRole('dialog', { name: 'Revoke this share link?' })
    await confirm.getByRole('button', { name: 'Cancel' }).click()
    await confirm.waitFor({ state: 'hidden' })
    expect((await fetch(shareUrl, { redirect: 'manual' })).status).not.toBe(410)
    await row.getByRole('button', { name: /^Revoke/ }).click()
    await confirm.getByRole('button', { name: 'Revoke link' }).click()
    await row.getByText('revoked').waitFor()
    expect((await fetch(shareUrl)).status).toBe(410)
  })

  browserTest('the bytes through S3 with the key the page showed', async () => {
    const client = s3()
    const list = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))
    expect(list.Contents!.map((c) => c.Key).sort()).toEqual(['docs/2026/readme.md', 'garden.jpg', 'notes.txt', 'plan.pdf', 'tone.wav'])
    for (const [key, data] of [['garden.jpg', photo], ['plan.pdf', pdf], ['notes.txt', Buffer.from(NOTES_V1)]] as const) {
      const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
      expect({ key, md5: md5(Buffer.from(await got.Body!.transformToByteArray())) }).toEqual({ key, md5: md5(data) })
    }
  })

  browserTest('webhooks: create one (secret shown once), see its delivery, disable and enable it', async () => {
    await open('webhooks', 'Webhooks', 'webhooks')
    await page.getByLabel('URL').fill(`http://127.0.0.1:${receiver.port}/hook`)
    await page.getByRole('button', { name: 'Create webhook' }).click()
    const created = page.getByRole('region', { name: 'Webhook created' })
    await created.waitFor()
    expect((await created.locator('code').textContent())!.length).toBeGreaterThan(20)
    await created.getByRole('button', { name: 'Done' }).click()
    // An S3 write is an event; the receiver gets it signed.
    await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'hooked.txt', Body: 'event me' }))
    await until(() => hooks.some((h) => h.includes('hooked.txt')), 'the webhook delivery of hooked.txt')
    const card = page.getByRole('listitem').filter({ hasText: `127.0.0.1:${receiver.port}/hook` })
    await card.getByRole('button', { name: 'Deliveries' }).click()
    await card.getByText('delivered', { exact: true }).first().waitFor()
    // A test ping and a redelivery, each answered with its result; the receiver gets both.
    const before = hooks.length
    await card.getByRole('button', { name: 'Send a test event' }).click()
    await card.getByText(/^ping: delivered, HTTP 200 in \d+ ms$/).waitFor()
    const row = card.getByRole('row').filter({ hasText: 'object.created' }).first()
    await row.getByRole('button', { name: /^Redeliver/ }).click()
    await card.getByText(/^object\.created: delivered, HTTP 200/).waitFor()
    expect(hooks.length).toBe(before + 2)
    expect(hooks.filter((h) => h.includes('hooked.txt')).length).toBe(2)
    await card.getByRole('row').filter({ hasText: 'redelivery' }).first().getByRole('button', { name: /^Details/ }).click()
    const details = page.getByRole('dialog', { name: /^Delivery \d+: object\.created$/ })
    await expect(details.locator('pre').first().textContent()).resolves.toMatch(/webhook-signature: v1,/i)
    await settle()
    await shoot('webhooks-delivery')
    await details.getByRole('button', { name: 'Close' }).click()
    await settle()
    await shoot('webhooks')
    // Rotation shows the new secret once.
    await card.getByRole('button', { name: 'Rotate secret…' }).click()
    await page.getByRole('dialog', { name: 'Rotate the signing secret?' }).getByRole('button', { name: 'Rotate' }).click()
    const rotated = page.getByRole('region', { name: 'New signing secret' })
    await rotated.waitFor()
    await rotated.getByRole('button', { name: 'Done' }).click()
    await card.getByRole('button', { name: 'Disable' }).click()
    await card.getByText('disabled', { exact: true }).waitFor()
    await card.getByRole('button', { name: 'Enable' }).click()
    await card.getByText('active', { exact: true }).waitFor()
  })

  browserTest('account: change the password', async () => {
    await open('account', 'Account', 'account')
    await shoot('account')
    await page.getByLabel('Current password').fill(PASSWORD)
    await page.getByLabel('New password', { exact: true }).fill(`${PASSWORD}-2`)
    await page.getByLabel('Repeat the new password').fill(`${PASSWORD}-2`)
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByText('Password changed.').waitFor()
    // The page goes on with the new session: a write without reloading uses its new CSRF token.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Access keys' }).click()
    await page.getByLabel('Name (optional)').fill('after password change')
    await page.getByRole('button', { name: 'Create key' }).click()
    await page.getByRole('region', { name: /New key/ }).waitFor()
    await page.getByRole('button', { name: 'I have saved the secret' }).click()
    await expect(page.getByRole('cell', { name: accessKey, exact: true }).count()).resolves.toBe(1)
  })

  browserTest('admin: the appliance and every account, for administrators only', async () => {
    await expect(page.getByRole('link', { name: 'Admin' }).count()).resolves.toBe(0)
    const admin = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } })
    const p = await admin.newPage()
    try {
      await p.goto(`${server.httpUrl}/#/login`)
      await p.getByLabel('Email').fill(ROOT_EMAIL)
      await p.getByLabel('Password').fill(ROOT_PASSWORD)
      await p.getByRole('button', { name: 'Log in' }).click()
      await p.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
      await p.getByRole('link', { name: 'Admin' }).click()
      await p.getByRole('heading', { level: 1, name: 'Administration' }).waitFor()
      await p.getByRole('cell', { name: EMAIL, exact: true }).waitFor()
      await p.waitForLoadState('networkidle')
      violations.push(...(await capture(p, 'admin')))
      // Create an account; its first secret is shown once.
      await p.getByLabel('Email').fill('erin@example.com')
      await p.getByLabel('Initial password').fill('erin-password-123')
      await p.getByRole('button', { name: 'Create account' }).click()
      const made = p.getByRole('region', { name: 'Account erin@example.com created' })
      await made.waitFor()
      await made.getByRole('button', { name: 'Done' }).click()
      const row = p.getByRole('row').filter({ hasText: 'erin@example.com' })
      // Quota through the edit dialog, then suspend and activate.
      await row.getByRole('button', { name: 'Edit erin@example.com' }).click()
      const dialog = p.getByRole('dialog', { name: 'Edit erin@example.com' })
      await dialog.getByLabel('Quota').fill('20GiB')
      await dialog.getByRole('button', { name: 'Save' }).click()
      await row.getByText('0 B of 20 GiB').waitFor()
      await row.getByRole('button', { name: 'Suspend erin@example.com' }).click()
      await row.getByText('suspended').waitFor()
      const login = await fetch(`${server.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'erin@example.com', password: 'erin-password-123' }) })
      expect(login.status).toBe(403)
      await row.getByRole('button', { name: 'Activate erin@example.com' }).click()
      await row.getByRole('button', { name: 'Suspend erin@example.com' }).waitFor()
    } finally {
      await admin.close()
    }
  })

  browserTest('without an access key: revoking the last one warns; a failed presign shows one notice pointing to the Keys page', async () => {
    await open('keys', 'Access keys', 'keys-revoke')
    const keyRows = page.getByRole('row').filter({ has: page.locator('code') })
    const revoke = async (row: ReturnType<typeof page.locator>, warned: boolean) => {
      const key = (await row.locator('code').textContent())!.trim()
      await row.getByRole('button', { name: `Revoke ${key}` }).click()
      const dialog = page.getByRole('dialog', { name: 'Revoke this access key?' })
      await dialog.getByText(key).first().waitFor()
      await expect(dialog.getByText(/This is your last access key/).count()).resolves.toBe(warned ? 1 : 0)
      await dialog.getByLabel(`Type ${key} to confirm`).fill(key)
      await dialog.getByRole('button', { name: 'Revoke key' }).click()
      await page.getByRole('cell', { name: key, exact: true }).waitFor({ state: 'detached' })
    }
    // Every key but one (sign-up's, the Keys page's, the one made after the password change) goes without that warning.
    await expect(keyRows.count()).resolves.toBe(3)
    while ((await keyRows.count()) > 1) await revoke(keyRows.filter({ hasNotText: 'e2e laptop' }).first(), false)
    await revoke(keyRows.first(), true)
    const notice = page.getByRole('status').filter({ hasText: 'This account has no access key.' })
    await notice.waitFor()
    // A fresh load knows nothing: the first presign that fails brings the notice, once, whoever asked.
    await open(`files/${BUCKET}`, 'Files', 'files-no-key')
    await expect(notice.count()).resolves.toBe(0)
    await page.getByRole('link', { name: 'notes.txt' }).click()
    await notice.waitFor()
    await drop([{ name: 'no-key.txt', type: 'text/plain', data: Buffer.from('no key') }])
    const uploads = page.getByRole('region', { name: 'Uploads' })
    await uploads.getByText('failed', { exact: true }).waitFor()
    await expect(notice.count()).resolves.toBe(1)
    await uploads.getByRole('button', { name: 'Close' }).click()
    await notice.getByRole('link', { name: 'create a key on the Access keys page' }).click()
    await page.getByRole('heading', { level: 1, name: 'Access keys' }).waitFor()
    await page.getByLabel('Name (optional)').fill('after the last one')
    await page.getByRole('button', { name: 'Create key' }).click()
    await page.getByRole('region', { name: /New key/ }).waitFor()
    await notice.waitFor({ state: 'detached' })
    await page.getByRole('button', { name: 'I have saved the secret' }).click()
  })

  browserTest('log out everywhere ends the session', async () => {
    await open('account', 'Account', 'account')
    await page.getByRole('button', { name: 'Log out everywhere' }).click()
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor()
    const me = await page.evaluate(async () => (await fetch('/api/me')).status)
    expect(me).toBe(401)
  })

  browserTest('every page: no serious accessibility violation, no CSP violation, no script error', () => {
    expect(violations).toEqual([])
    expect(w.cspViolations).toEqual([])
    expect(w.errors).toEqual([])
    return Promise.resolve()
  })

  browserTest('every page loads with at most 5 dashboard API calls, the session check included (the budget is 30 a minute)', () => {
    const report = Object.fromEntries(Object.entries(callsPerPage).map(([k, v]) => [k, v.length]))
    console.log('dashboard API calls per page load:', JSON.stringify(report))
    for (const [name, calls] of Object.entries(callsPerPage)) expect({ name, calls: calls.length <= 5 ? 'ok' : calls }).toEqual({ name, calls: 'ok' })
    return Promise.resolve()
  })
})
