import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { randomData, run, runOk, scratchDir, sha256File, sha256Of, toolEnv } from '../helpers/cli'
import { hasTool, testWithTool } from '../helpers/tools'

setDefaultTimeout(180_000)

let srv: TestServer
let s3: S3Client
const tmp = scratchDir('cs-s3cmd-rclone-')
const f = (...p: string[]) => join(tmp.dir, ...p)
const MiB = 1024 * 1024

beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
}, 60_000)
afterAll(async () => {
  tmp.cleanup()
  await srv?.stop()
}, 30_000)

/** A local tree with awkward names, shared by both tools. */
function makeTree(root: string, seed: number): Record<string, Buffer> {
  const files: Record<string, Buffer> = {
    'readme.txt': Buffer.from('read me\n'),
    'docs/a b c.txt': Buffer.from('spaces'),
    'docs/ünïcödé.txt': Buffer.from('unicode'),
    'docs/deep/er/file+plus.bin': randomData(70_000, seed),
    'emoji 😀.txt': Buffer.from('smile'),
    'empty.txt': Buffer.alloc(0),
  }
  for (const [p, data] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true })
    writeFileSync(join(root, p), data)
  }
  return files
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))
  return (r.Contents ?? []).map((c) => c.Key!.slice(prefix.length))
}

describe('s3cmd', () => {
  const bucket = 's3cmd-bucket'
  let cfg = ''
  const s3cmd = (...args: string[]) => runOk(['s3cmd', '-c', cfg, ...args], { env: toolEnv(tmp.dir), cwd: tmp.dir })

  beforeAll(() => {
    const host = new URL(srv.s3Url).host
    cfg = f('s3cmd.cfg')
    // Path-style: host_bucket without %(bucket)s. Signature V4, plain HTTP.
    writeFileSync(cfg, [
      '[default]', `access_key = ${ROOT_ACCESS_KEY}`, `secret_key = ${ROOT_SECRET_KEY}`, `host_base = ${host}`, `host_bucket = ${host}`,
      `bucket_location = ${REGION}`, 'use_https = False', 'signature_v2 = False', 'check_ssl_certificate = False', 'progress_meter = False', '',
    ].join('\n'))
  })

  testWithTool('s3cmd', hasTool('s3cmd'), 'mb, put (single and multipart), ls, get, sync, del, rb', async () => {
    expect((await s3cmd('mb', `s3://${bucket}`)).stdout).toContain(`Bucket 's3://${bucket}/' created`)
    await s3.send(new HeadBucketCommand({ Bucket: bucket }))

    writeFileSync(f('note.txt'), 'a note from s3cmd\n')
    await s3cmd('put', f('note.txt'), `s3://${bucket}/notes/my note ü.txt`)
    const big = randomData(12 * MiB + 3, 501)
    writeFileSync(f('big.bin'), big)
    await s3cmd('put', '--multipart-chunk-size-mb=5', f('big.bin'), `s3://${bucket}/big.bin`)
    const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big.bin' }))
    expect(h.ETag).toMatch(/-3"$/)
    expect(h.ContentLength).toBe(big.length)

    const ls = (await s3cmd('ls', `s3://${bucket}/notes/`)).stdout.trim()
    expect(ls).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d\s+18\s+s3:\/\/s3cmd-bucket\/notes\/my note ü\.txt$/)
    const top = (await s3cmd('ls', `s3://${bucket}`)).stdout
    expect(top).toMatch(/DIR\s+s3:\/\/s3cmd-bucket\/notes\/\n/)
    expect(top).toMatch(/\s12582915\s+s3:\/\/s3cmd-bucket\/big\.bin\n/)

    await s3cmd('get', `s3://${bucket}/notes/my note ü.txt`, f('note.down'))
    expect(readFileSync(f('note.down'), 'utf8')).toBe('a note from s3cmd\n')
    await s3cmd('get', `s3://${bucket}/big.bin`, f('big.down'))
    expect(await sha256File(f('big.down'))).toBe(sha256Of(big))

    const tree = f('s3cmd-tree')
    const files = makeTree(tree, 502)
    const first = await s3cmd('sync', `${tree}/`, `s3://${bucket}/tree/`)
    expect(first.stdout.match(/^upload: /gm)?.length).toBe(Object.keys(files).length)
    expect((await keysUnder(bucket, 'tree/')).sort()).toEqual(Object.keys(files).sort())
    const again = await s3cmd('sync', `${tree}/`, `s3://${bucket}/tree/`)
    expect(again.stdout).not.toContain('upload:')
    writeFileSync(join(tree, 'readme.txt'), 'changed\n')
    rmSync(join(tree, 'emoji 😀.txt'))
    const third = await s3cmd('sync', '--delete-removed', `${tree}/`, `s3://${bucket}/tree/`)
    expect(third.stdout).toContain(`upload: '${tree}/readme.txt' -> 's3://${bucket}/tree/readme.txt'`)
    expect(third.stdout).toContain(`delete: 's3://${bucket}/tree/emoji 😀.txt'`)
    const g = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'tree/readme.txt' }))
    expect(await g.Body!.transformToString()).toBe('changed\n')
    const down = f('s3cmd-down')
    await s3cmd('sync', `s3://${bucket}/tree/`, `${down}/`)
    for (const [p, data] of Object.entries(files)) {
      if (p === 'emoji 😀.txt') continue
      expect(sha256Of(readFileSync(join(down, p)))).toBe(p === 'readme.txt' ? sha256Of(Buffer.from('changed\n')) : sha256Of(data))
    }

    expect((await s3cmd('del', `s3://${bucket}/notes/my note ü.txt`)).stdout).toContain(`delete: 's3://${bucket}/notes/my note ü.txt'`)
    await s3cmd('del', '--recursive', '--force', `s3://${bucket}/`)
    expect(await keysUnder(bucket, '')).toEqual([])
    expect((await s3cmd('rb', `s3://${bucket}`)).stdout).toContain(`Bucket 's3://${bucket}/' removed`)
    const gone = await run(['s3cmd', '-c', cfg, 'ls', `s3://${bucket}`], { env: toolEnv(tmp.dir), cwd: tmp.dir })
    expect(gone.code).not.toBe(0)
    expect(gone.stderr).toContain('NoSuchBucket')
  })
})

