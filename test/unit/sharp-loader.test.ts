import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { extractSharp } from '../../src/image/sharp-loader'
import type { EmbeddedSharp } from '../../src/image/sharp-embedded'

// The compiled binary's extraction of sharp's runtime tree, run from source against a small
// archive of the same shape build.ts embeds.
const work = mkdtempSync(join(tmpdir(), 'cs-sharp-loader-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const FILES: Record<string, string> = {
  'node_modules/sharp/package.json': '{"name":"sharp","version":"9.9.9"}',
  'node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node': 'addon bytes '.repeat(1000),
  'node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8': 'libvips bytes '.repeat(5000),
}
const archive = join(work, 'runtime.tar.gz')
await Bun.Archive.write(archive, FILES, { compress: 'gzip' })
const embedded: EmbeddedSharp = {
  version: '9.9.9',
  platform: 'linux-x64',
  key: 'abc123',
  archive,
  files: Object.entries(FILES).map(([path, text]) => ({ path, size: Buffer.byteLength(text) })),
}
const NAME = 'sharp-9.9.9-linux-x64-abc123'

let n = 0
const freshRuntime = () => join(work, `data${++n}`, 'runtime')
const expectTree = (dir: string) => {
  for (const [path, text] of Object.entries(FILES)) expect(readFileSync(join(dir, path), 'utf8')).toBe(text)
}

describe('extractSharp', () => {
  test('extracts the tree once into runtime/sharp-<version>-<platform>-<key>, creating the runtime dir', async () => {
    const runtime = freshRuntime()
    const dir = await extractSharp(embedded, runtime)
    expect(dir).toBe(join(runtime, NAME))
    expectTree(dir)
    expect(readdirSync(runtime)).toEqual([NAME]) // no temp dir left behind

    // A complete tree is reused as it is, not extracted again.
    writeFileSync(join(dir, 'marker'), 'kept')
    expect(await extractSharp(embedded, runtime)).toBe(dir)
    expect(readFileSync(join(dir, 'marker'), 'utf8')).toBe('kept')
  })

  test('replaces a tree with a truncated file (e.g. after a power loss)', async () => {
    const runtime = freshRuntime()
    const dir = await extractSharp(embedded, runtime)
    const lib = join(dir, 'node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8')
    truncateSync(lib, 10)
    writeFileSync(join(dir, 'marker'), 'old tree')
    expect(await extractSharp(embedded, runtime)).toBe(dir)
    expectTree(dir)
    expect(existsSync(join(dir, 'marker'))).toBe(false)
  })

  test('concurrent extractions agree on one complete tree', async () => {
    const runtime = freshRuntime()
    const dirs = await Promise.all([extractSharp(embedded, runtime), extractSharp(embedded, runtime), extractSharp(embedded, runtime)])
    expect(new Set(dirs)).toEqual(new Set([join(runtime, NAME)]))
    expectTree(dirs[0])
    expect(readdirSync(runtime)).toEqual([NAME])
  })

  test('removes other versions and crashed extractions older than an hour, keeps the rest', async () => {
    const runtime = freshRuntime()
    mkdirSync(join(runtime, 'sharp-0.1.0-linux-x64-old/node_modules'), { recursive: true })
    const oldTmp = join(runtime, `.${NAME}.tmp-old`)
    const newTmp = join(runtime, `.${NAME}.tmp-new`)
    mkdirSync(oldTmp)
    mkdirSync(newTmp)
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000)
    utimesSync(oldTmp, twoHoursAgo, twoHoursAgo)
    writeFileSync(join(runtime, 'unrelated.txt'), 'not ours')

    await extractSharp(embedded, runtime)
    // newTmp may belong to an extraction still running in another process.
    expect(readdirSync(runtime).sort()).toEqual([`.${NAME}.tmp-new`, NAME, 'unrelated.txt'].sort())
  })

  test('an archive that does not match its file list fails and leaves nothing under the final name', async () => {
    const runtime = freshRuntime()
    const wrong = { ...embedded, files: embedded.files.map((f, i) => (i === 0 ? { ...f, size: f.size + 1 } : f)) }
    await expect(extractSharp(wrong, runtime)).rejects.toThrow('does not match its file list')
    expect(readdirSync(runtime)).toEqual([])
  })
})
