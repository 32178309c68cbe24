/**
 * The S3 operation types hold: a handler sees exactly the fields its operation's target has, and
 * the handler table is closed. Small programs are type-checked with the project's compiler and
 * settings; those that misuse a target must fail with the expected error, their correct
 * counterparts must compile.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '../..')
const S3 = join(ROOT, 'src/http/s3')

const HEADER = `
import type { S3Handler } from '${S3}/call'
import { OPERATIONS, type S3Operations } from '${S3}/operations'
import { resolveS3 } from '${S3}/resolve'
const target = () => resolveS3('GET', 'http://h/b/k', new Headers(), null)
`

/** Each case: a program body, and the compiler errors it must produce (none: it must compile). */
const CASES: Array<{ name: string; code: string; errors: string[] }> = [
  {
    name: 'an object operation sees its bucket and key and may call bucket()',
    code: `const h: S3Handler<'GetObject'> = (c) => new Response(c.target.bucket + c.target.key + c.bucket().name)`,
    errors: [],
  },
  {
    name: 'a handler shared by GetObject and HeadObject sees the key',
    code: `const h: S3Handler<'GetObject' | 'HeadObject'> = (c) => new Response(c.target.key)`,
    errors: [],
  },
  {
    name: 'a bucket operation sees its bucket and may call bucket()',
    code: `const h: S3Handler<'ListObjectsV2'> = (c) => new Response(c.target.bucket + c.bucket().name)`,
    errors: [],
  },
  {
    name: 'Unsupported has the bucket and key its scope checks',
    code: `const h: S3Handler<'Unsupported'> = (c) => {
      const t = c.target
      if (t.scope === 'object') return new Response(t.bucket + t.key + t.detail)
      if (t.scope === 'none') return new Response(t.bucket ?? '/')
      return new Response(t.bucket)
    }`,
    errors: [],
  },
  {
    name: 'a resolved target narrows by op',
    code: `const t = target()
      if (t.op === 'PutObject') t.key.length
      if (t.op === 'CreateBucket') t.bucket.length
      if (t.op === 'PreflightCors') t.key?.length`,
    errors: [],
  },
  {
    name: 'a bucket operation reading the key',
    code: `const h: S3Handler<'CreateBucket'> = (c) => new Response(c.target.key)`,
    errors: ['TS2339'],
  },
  {
    name: 'ListBuckets reading a bucket',
    code: `const h: S3Handler<'ListBuckets'> = (c) => new Response(c.target.bucket)`,
    errors: ['TS2339'],
  },
  {
    name: 'ListBuckets calling bucket()',
    code: `const h: S3Handler<'ListBuckets'> = (c) => new Response(c.bucket().name)`,
    errors: ['TS2684'],
  },
  {
    name: 'a preflight (its bucket may be absent) calling bucket()',
    code: `const h: S3Handler<'PreflightCors'> = (c) => new Response(c.bucket().name)`,
    errors: ['TS2684'],
  },
  {
    name: 'Unsupported reading the key without checking its scope',
    code: `const h: S3Handler<'Unsupported'> = (c) => new Response(c.target.key)`,
    errors: ['TS2339'],
  },
  {
    name: 'a handler for any operation reading the key',
    code: `const h: S3Handler = (c) => new Response(c.target.key)`,
    errors: ['TS2339'],
  },
  {
    name: 'an unnarrowed resolved target reading the key',
    code: `const k: string = target().key`,
    errors: ['TS2339'],
  },
  {
    name: 'a handler table missing an operation',
    code: `const { ListParts: _, ...rest } = OPERATIONS
      const t: S3Operations = rest`,
    errors: ['TS2741'],
  },
  {
    name: 'a handler table giving an object operation the handler of a bucket operation',
    code: `const t: S3Operations = { ...OPERATIONS, GetObject: OPERATIONS.CreateBucket }`,
    errors: ['TS2322'],
  },
]

const dir = mkdtempSync(join(tmpdir(), 'cs-s3-types-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Type-checks all cases in one compiler run; returns each case's error codes. */
function check(): string[][] {
  let source = HEADER
  const ranges: Array<[number, number]> = []
  CASES.forEach((c, i) => {
    const first = source.split('\n').length
    source += `export function case${i}() {\n${c.code}\n}\n`
    ranges.push([first, source.split('\n').length - 1])
  })
  writeFileSync(join(dir, 'fixture.ts'), source)
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    extends: join(ROOT, 'tsconfig.json'),
    compilerOptions: { typeRoots: [join(ROOT, 'node_modules/@types')], noUnusedLocals: false },
    // The project's ambient declarations (e.g. *.sql imports), and the cases.
    include: [join(ROOT, 'src/**/*.d.ts')],
    files: ['fixture.ts'],
  }))
  const r = Bun.spawnSync([join(ROOT, 'node_modules/.bin/tsc'), '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { cwd: dir })
  const out = r.stdout.toString() + r.stderr.toString()
  const errors = [...out.matchAll(/^(.*?)\((\d+),\d+\): error (TS\d+)/gm)].map((m) => ({ file: m[1], line: Number(m[2]), code: m[3] }))
  // Anything outside the cases (the header, the source tree) is a broken harness, not a result.
  const stray = errors.filter((e) => !e.file.endsWith('fixture.ts') || !ranges.some(([a, b]) => e.line >= a && e.line <= b))
  if (stray.length || (r.exitCode !== 0 && errors.length === 0)) throw new Error(`type check failed outside the cases:\n${out}`)
  return ranges.map(([a, b]) => errors.filter((e) => e.line >= a && e.line <= b).map((e) => e.code))
}

describe('S3 operation types', () => {
  // One compiler run for all cases; a broken run fails every case with its output.
  let run: { results: string[][] } | { error: unknown } | null = null
  const resultOf = (i: number) => {
    run ??= (() => {
      try {
        return { results: check() }
      } catch (error) {
        return { error }
      }
    })()
    if ('error' in run) throw run.error
    return run.results[i]
  }
  CASES.forEach((c, i) => {
    test(`${c.errors.length ? 'rejected' : 'accepted'}: ${c.name}`, () => {
      expect(resultOf(i)).toEqual(c.errors)
    }, 120_000)
  })
})