describe('rclone', () => {
  const bucket = 'rclone-bucket'
  // Remote "cs" defined only through RCLONE_CONFIG_CS_* variables; an empty config file.
  const rcloneEnv = () => {
    writeFileSync(f('rclone.conf'), '')
    return toolEnv(tmp.dir, undefined, {
      RCLONE_CONFIG: f('rclone.conf'),
      RCLONE_CONFIG_CS_TYPE: 's3',
      RCLONE_CONFIG_CS_PROVIDER: 'Other',
      RCLONE_CONFIG_CS_ACCESS_KEY_ID: ROOT_ACCESS_KEY,
      RCLONE_CONFIG_CS_SECRET_ACCESS_KEY: ROOT_SECRET_KEY,
      RCLONE_CONFIG_CS_ENDPOINT: srv.s3Url,
      RCLONE_CONFIG_CS_REGION: REGION,
      RCLONE_CONFIG_CS_FORCE_PATH_STYLE: 'true',
    })
  }
  const rcloneArgs = (args: string[]) => ['rclone', '--retries', '1', '--low-level-retries', '1', ...args]
  const rclone = (...args: string[]) => runOk(rcloneArgs(args), { env: rcloneEnv(), cwd: tmp.dir })
  const rcloneFail = async (...args: string[]) => {
    const r = await run(rcloneArgs(args), { env: rcloneEnv(), cwd: tmp.dir })
    expect(r.code).not.toBe(0)
    return r
  }

  testWithTool('rclone', hasTool('rclone', ['version']), 'mkdir, copy (single and multipart), sync, check, lsf, delete, purge', async () => {
    await rclone('mkdir', `cs:${bucket}`)
    await s3.send(new HeadBucketCommand({ Bucket: bucket }))
    const tree = f('rclone-tree')
    const files = makeTree(tree, 601)
    const big = randomData(12 * MiB + 7, 602)
    writeFileSync(join(tree, 'big.bin'), big)
    files['big.bin'] = big

    await rclone('copy', '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M', tree, `cs:${bucket}/copy`)
    expect((await keysUnder(bucket, 'copy/')).sort()).toEqual(Object.keys(files).sort())
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copy/big.bin' }))).ETag).toMatch(/-3"$/)
    const lsf = (await rclone('lsf', '-R', '--files-only', `cs:${bucket}/copy`)).stdout.trim().split('\n').sort()
    expect(lsf).toEqual(Object.keys(files).sort())
    // check compares sizes and hashes (MD5 ETags; rclone's md5 metadata for multipart objects).
    const check = await rclone('check', tree, `cs:${bucket}/copy`)
    expect(check.stderr).toContain('0 differences found')
    expect(check.stderr).toContain(`${Object.keys(files).length} matching files`)

    await rclone('sync', tree, `cs:${bucket}/sync`)
    writeFileSync(join(tree, 'readme.txt'), 'changed by rclone test\n')
    rmSync(join(tree, 'docs/a b c.txt'))
    await rclone('sync', tree, `cs:${bucket}/sync`)
    const synced = (await keysUnder(bucket, 'sync/')).sort()
    expect(synced).toEqual(Object.keys(files).filter((p) => p !== 'docs/a b c.txt').sort())
    expect((await rclone('check', tree, `cs:${bucket}/sync`)).stderr).toContain('0 differences found')
    // The older copy/ no longer matches the changed tree: check reports both differences.
    expect((await rcloneFail('check', tree, `cs:${bucket}/copy`)).stderr).toContain('2 differences found')

    const down = f('rclone-down')
    await rclone('copy', `cs:${bucket}/sync`, down)
    expect(await sha256File(join(down, 'big.bin'))).toBe(sha256Of(big))
    expect(readFileSync(join(down, 'readme.txt'), 'utf8')).toBe('changed by rclone test\n')
    expect(readFileSync(join(down, 'emoji 😀.txt'), 'utf8')).toBe('smile')

    await rclone('delete', '--include', '*.txt', `cs:${bucket}/sync`)
    expect((await keysUnder(bucket, 'sync/')).sort()).toEqual(['big.bin', 'docs/deep/er/file+plus.bin'])
    await rclone('purge', `cs:${bucket}`)
    expect((await rcloneFail('lsf', `cs:${bucket}`)).stderr).toContain('directory not found')
  })
})
