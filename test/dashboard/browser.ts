/**
 * Headless Chromium (Debian's, driven by playwright-core: no browser download) for the dashboard
 * tests: a fresh profile per browser, every page's screenshots at 1280 and 390 px under
 * test-artifacts/dashboard/, an axe-core accessibility check, CSP violations and the dashboard
 * API calls each page makes.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page, Route } from 'playwright-core'
import { ROOT } from '../helpers/server'
import { launchChromium } from '../helpers/chromium'

export { browserTest, haveChromium } from '../helpers/chromium'
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'dashboard')

export interface Chromium {
  browser: Browser
  close(): Promise<void>
}

/** One Chromium (test/helpers/chromium.ts), and the directory for the screenshots. */
export async function launch(): Promise<Chromium> {
  const browser = await launchChromium()
  mkdirSync(ARTIFACTS, { recursive: true })
  return { browser, close: () => browser.close() }
}

/** What a page did that a test asserts on: CSP violations, script errors, API calls. */
export interface Watch {
  cspViolations: string[]
  errors: string[]
  /** `METHOD /api/path` of every dashboard API request since the last `take()`. */
  take(): string[]
}

export function watch(page: Page): Watch {
  const cspViolations: string[] = []
  const errors: string[] = []
  let calls: string[] = []
  page.on('console', (m) => {
    const t = m.text()
    if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(t)) cspViolations.push(t)
  })
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('request', (r) => {
    const u = new URL(r.url())
    // The dashboard API's budget (30 a minute): not the page and its assets, nor the routes
    // without credentials (public settings, login, sign-up) or signed image URLs.
    const free = u.pathname === '/api/config' || u.pathname === '/api/auth/login' || u.pathname === '/api/auth/signup' || (r.method() === 'GET' && u.pathname.startsWith('/api/img/'))
    if (u.pathname.startsWith('/api/') && !free) calls.push(`${r.method()} ${u.pathname}`)
  })
  return {
    cspViolations, errors,
    take() {
      const c = calls
      calls = []
      return c
    },
  }
}

const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8')

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: string[] }

/**
 * axe-core's WCAG 2 A/AA rules on the page as it is. The script is evaluated through the
 * DevTools protocol, which the page's CSP does not govern (the CSP stays on for the app).
 */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE)
  return page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe
      .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }))
  })
}

/** Serious and critical violations (the ones that block someone), for assertions. */
export const serious = (v: AxeViolation[]) => v.filter((x) => x.impact === 'serious' || x.impact === 'critical')

/** Lets the page lay itself out (two animation frames) after a viewport or scheme change. */
const frames = (page: Page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))

/**
 * The page as it is, at 1280 px and at 390 px (a phone), full height, and at 1280 px in the dark
 * scheme: a screenshot and the accessibility check of each (contrast included), and at 360 px no
 * horizontal scrolling of the page. Returns the serious violations found (and overflow as one).
 */
export async function capture(page: Page, name: string, opts: { uhd?: boolean } = {}): Promise<AxeViolation[]> {
  const found: AxeViolation[] = []
  const size = page.viewportSize() ?? { width: 1280, height: 900 }
  const shots: Array<[number, number, 'light' | 'dark', string]> = [[1280, 900, 'light', '1280'], [390, 844, 'light', '390'], [1280, 900, 'dark', '1280-dark']]
  if (opts.uhd) shots.push([3840, 2160, 'light', '3840'])
  for (const [width, height, scheme, label] of shots) {
    await page.emulateMedia({ colorScheme: scheme })
    await page.setViewportSize({ width, height })
    await frames(page)
    // A modal is shown over the viewport: the full page behind it would only be noise.
    const modal = (await page.locator('dialog[open]').count()) > 0
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${label}.png`), fullPage: !modal })
    if (width !== 3840) for (const v of serious(await axe(page))) found.push({ ...v, id: `${v.id} (${name} at ${label})` })
  }
  await page.emulateMedia({ colorScheme: 'light' })
  await page.setViewportSize({ width: 360, height: 740 })
  await frames(page)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  if (overflow > 0) found.push({ id: `horizontal scrolling at 360px (${name}): ${overflow}px`, impact: 'serious', help: 'The page must fit 360 px', nodes: [] })
  await page.setViewportSize(size)
  await frames(page)
  return found
}

export type { Browser, BrowserContext, Page, Route }
