/**
 * The layering rules of docs/ARCHITECTURE.md, checked on every import of every source file:
 * surfaces reach the database only through services, services and pure rules never depend on a
 * surface, and the TUI and the web dashboard use the appliance through its HTTP API (types only
 * from the rest of src/).
 */
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '../..')

export interface ImportRef {
  from: string
  to: string
  typeOnly: boolean
}

/** Every relative import of a file: static `import`/`export … from`, `import type`, and dynamic `import()`. */
export function importsOf(file: string, source: string): ImportRef[] {
  const out: ImportRef[] = []
  const add = (spec: string, typeOnly: boolean) => {
    if (!spec.startsWith('.')) return // packages and node: built-ins
    out.push({ from: file, to: relative(ROOT, resolve(ROOT, dirname(file), spec)), typeOnly })
  }
  // Comments may mention imports in prose; they do not count.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) add(m[3], m[2] !== undefined)
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1], false)
  return out
}

const under = (path: string, dir: string) => path === dir || path.startsWith(dir + '/')

/** The rules; each returns a reason when an import breaks it. */
export function violation(r: ImportRef): string | null {
  if (under(r.from, 'src/http') && under(r.to, 'src/db')) return 'surfaces use services, never src/db (services re-export the types surfaces need)'
  if ((under(r.from, 'src/services') || under(r.from, 'src/domain')) && under(r.to, 'src/http')) return 'services and domain rules never depend on a surface'
  if (under(r.from, 'src/domain') && !under(r.to, 'src/domain') && !under(r.to, 'src/errors')) return 'src/domain is pure: it imports only src/domain and src/errors'
  if (under(r.from, 'tui') && under(r.to, 'src') && !r.typeOnly) return 'the TUI talks to the HTTP API: only `import type` from src/'
  if (under(r.from, 'src/dashboard/ui') && !under(r.to, 'src/dashboard/ui') && !r.typeOnly) return 'the dashboard runs in the browser and talks to the HTTP API: only `import type` from the rest of src/'
  return null
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
}

describe('import rules', () => {
  test('every import of src/ and tui/ keeps the layering', () => {
    const files = [...sourceFiles('src'), ...sourceFiles('tui')]
    expect(files.length).toBeGreaterThan(100)
    const broken = files.flatMap((f) => importsOf(f, readFileSync(join(ROOT, f), 'utf8')))
      .map((r) => ({ r, why: violation(r) }))
      .filter((x) => x.why !== null)
      .map(({ r, why }) => `${r.from} → ${r.to}: ${why}`)
    expect(broken).toEqual([])
  })

  test('the checker finds each kind of violation', () => {
    const check = (file: string, src: string) => importsOf(file, src).map(violation)
    expect(check('src/http/s3/x.ts', "import type { BucketRow } from '../../db/repos/buckets'")[0]).toContain('src/db')
    expect(check('src/services/a/b.ts', "import { json } from '../../http/api/route'")[0]).toContain('surface')
    expect(check('src/domain/k.ts', "import { x } from '../services/deps'")[0]).toContain('pure')
    expect(check('tui/client.ts', "import { parseArgs } from '../src/cli/args'")[0]).toContain('import type')
    expect(check('tui/client.ts', "const m = await import('../src/cli/args')")[0]).toContain('import type')
    expect(check('tui/client.ts', "import type { Account } from '../src/services/accounts/accounts'")).toEqual([null])
    expect(check('src/dashboard/ui/api.ts', "import { EVENT_TYPES } from '../../events/catalog'")[0]).toContain('browser')
    expect(check('src/dashboard/ui/api.ts', "import type { HttpApi } from '../../http/http-app'")).toEqual([null])
    expect(check('src/dashboard/ui/pages/Keys.tsx', "import { call } from '../api'")).toEqual([null])
    expect(check('src/http/a.ts', "export { x } from '../db/client'")[0]).toContain('src/db')
    expect(check('src/http/a.ts', "import {\n  a,\n  b,\n} from '../db/client'")[0]).toContain('src/db')
    expect(check('src/http/a.ts', "import { a } from 'elysia'\nimport { b } from 'node:fs'")).toEqual([])
  })
})
