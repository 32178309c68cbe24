import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { hasBoto3, hasTool, testWithTool } from '../helpers/tools'

/** The README's client examples, extracted and run as written against a live server. */
function example(name: string): { lang: string; code: string } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const m = new RegExp(`<!-- example: ${name} -->\\s*\`\`\`(\\w+)\\n([\\s\\S]*?)\\n\`\`\``).exec(readme)
  if (!m) throw new Error(`README has no example '${name}'`)
  return { lang: m[1], code: m[2] }
}

let server: TestServer
let work: string

beforeAll(async () => {
  server = await startInProcess()
  work = mkdtempSync(join(tmpdir(), 'cs-readme-'))
}, 120_000)
afterAll(async () => {
  await server.stop()
  rmSync(work, { recursive: true, force: true })
})

/** Points the documented endpoints at this test's server. */
const localize = (code: string) => code.replaceAll('http://127.0.0.1:9000', server.s3Url).replaceAll('http://127.0.0.1:9001', server.httpUrl)

async function run(cmd: string[], stdin?: string) {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), AK: ROOT_ACCESS_KEY, SK: ROOT_SECRET_KEY, HOME: work }
  delete env.AWS_CA_BUNDLE // rclone 1.60 fails to start with it set, even for plain http
  delete env.AWS_PROFILE
  const p = Bun.spawn(cmd, { cwd: work, env, stdin: stdin === undefined ? 'ignore' : new Blob([stdin]), stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { stdout, stderr, code }
}

describe('README examples', () => {
  testWithTool('aws', hasTool('aws'), 'the AWS CLI example creates, fills, lists and removes a bucket', async () => {
    const r = await run(['bash', '-euo', 'pipefail', '-c', localize(example('aws-cli').code)])
    expect(r.stderr).not.toContain('error')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('make_bucket: my-bucket')
    expect(r.stdout).toMatch(/upload: \.\/my-file\.txt to s3:\/\/my-bucket\/my-file\.txt/)
    expect(r.stdout).toMatch(/\s6 my-file\.txt/)
    expect(r.stdout).toContain('remove_bucket: my-bucket')
  }, 120_000)

  testWithTool('python3 + boto3', hasBoto3(), 'the boto3 example round-trips an object and presigns a URL', async () => {
    const { code } = example('boto3')
    const script = `AK = ${JSON.stringify(ROOT_ACCESS_KEY)}\nSK = ${JSON.stringify(ROOT_SECRET_KEY)}\n${localize(code)}\nprint(url)\n`
    const r = await run(['python3', '-'], script)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toBe('Hello, CloudStorage!')
    expect(lines[1]).toBe('hello.txt 20')
    const got = await fetch(lines[2])
    expect(got.status).toBe(200)
    expect(await got.text()).toBe('Hello, CloudStorage!')
  }, 120_000)

  testWithTool('rclone', hasTool('rclone', ['version']), 'the rclone example syncs, checks and lists a folder', async () => {
    const r = await run(['bash', '-euo', 'pipefail', '-c', localize(example('rclone').code)])
    expect(r.code).toBe(0)
    expect(r.stdout.trim().split('\n')).toEqual(['notes.txt'])
    expect(r.stderr).toContain('0 differences found')
  }, 120_000)

  testWithTool('curl', hasTool('curl'), 'the curl example uploads to and lists the REST file API', async () => {
    await Bun.write(join(work, 'my-file.txt'), 'hello\n')
    const r = await run(['bash', '-euo', 'pipefail', '-c', localize(example('curl').code)])
    expect(r.code).toBe(0)
    // curl prints each JSON body without a trailing newline: the two documents touch.
    const [upload, list] = r.stdout.trim().replace('}{', '}\n{').split('\n').map((l) => JSON.parse(l))
    expect(Object.keys(upload).sort()).toEqual(['bucket', 'contentType', 'createdAt', 'id', 'key', 'size'])
    expect(upload).toMatchObject({ key: 'my-file.txt', bucket: 'root', size: 6, contentType: 'text/plain' })
    expect(list.files.map((f: { key: string }) => f.key)).toContain('my-file.txt')
    expect(list.hasMore).toBe(false)
  }, 60_000)
})

test('the quickstart `npm start` serves /healthz on both ports', async () => {
  const data = join(work, 'quickstart-data')
  // Its own session, so the test can signal npm and the server it runs, as Ctrl+C does.
  const p = Bun.spawn(['setsid', 'npm', 'start', '--', '--data', data, '--host', '127.0.0.1', '--s3-port', '0', '--port', '0'], {
    cwd: ROOT, stdout: 'pipe', stderr: 'pipe', env: { ...(process.env as Record<string, string>), CLOUDSTORAGE_LOG_FORMAT: 'text' },
  })
  let out = ''
  const dec = new TextDecoder()
  const reader = (p.stdout as ReadableStream<Uint8Array>).getReader()
  let m: RegExpMatchArray | null = null
  while (!(m = out.match(/ready.*s3=(\S+) http=(\S+)/))) {
    const { done, value } = await reader.read()
    if (done) throw new Error(`npm start exited:\n${out}`)
    out += dec.decode(value)
  }
  expect(out).toContain('aws configure set aws_access_key_id CS')
  for (const url of [m[1], m[2]]) {
    const r = await fetch(`${url}/healthz`)
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ status: 'ok', version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version })
  }
  process.kill(-p.pid, 'SIGTERM')
  await p.exited
  for (let i = 0; i < 50 && (await fetch(`${m[1]}/healthz`).then(() => true, () => false)); i++) await Bun.sleep(100)
  expect(await fetch(`${m[1]}/healthz`).then(() => 'listening', () => 'closed')).toBe('closed')
}, 60_000)
