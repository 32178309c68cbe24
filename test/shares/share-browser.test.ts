/**
 * Share links in a real browser (headless Chromium): the password form, a wrong password, the
 * right one (an HttpOnly cookie scoped to the link), the file shown inline, a download as an
 * attachment, and an uploaded HTML page whose script the sandbox CSP keeps from running.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout } from 'bun:test'
import { readFileSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { browserTest, haveChromium, launchChromium } from '../helpers/chromium'
import { startInProcess, type InProcessTestServer } from '../helpers/server'
import { row, share, upload } from './helpers'

setDefaultTimeout(120_000)

let srv: InProcessTestServer
let browser: Browser
let context: BrowserContext
let page: Page
const SECRET = 'the browser unlocked me ✓'

beforeAll(async () => {
  if (!haveChromium) return
  srv = await startInProcess()
  await upload(srv, 'root', 'pw/secret.txt', SECRET, 'text/plain; charset=utf-8')
  await upload(srv, 'root', 'pw/page.html', '<!doctype html><title>static title</title><p id="p">uploaded page</p><script>document.title = "script ran"</script>', 'text/html')
  browser = await launchChromium()
  context = await browser.newContext({ acceptDownloads: true })
  page = await context.newPage()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await srv?.stop()
}, 60_000)

describe('a password-protected link in headless Chromium', () => {
  browserTest('the form asks; a wrong password is refused; the right one shows the file and sets an HttpOnly cookie for this link only', async () => {
    const s = await share(srv, { bucket: 'root', key: 'pw/secret.txt', password: 'correct horse 9' })
    const first = await page.goto(`${s.url}?inline=1`)
    expect(first!.status()).toBe(403)
    expect(await page.textContent('h1')).toBe('This link is protected by a password')
    expect(await page.content()).not.toContain(SECRET)

    await page.fill('input[name=password]', 'wrong guess')
    const [wrong] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')])
    expect(wrong!.status()).toBe(403)
    expect(await page.textContent('[role=alert]')).toBe('Wrong password.')

    await page.fill('input[name=password]', 'correct horse 9')
    const [ok] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')])
    expect(ok!.status()).toBe(200)
    expect(page.url()).toBe(`${s.url}?inline=1`)
    expect(await page.evaluate(() => document.body.innerText)).toBe(SECRET)
    const cookies = (await context.cookies(srv.httpUrl + '/s/')).filter((c) => c.name === 'cs_share')
    expect(cookies).toHaveLength(0)
    const scoped = await context.cookies(s.url)
    expect(scoped.map((c) => [c.name, c.path, c.httpOnly, c.sameSite])).toEqual([['cs_share', `/s/${s.token}`, true, 'Lax']])
    // Scripts cannot read it, even on a page of the link's own path (the file itself is sandboxed).
    expect((await page.goto(`${s.url}/not-here`))!.status()).toBe(404)
    expect(await page.evaluate(() => document.cookie)).toBe('')
    expect(row(srv, s.id).downloads).toBe(1)
  })

  browserTest('once unlocked, opening the link itself downloads the file as an attachment', async () => {
    const s = await share(srv, { bucket: 'root', key: 'pw/secret.txt', password: 'download me 7' })
    await page.goto(s.url)
    await page.fill('input[name=password]', 'download me 7')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[type=submit]')])
    expect(download.suggestedFilename()).toBe('secret.txt')
    expect(readFileSync((await download.path())!, 'utf8')).toBe(SECRET)
  })

  browserTest('an uploaded HTML page shown inline cannot run its script (sandbox CSP)', async () => {
    const s = await share(srv, { bucket: 'root', key: 'pw/page.html' })
    const r = await page.goto(`${s.url}?inline=1`)
    expect(r!.headers()['content-security-policy']).toStartWith('sandbox;')
    expect(await page.textContent('#p')).toBe('uploaded page')
    expect(await page.title()).toBe('static title')
  })
})
