import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { Agent } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Subprocess } from 'bun'
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { AwsClient } from 'aws4fetch'

export const ROOT_DIR = resolve(import.meta.dir, '../..')
/** The source tree the server runs from: this checkout, or BENCH_SERVER_ROOT (A/B against a copy). */
export const SERVER_ROOT = process.env.BENCH_SERVER_ROOT ? resolve(process.env.BENCH_SERVER_ROOT) : ROOT_DIR
// The same known root credentials the test helper uses (test/helpers/server.ts).
export const ACCESS_KEY = 'CSTESTROOTKEY0000001'
export const SECRET_KEY = 'testRootSecretKey0000000000000000000000001'
export const REGION = 'eu-central-1'

export interface BenchServer {
  s3Url: string
  pid: number
  dataDir: string
  logPath: string
  proc: Subprocess
  s3: S3Client
  presigner: Presigner
  createBucket(name: string): Promise<void>
  stop(): Promise<void>
}

/** Presigned URLs via aws4fetch, so the load generator (wrk, curl) never signs anything. */
export class Presigner {
  private readonly aws = new AwsClient({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, service: 's3', region: REGION })
  constructor(readonly s3Url: string) {}

  /** `path` is already URL-encoded (bucket/key, with an optional query). */
  async url(method: 'GET' | 'PUT', path: string, expiresSeconds = 6 * 3600): Promise<string> {
    const u = new URL(`${this.s3Url}/${path}`)
    u.searchParams.set('X-Amz-Expires', String(expiresSeconds))
    return (await this.aws.sign(u.toString(), { method, aws: { signQuery: true } })).url
  }

  /** Many URLs, signed in bounded batches (aws4fetch signs asynchronously through WebCrypto). */
  async many(method: 'GET' | 'PUT', paths: string[]): Promise<string[]> {
    const out: string[] = new Array(paths.length)
    const batch = 256
    for (let i = 0; i < paths.length; i += batch) {
      const slice = paths.slice(i, i + batch)
      const urls = await Promise.all(slice.map((p) => this.url(method, p)))
      for (let j = 0; j < urls.length; j++) out[i + j] = urls[j]
    }
    return out
  }
}

/** A temp directory on the benchmark's filesystem (BENCH_DATA_ROOT or the OS temp dir). */
export function benchTempDir(prefix: string, root?: string): string {
  return mkdtempSync(join(root ?? tmpdir(), prefix))
}

/**
 * Starts `cloudstorage serve` from the source tree on ephemeral ports with a fresh data dir.
 * Its per-request log goes to a file (as it would to journald), not through a pipe into this
 * process, so the harness spends no CPU on it.
 */
export async function startCloudStorage(opts: { dataRoot?: string; env?: Record<string, string>; bunArgs?: string[] } = {}): Promise<BenchServer> {
  const dataDir = benchTempDir('cs-bench-data-', opts.dataRoot)
  const logDir = benchTempDir('cs-bench-log-')
  const logPath = join(logDir, 'server.log')
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    CLOUDSTORAGE_ROOT_EMAIL: 'root@bench.local',
    CLOUDSTORAGE_ROOT_PASSWORD: 'bench-root-password-123',
    CLOUDSTORAGE_ROOT_ACCESS_KEY: ACCESS_KEY,
    CLOUDSTORAGE_ROOT_SECRET_KEY: SECRET_KEY,
    CLOUDSTORAGE_RATE_LIMITS: 'off',
    CLOUDSTORAGE_DISK_RESERVE: '0',
    // The 10 GiB default quota would stop the 5 GiB streaming runs and long PUT runs.
    CLOUDSTORAGE_DEFAULT_QUOTA: '100TiB',
    // As `npm start` and the systemd unit run it: enough I/O threads for concurrent fsyncs.
    UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '32',
    ...opts.env,
  }
  const proc = Bun.spawn([process.execPath, ...(opts.bunArgs ?? []), join(SERVER_ROOT, 'src/main.ts'), 'serve', '--data', dataDir, '--host', '127.0.0.1', '--s3-port', '0', '--port', '0'], {
    env, cwd: SERVER_ROOT, stdin: 'ignore', stdout: Bun.file(logPath), stderr: Bun.file(join(logDir, 'server.err')),
  })
  const deadline = Date.now() + 60_000
  let m: RegExpMatchArray | null = null
  const read = (p: string) => { try { return readFileSync(p, 'utf8') } catch { return '' } }
  while (!(m = read(logPath).match(/ready.*s3=(http:\/\/\S+) http=(http:\/\/\S+)/))) {
    if (proc.exitCode !== null) throw new Error(`cloudstorage exited with ${proc.exitCode}:\n${read(logPath)}\n${read(join(logDir, 'server.err'))}`)
    if (Date.now() > deadline) { proc.kill(); throw new Error(`cloudstorage did not start within 60 s:\n${read(logPath)}`) }
    await Bun.sleep(50)
  }
  const s3Url = m[1]
  const s3 = new S3Client({
    endpoint: s3Url, region: REGION, forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }) } as never,
  })
  return {
    s3Url, pid: proc.pid, dataDir, logPath, proc, s3,
    presigner: new Presigner(s3Url),
    async createBucket(name) {
      await s3.send(new CreateBucketCommand({ Bucket: name }))
    },
    async stop() {
      s3.destroy()
      if (proc.exitCode === null) proc.kill('SIGTERM')
      const killer = setTimeout(() => proc.exitCode === null && proc.kill('SIGKILL'), 20_000)
      await proc.exited
      clearTimeout(killer)
      rmSync(dataDir, { recursive: true, force: true })
      rmSync(logDir, { recursive: true, force: true })
    },
  }
}

/** PUTs `count` objects through the SDK with `concurrency` requests in flight. */
export async function putMany(s3: S3Client, bucket: string, keys: string[], body: (i: number) => Uint8Array | string, concurrency = 64, onProgress?: (done: number) => void): Promise<void> {
  let next = 0
  let done = 0
  async function worker() {
    for (;;) {
      const i = next++
      if (i >= keys.length) return
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: keys[i], Body: body(i) }))
      done++
      if (onProgress && done % 1000 === 0) onProgress(done)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker))
}

/** Uploads one local file with curl through a presigned PUT (streams from disk, any size). */
export async function curlPut(url: string, file: string): Promise<void> {
  const p = Bun.spawn(['curl', '-sS', '-f', '-H', 'Expect:', '-o', '/dev/null', '-T', file, url], { stdout: 'ignore', stderr: 'pipe' })
  const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited])
  if (code !== 0) throw new Error(`curl PUT failed (${code}): ${err}`)
}
