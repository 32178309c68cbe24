import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { installationsOf, randomData, run, runOk, scratchDir, sha256File, sha256Of, toolEnv, type RunResult } from '../helpers/cli'
import { hasTool, testWithTool } from '../helpers/tools'
import { md5Hex } from '../helpers/raw-s3'

setDefaultTimeout(180_000)

/*
 * The AWS CLI as users run it: credentials and region from the environment, the endpoint on the
 * command line, a throwaway HOME. Every distinct installation on PATH is exercised (a pip aws-cli
 * v1 with a current botocore sends CRC32 checksums by default; Debian's v2 is older).
 */
const probe = scratchDir()
const CLIS = installationsOf('aws', ['--version'], toolEnv(probe.dir))
probe.cleanup()

let srv: TestServer
let s3: S3Client
beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

const MiB = 1024 * 1024

if (CLIS.length === 0) testWithTool('aws', false, 'AWS CLI flows', () => {})

CLIS.forEach((cli, n) => {
  describe(cli.version, () => {
    const tmp = scratchDir('cs-awscli-')
    const env = toolEnv(tmp.dir, undefined, { AWS_CLI_AUTO_PROMPT: 'off', AWS_MAX_ATTEMPTS: '1' })
    const bucket = `cli-${n}-bucket`
    // Transfer commands print \r-separated progress lines unless told not to.
    const quiet = (args: string[]) => (args[0] === 's3' && ['cp', 'sync', 'mv'].includes(args[1]) ? [...args, '--no-progress'] : args)
    const aws = (...args: string[]) => runOk([cli.path, '--endpoint-url', srv.s3Url, ...quiet(args)], { env, cwd: tmp.dir })
    const awsFail = async (...args: string[]): Promise<RunResult> => {
      const r = await run([cli.path, '--endpoint-url', srv.s3Url, ...args], { env, cwd: tmp.dir })
      expect(r.code).not.toBe(0)
      return r
    }
    const api = async (...args: string[]) => {
      const r = await aws('s3api', ...args, '--output', 'json')
      return r.stdout.trim() ? JSON.parse(r.stdout) : {}
    }
    const f = (name: string) => join(tmp.dir, name)
    afterAll(() => tmp.cleanup())
    // The first CLI on PATH runs every flow; further installations the core ones (cp, sync, rb).
    const full = n === 0
    const fullTest = (name: string, fn: () => Promise<void>) => {
      if (full) test(name, fn)
    }

    test('s3 mb, cp up and down, ls, stdin/stdout', async () => {
      expect((await aws('s3', 'mb', `s3://${bucket}`)).stdout).toContain(`make_bucket: ${bucket}`)
      writeFileSync(f('hello.txt'), 'Hello, CloudStorage!\n')
      expect((await aws('s3', 'cp', f('hello.txt'), `s3://${bucket}/docs/hello world.txt`)).stdout).toContain(`upload: ./hello.txt to s3://${bucket}/docs/hello world.txt`)
      const ls = await aws('s3', 'ls', `s3://${bucket}/docs/`)
      expect(ls.stdout).toMatch(/\s21 hello world\.txt\n$/)
      await aws('s3', 'cp', `s3://${bucket}/docs/hello world.txt`, f('back.txt'))
      expect(readFileSync(f('back.txt'), 'utf8')).toBe('Hello, CloudStorage!\n')
      const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'docs/hello world.txt' }))
      expect(h.ContentType).toBe('text/plain')
      expect(h.ETag).toBe(`"${md5Hex('Hello, CloudStorage!\n')}"`)
      if (!full) return
      await runOk([cli.path, '--endpoint-url', srv.s3Url, ...quiet(['s3', 'cp', '-', `s3://${bucket}/piped.txt`])], { env, cwd: tmp.dir, input: 'from stdin' })
      expect((await aws('s3', 'cp', `s3://${bucket}/piped.txt`, '-')).stdout).toBe('from stdin')
    })

    test('s3 cp of a 20 MiB file goes multipart and round-trips byte-identical', async () => {
      const data = randomData(20 * MiB + 12345, 100 + n)
      writeFileSync(f('big.bin'), data)
      await aws('s3', 'cp', f('big.bin'), `s3://${bucket}/big.bin`)
      const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big.bin' }))
      expect(h.ContentLength).toBe(data.length)
      expect(h.ETag).toMatch(/^"[0-9a-f]{32}-3"$/) // 8 MiB default parts
      await aws('s3', 'cp', `s3://${bucket}/big.bin`, f('big.down'))
      expect(await sha256File(f('big.down'))).toBe(sha256Of(data))
      if (!full) return
      // An explicit flexible checksum (SHA256 needs no optional CRT dependency in any version).
      const put = await api('put-object', '--bucket', bucket, '--key', 'sha256.bin', '--body', f('big.bin'), '--checksum-algorithm', 'SHA256')
      expect(put.ChecksumSHA256).toBe(Buffer.from(sha256Of(data), 'hex').toString('base64'))
      const hc = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sha256.bin', ChecksumMode: 'ENABLED' }))
      expect(hc.ChecksumSHA256).toBe(put.ChecksumSHA256)
    })

    test('s3 sync up, incremental, --delete, and down', async () => {
      const src = f('tree')
      mkdirSync(join(src, 'sub dir/deeper'), { recursive: true })
      const files: Record<string, string> = { 'a.txt': 'A', 'sub dir/b.txt': 'BB', 'sub dir/deeper/c ü.txt': 'CCC', 'emoji 😀.txt': 'smile', 'plus+sign.txt': '+' }
      for (const [p, c] of Object.entries(files)) writeFileSync(join(src, p), c)
      const first = await aws('s3', 'sync', src, `s3://${bucket}/tree`)
      expect(first.stdout.match(/(?:^|\r)upload: /gm)?.length).toBe(5)
      const again = await aws('s3', 'sync', src, `s3://${bucket}/tree`)
      expect(again.stdout).not.toContain('upload:')
      writeFileSync(join(src, 'a.txt'), 'A changed')
      rmSync(join(src, 'sub dir/b.txt'))
      const third = await aws('s3', 'sync', src, `s3://${bucket}/tree`, '--delete')
      expect(third.stdout).toContain(`upload: tree/a.txt to s3://${bucket}/tree/a.txt`)
      expect(third.stdout).toContain(`delete: s3://${bucket}/tree/sub dir/b.txt`)
      expect(third.stdout.match(/(?:^|\r)(upload|delete): /gm)?.length).toBe(2)
      const listed = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tree/' }))).Contents!.map((c) => c.Key!)
      expect(listed).toEqual(['tree/a.txt', 'tree/emoji 😀.txt', 'tree/plus+sign.txt', 'tree/sub dir/deeper/c ü.txt'])
      const down = f('tree-down')
      await aws('s3', 'sync', `s3://${bucket}/tree`, down)
      expect(readFileSync(join(down, 'a.txt'), 'utf8')).toBe('A changed')
      expect(readFileSync(join(down, 'sub dir/deeper/c ü.txt'), 'utf8')).toBe('CCC')
      expect(readFileSync(join(down, 'emoji 😀.txt'), 'utf8')).toBe('smile')
      expect(readFileSync(join(down, 'plus+sign.txt'), 'utf8')).toBe('+')
      if (!full) return
      const rec = await aws('s3', 'ls', `s3://${bucket}/tree/`, '--recursive')
      expect(rec.stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(3).join(' '))).toEqual(listed)
    })

    fullTest('s3api multipart: create, upload-part, list-parts, list-multipart-uploads, complete, abort', async () => {
      writeFileSync(f('part1'), randomData(5 * MiB, 200 + n))
      writeFileSync(f('part2'), 'the tail')
      const created = await api('create-multipart-upload', '--bucket', bucket, '--key', 'mp/object.bin', '--content-type', 'application/x-parts', '--metadata', 'origin=cli')
      const uploadId = created.UploadId as string
      const p1 = await api('upload-part', '--bucket', bucket, '--key', 'mp/object.bin', '--upload-id', uploadId, '--part-number', '1', '--body', f('part1'))
      const p2 = await api('upload-part', '--bucket', bucket, '--key', 'mp/object.bin', '--upload-id', uploadId, '--part-number', '2', '--body', f('part2'))
      const parts = await api('list-parts', '--bucket', bucket, '--key', 'mp/object.bin', '--upload-id', uploadId)
      expect(parts.Parts.map((p: { PartNumber: number; ETag: string; Size: number }) => [p.PartNumber, p.ETag, p.Size])).toEqual([[1, p1.ETag, 5 * MiB], [2, p2.ETag, 8]])
      const other = await api('create-multipart-upload', '--bucket', bucket, '--key', 'mp/abandoned')
      const uploads = await api('list-multipart-uploads', '--bucket', bucket, '--prefix', 'mp/')
      expect(uploads.Uploads.map((u: { Key: string }) => u.Key)).toEqual(['mp/abandoned', 'mp/object.bin'])
      writeFileSync(f('parts.json'), JSON.stringify({ Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] }))
      const done = await api('complete-multipart-upload', '--bucket', bucket, '--key', 'mp/object.bin', '--upload-id', uploadId, '--multipart-upload', `file://${f('parts.json')}`)
      expect(done.ETag).toMatch(/-2"$/)
      expect(done.Key).toBe('mp/object.bin')
      await api('abort-multipart-upload', '--bucket', bucket, '--key', 'mp/abandoned', '--upload-id', other.UploadId)
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'mp/object.bin' }))
      expect(head.ContentLength).toBe(5 * MiB + 8)
      expect(head.ContentType).toBe('application/x-parts')
      expect(head.Metadata).toEqual({ origin: 'cli' })
      const err = await awsFail('s3api', 'list-parts', '--bucket', bucket, '--key', 'mp/object.bin', '--upload-id', uploadId)
      expect(err.stderr).toContain('NoSuchUpload')
    })

    fullTest('s3api versioning and list-object-versions', async () => {
      const vb = `cli-${n}-versions`
      await api('create-bucket', '--bucket', vb, '--create-bucket-configuration', 'LocationConstraint=eu-central-1')
      await api('put-bucket-versioning', '--bucket', vb, '--versioning-configuration', 'Status=Enabled')
      writeFileSync(f('v.txt'), 'version one')
      const v1 = await api('put-object', '--bucket', vb, '--key', 'doc.txt', '--body', f('v.txt'))
      writeFileSync(f('v.txt'), 'version two')
      const v2 = await api('put-object', '--bucket', vb, '--key', 'doc.txt', '--body', f('v.txt'))
      await api('delete-object', '--bucket', vb, '--key', 'doc.txt')
      const list = await api('list-object-versions', '--bucket', vb)
      expect(list.Versions.map((v: { VersionId: string; IsLatest: boolean }) => [v.VersionId, v.IsLatest])).toEqual([[v2.VersionId, false], [v1.VersionId, false]])
      expect(list.DeleteMarkers.length).toBe(1)
      expect(list.DeleteMarkers[0].IsLatest).toBe(true)
      const g1 = await s3.send(new GetObjectCommand({ Bucket: vb, Key: 'doc.txt', VersionId: v1.VersionId }))
      expect(await g1.Body!.transformToString()).toBe('version one')
      const rb = await awsFail('s3', 'rb', `s3://${vb}`)
      expect(rb.stderr).toContain('BucketNotEmpty')
    })

    fullTest('s3api CORS: put, get, delete', async () => {
      const cors = { CORSRules: [{ AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], MaxAgeSeconds: 3000 }] }
      writeFileSync(f('cors.json'), JSON.stringify(cors))
      await aws('s3api', 'put-bucket-cors', '--bucket', bucket, '--cors-configuration', `file://${f('cors.json')}`)
      expect(await api('get-bucket-cors', '--bucket', bucket)).toEqual(cors)
      const pre = await fetch(`${srv.s3Url}/${bucket}/x`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } })
      expect(pre.status).toBe(200)
      await aws('s3api', 'delete-bucket-cors', '--bucket', bucket)
      expect((await awsFail('s3api', 'get-bucket-cors', '--bucket', bucket)).stderr).toContain('NoSuchCORSConfiguration')
    })

    fullTest('s3api conditional put-object --if-none-match "*"', async () => {
      writeFileSync(f('cond.txt'), 'first')
      const first = await run([cli.path, '--endpoint-url', srv.s3Url, 's3api', 'put-object', '--bucket', bucket, '--key', 'cond.txt', '--body', f('cond.txt'), '--if-none-match', '*'], { env, cwd: tmp.dir })
      if (first.code !== 0 && /Unknown options|unknown option/i.test(first.stderr)) {
        console.log(`[skipped: ${cli.version} predates conditional writes (no --if-none-match)]`)
        return
      }
      expect(first.code).toBe(0)
      writeFileSync(f('cond.txt'), 'second')
      const r = await awsFail('s3api', 'put-object', '--bucket', bucket, '--key', 'cond.txt', '--body', f('cond.txt'), '--if-none-match', '*')
      expect(r.stderr).toContain('PreconditionFailed')
      const g = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cond.txt' }))
      expect(await g.Body!.transformToString()).toBe('first')
    })

    if (full) testWithTool('curl', hasTool('curl'), 's3 presign + curl', async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'shared/report 2026.pdf', Body: 'pdf bytes', ContentType: 'application/pdf' }))
      const url = (await aws('s3', 'presign', `s3://${bucket}/shared/report 2026.pdf`, '--expires-in', '300')).stdout.trim()
      expect(url).toStartWith(`${srv.s3Url}/${bucket}/shared/report%202026.pdf?`)
      const r = await run(['curl', '-sS', '-D', f('headers.txt'), url])
      expect(r.stdout).toBe('pdf bytes')
      expect(readFileSync(f('headers.txt'), 'utf8').toLowerCase()).toContain('content-type: application/pdf')
    })

    fullTest('the API document\'s CLI examples run as written', async () => {
      // ../shared/spec/cloudstorage-api.md: export AWS_ENDPOINT_URL, then cp and rb (--force).
      const specEnv = { ...env, AWS_ENDPOINT_URL: srv.s3Url }
      const sh = (...args: string[]) => run([cli.path, ...args], { env: specEnv, cwd: tmp.dir })
      expect((await sh('s3', 'mb', 's3://my-bucket', '--endpoint-url', srv.s3Url)).code).toBe(0)
      writeFileSync(f('my-file.txt'), 'my file\n')
      const cp = await sh('s3', '--endpoint-url', srv.s3Url, 'cp', './my-file.txt', 's3://my-bucket/my-file.txt')
      expect(cp.code).toBe(0)
      expect(cp.stdout.trim().split(/[\r\n]+/).pop()).toBe('upload: ./my-file.txt to s3://my-bucket/my-file.txt')
      // "Bucket must be empty before deletion"
      const rb = await sh('s3', 'rb', 's3://my-bucket', '--endpoint-url', srv.s3Url)
      expect(rb.code).not.toBe(0)
      expect(rb.stderr).toContain('BucketNotEmpty')
      // "Force delete (removes all objects first)"
      const force = await sh('s3', 'rb', 's3://my-bucket', '--force', '--endpoint-url', srv.s3Url)
      expect(force.code).toBe(0)
      expect(force.stdout).toContain('delete: s3://my-bucket/my-file.txt')
      expect(force.stdout).toContain('remove_bucket: my-bucket')
    })

    test('s3 rm, rm --recursive, rb --force', async () => {
      if (full) {
        expect((await aws('s3', 'rm', `s3://${bucket}/piped.txt`)).stdout).toContain(`delete: s3://${bucket}/piped.txt`)
        const rec = await aws('s3', 'rm', `s3://${bucket}/tree/`, '--recursive')
        expect(rec.stdout.match(/(?:^|\r)delete: /gm)?.length).toBe(4)
        expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tree/' }))).KeyCount).toBe(0)
        expect((await awsFail('s3', 'rb', `s3://${bucket}`)).stderr).toContain('BucketNotEmpty')
      }
      const rb = await aws('s3', 'rb', `s3://${bucket}`, '--force')
      expect(rb.stdout).toContain(`remove_bucket: ${bucket}`)
      expect((await awsFail('s3', 'ls', `s3://${bucket}`)).stderr).toContain('NoSuchBucket')
    })
  })
})
