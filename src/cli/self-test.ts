import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../config/config'
import { createAppContext } from '../app'
import { userVersion } from '../db/pragmas'
import { loadImageTransformer } from '../image/transformer'

/**
 * `serve --self-test`: opens a scratch appliance (database, migrations, blob store), renders a
 * frame with the TUI's libraries and runs a tiny image resize, printing one line per check. Exit 0
 * only if all pass. Everything happens in a temp dir, including sharp's runtime extraction, so it
 * exercises the compiled binary's extraction path every time and leaves the data dir untouched.
 */
export async function runSelfTest(config: Config, out: (s: string) => void): Promise<number> {
  let failed = 0
  const check = async (name: string, fn: () => Promise<string>) => {
    try {
      out(`ok   ${name}: ${await fn()}`)
    } catch (e) {
      failed++
      out(`FAIL ${name}: ${(e as Error).message}`)
    }
  }
  const scratch = mkdtempSync(join(tmpdir(), 'cloudstorage-selftest-'))
  try {
    await check('database', async () => {
      const ctx = createAppContext({ ...config, dataDir: scratch, masterKey: null, masterKeyFile: null })
      const v = userVersion(ctx.db)
      const bytes = new TextEncoder().encode('self-test')
      await ctx.blobs.put('selftest0000', (async function* () { yield bytes })())
      const got = await ctx.blobs.get('selftest0000')
      const text = got instanceof Blob ? await got.text() : ''
      await ctx.blobs.delete('selftest0000')
      ctx.db.close()
      if (text !== 'self-test') throw new Error('blob round trip returned different bytes')
      return `schema version ${v}, blob store round trip`
    })
    await check('terminal UI', async () => {
      // The TUI's libraries (Ink, React, Yoga's WebAssembly) rendering one frame into memory:
      // proves they are inside the binary without needing a terminal or a running server.
      const [{ render, Text }, React, { Writable }] = await Promise.all([import('ink'), import('react'), import('node:stream')])
      let frames = ''
      const stdout = Object.assign(new Writable({ write(chunk, _enc, done) { frames += String(chunk); done() } }), { columns: 80, rows: 24 })
      const app = render(React.createElement(Text, null, 'CloudStorage self-test'), {
        stdout: stdout as unknown as NodeJS.WriteStream, debug: true, patchConsole: false, exitOnCtrlC: false,
      })
      app.unmount()
      await app.waitUntilExit()
      if (!frames.includes('CloudStorage self-test')) throw new Error('Ink rendered no frame')
      return `ink rendered a frame (${frames.length} characters)`
    })
    await check('images', async () => {
      const t = await loadImageTransformer(join(scratch, 'runtime'))
      if (!t.available) throw new Error(t.reason)
      const png = await t.selfTest()
      return `sharp ${t.version} resized a test image (${png} bytes of PNG)`
    })
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  return failed ? 1 : 0
}
