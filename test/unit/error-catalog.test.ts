/**
 * The error catalog lists what the appliance can answer: every code in it is thrown (named as a
 * string) somewhere in src/, so a client reading the catalog learns real answers only.
 */
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ERROR_CATALOG } from '../../src/errors/catalog'

const SRC = resolve(import.meta.dir, '../../src')

describe('error catalog', () => {
  test('every code is used by some source file other than the catalog', () => {
    const sources = readdirSync(SRC, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && join(e.parentPath, e.name) !== join(SRC, 'errors/catalog.ts'))
      .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, ''))
      .join('\n')
    const unused = Object.keys(ERROR_CATALOG).filter((code) => !sources.includes(`'${code}'`))
    expect(unused).toEqual([])
  })

  test('statuses are HTTP error statuses', () => {
    for (const [code, [status, message]] of Object.entries(ERROR_CATALOG)) {
      expect({ code, ok: status >= 400 && status <= 599 && message.length > 0 }).toEqual({ code, ok: true })
    }
  })
})
