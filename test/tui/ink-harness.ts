import { EventEmitter } from 'node:events'
import { stripVTControlCharacters } from 'node:util'
import type { ReactNode } from 'react'
import { render, type Instance } from 'ink'
import { ApiError, type ApiClient, type Health, type Overview, type Problem } from '../../tui/client'

export const plain = (s: string | undefined) => stripVTControlCharacters(s ?? '')

/**
 * Waits until the latest frame satisfies `ok`. The deadline only turns a hang into a readable
 * failure (it shows the frame); it is not a speed requirement.
 */
export async function waitForFrame(lastFrame: () => string | undefined, ok: (frame: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const frame = plain(lastFrame())
    if (ok(frame)) return frame
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last frame:\n${frame}`)
    await Bun.sleep(10)
  }
}

/** A stand-in for the appliance: answers overview calls from a script, the last step repeating. */
export class ScriptedClient implements ApiClient {
  readonly baseUrl = 'http://127.0.0.1:9001'
  calls = 0
  constructor(private script: Array<Overview | Problem>) {}
  async health(): Promise<Health> { return { status: 'ok', version: 'test' } }
  async overview(): Promise<Overview> {
    const step = this.script[Math.min(this.calls, this.script.length - 1)]
    this.calls++
    if ('kind' in step) throw new ApiError(step)
    return step
  }
}

class FakeStdin extends EventEmitter {
  isTTY = true
  private data: string | null = null
  write(data: string) {
    this.data = data
    this.emit('readable')
    this.emit('data', data)
  }
  read() { const d = this.data; this.data = null; return d }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

class SizedStdout extends EventEmitter {
  frames: string[] = []
  constructor(public columns: number, public rows: number) { super() }
  write(frame: string) { this.frames.push(frame); return true }
  resize(columns: number, rows: number) { this.columns = columns; this.rows = rows; this.emit('resize') }
}

/**
 * ink-testing-library's stdout has 100 columns and no rows, so it cannot show an 80x24 layout or
 * a resize; this harness renders the same way (debug mode: every commit is one whole frame) into
 * a terminal of a given size, and exposes waitUntilExit for the quit keys.
 */
export function renderInTerminal(tree: ReactNode, columns: number, rows: number) {
  const stdout = new SizedStdout(columns, rows)
  const stdin = new FakeStdin()
  const stderr = new SizedStdout(columns, rows)
  const instance: Instance = render(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  })
  return { instance, stdout, stdin, lastFrame: () => stdout.frames.at(-1) }
}
