/**
 * Headless Chromium for the browser tests: Debian's package driven by playwright-core (no
 * browser download). Without it the tests skip visibly, the reason in their names.
 */
import { existsSync } from 'node:fs'
import { test } from 'bun:test'
import type { Browser } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const haveChromium = existsSync(CHROMIUM)

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** A test that needs Chromium: skipped visibly, with the reason in its name, where it is missing. */
export const browserTest = (name: string, fn: () => Promise<void>) =>
  test.skipIf(!haveChromium)(haveChromium ? name : `${name} [skipped: ${CHROMIUM} is not installed]`, fn)

/**
 * One Chromium; playwright starts it with a fresh temporary --user-data-dir of its own (removed
 * on close), and contexts from it share nothing (cookies included).
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
}
