import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { installationsOf, randomData, run, runOk, scratchDir, sha256File, sha256Of, toolEnv } from '../helpers/cli'
import { hasTool, testWithTool } from '../helpers/tools'

setDefaultTimeout(180_000)

/*
 * boto3 as applications use it. Every python3 on PATH that can import boto3 is exercised (a pip
 * boto3 with the 2025+ default checksums, Debian's older python3-boto3).
 */
const probe = scratchDir()
const PYTHONS = installationsOf('python3', ['-c', 'import boto3, botocore, sys; print("boto3", boto3.__version__, "botocore", botocore.__version__, "python", sys.version.split()[0])'], toolEnv(probe.dir))
probe.cleanup()

const MiB = 1024 * 1024

if (PYTHONS.length === 0) testWithTool('boto3', false, 'boto3 flows', () => {})

/** A python script run with the endpoint and credentials in its environment; prints JSON. */
const PRELUDE = `
import json, os, sys, hashlib
import boto3
from boto3.s3.transfer import TransferConfig
s3 = boto3.client("s3", endpoint_url=os.environ["CS_ENDPOINT"], region_name="${REGION}",
                  aws_access_key_id=os.environ["CS_AK"], aws_secret_access_key=os.environ["CS_SK"])
def out(doc): print(json.dumps(doc, default=str))
`

/** The 2,500 listing keys, some of them needing URL encoding (boto3 lists with encoding-type=url). */
const PAGED_KEYS = Array.from({ length: 2500 }, (_, i) => {
  const n = String(i).padStart(4, '0')
  if (i % 500 === 7) return `page/${n} with space é+😀`
  if (i % 250 === 3) return `page/${n}/nested`
  return `page/${n}`
})

let srv: TestServer
let s3: S3Client
beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

/** The 2,500-key bucket, filled once (concurrently, from the JS SDK) for every boto3 version. */
let paged: Promise<void> | null = null
const pagedBucket = () => (paged ??= (async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'boto-pages' }))
  const queue = [...PAGED_KEYS]
  await Promise.all(Array.from({ length: 24 }, async () => {
    for (let k = queue.shift(); k !== undefined; k = queue.shift()) await s3.send(new PutObjectCommand({ Bucket: 'boto-pages', Key: k, Body: k }))
  }))
})())

/** Removes a bucket and its objects if it exists (the API examples use fixed names). */
async function dropBucket(bucket: string) {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }))
  } catch {
    return
  }
  for (;;) {
    const l = await s3.send(new ListObjectsV2Command({ Bucket: bucket }))
    if (!l.Contents?.length) break
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: l.Contents.map((c) => ({ Key: c.Key! })) } }))
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }))
}

PYTHONS.forEach((py, n) => {
  describe(py.version, () => {
    const tmp = scratchDir('cs-boto3-')
    const env = toolEnv(tmp.dir)
    const f = (name: string) => join(tmp.dir, name)
    const python = async (name: string, body: string, extra: Record<string, string> = {}) => {
      writeFileSync(f(name), PRELUDE + body)
      const r = await runOk([py.path, f(name)], { env: { ...env, CS_ENDPOINT: srv.s3Url, CS_AK: ROOT_ACCESS_KEY, CS_SK: ROOT_SECRET_KEY, CS_N: String(n), ...extra }, cwd: tmp.dir })
      const last = r.stdout.trim().split('\n').pop() ?? ''
      return { stdout: r.stdout, doc: last.startsWith('{') || last.startsWith('[') ? JSON.parse(last) : null }
    }

    afterAll(() => tmp.cleanup())

    test('upload_file / download_file of ~20 MiB go multipart (TransferConfig) and round-trip', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: `boto-transfer-${n}` }))
      const data = randomData(20 * MiB + 4321, 300 + n)
      writeFileSync(f('big.bin'), data)
      const { doc } = await python('transfer.py', `
cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024, max_concurrency=4)
s3.upload_file("big.bin", "boto-transfer-" + os.environ["CS_N"], "dir/big file.bin", Config=cfg, ExtraArgs={"ContentType": "application/x-big", "Metadata": {"who": "boto3"}})
head = s3.head_object(Bucket="boto-transfer-" + os.environ["CS_N"], Key="dir/big file.bin")
s3.download_file("boto-transfer-" + os.environ["CS_N"], "dir/big file.bin", "big.down", Config=cfg)
# Below the threshold: a single PutObject.
s3.upload_file("big.bin", "boto-transfer-" + os.environ["CS_N"], "single.bin", Config=TransferConfig(multipart_threshold=64 * 1024 * 1024))
single = s3.head_object(Bucket="boto-transfer-" + os.environ["CS_N"], Key="single.bin")
out({"etag": head["ETag"], "length": head["ContentLength"], "type": head["ContentType"], "meta": head["Metadata"], "single": single["ETag"]})
`)
      expect(doc.etag).toMatch(/^"[0-9a-f]{32}-5"$/)
      expect(doc.length).toBe(data.length)
      expect(doc.type).toBe('application/x-big')
      expect(doc.meta).toEqual({ who: 'boto3' })
      expect(doc.single).toMatch(/^"[0-9a-f]{32}"$/)
      expect(await sha256File(f('big.down'))).toBe(sha256Of(data))
      const h = await s3.send(new HeadObjectCommand({ Bucket: `boto-transfer-${n}`, Key: 'dir/big file.bin' }))
      expect(h.ETag).toBe(doc.etag)
    })

    test('the list_objects_v2 paginator walks 2,500 keys (url-encoded listing decoded by boto3)', async () => {
      await pagedBucket()
      const { doc } = await python('pages.py', `
pages = []
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="boto-pages"):
    pages.append(page["KeyCount"])
    keys += [o["Key"] for o in page.get("Contents", [])]
small = [p["KeyCount"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket="boto-pages", PaginationConfig={"PageSize": 700})]
prefixes = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="boto-pages", Prefix="page/", Delimiter="/", PaginationConfig={"PageSize": 300}):
    prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
v1 = []
for page in s3.get_paginator("list_objects").paginate(Bucket="boto-pages", PaginationConfig={"PageSize": 900}):
    v1 += [o["Key"] for o in page.get("Contents", [])]
huge = s3.list_objects_v2(Bucket="boto-pages", MaxKeys=5000)
out({"pages": pages, "keys": keys, "small": small, "prefixes": prefixes, "v1": len(v1), "v1_equal": v1 == keys, "huge": [huge["KeyCount"], huge["IsTruncated"]]})
`)
      const sorted = [...PAGED_KEYS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      expect(doc.pages).toEqual([1000, 1000, 500])
      expect(doc.keys).toEqual(sorted)
      expect(doc.small).toEqual([700, 700, 700, 400])
      expect(doc.prefixes).toEqual(PAGED_KEYS.filter((k) => k.endsWith('/nested')).map((k) => k.slice(0, -'nested'.length)))
      expect(doc.v1).toBe(2500)
      expect(doc.v1_equal).toBe(true)
      expect(doc.huge).toEqual([1000, true])
    })

    testWithTool('curl', hasTool('curl'), 'presigned GET and PUT URLs work from curl and urllib', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: `boto-presign-${n}` }))
      await s3.send(new PutObjectCommand({ Bucket: `boto-presign-${n}`, Key: 'files/report ü.pdf', Body: 'report body', ContentType: 'application/pdf' }))
      const { doc } = await python('presign.py', `
import urllib.request
get = s3.generate_presigned_url("get_object", Params={"Bucket": "boto-presign-" + os.environ["CS_N"], "Key": "files/report ü.pdf"}, ExpiresIn=3600)
body = urllib.request.urlopen(get).read().decode()
put = s3.generate_presigned_url("put_object", Params={"Bucket": "boto-presign-" + os.environ["CS_N"], "Key": "uploads/up load.txt", "ContentType": "text/plain"}, ExpiresIn=600)
req = urllib.request.Request(put, data=b"uploaded via urllib", method="PUT", headers={"Content-Type": "text/plain"})
status = urllib.request.urlopen(req).status
put2 = s3.generate_presigned_url("put_object", Params={"Bucket": "boto-presign-" + os.environ["CS_N"], "Key": "uploads/curl.bin"}, ExpiresIn=600)
out({"get": get, "body": body, "status": status, "put2": put2})
`)
      expect(doc.body).toBe('report body')
      expect(doc.status).toBe(200)
      expect((await run(['curl', '-sS', doc.get])).stdout).toBe('report body')
      writeFileSync(f('curl.bin'), randomData(100_000, 7))
      const up = await run(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'PUT', '--data-binary', `@${f('curl.bin')}`, doc.put2])
      expect(up.stdout).toBe('200')
      const h = await s3.send(new HeadObjectCommand({ Bucket: `boto-presign-${n}`, Key: 'uploads/curl.bin' }))
      expect(h.ContentLength).toBe(100_000)
      const t = await s3.send(new HeadObjectCommand({ Bucket: `boto-presign-${n}`, Key: 'uploads/up load.txt' }))
      expect(t.ContentType).toBe('text/plain')
    })

    testWithTool('curl', hasTool('curl'), 'the API document\'s boto3 examples run as written', async () => {
      // Fixtures the examples assume: an existing bucket and objects, local files.
      await dropBucket('my-bucket')
      await dropBucket('my-new-bucket')
      await s3.send(new CreateBucketCommand({ Bucket: 'my-bucket' }))
      await s3.send(new PutObjectCommand({ Bucket: 'my-bucket', Key: 'report.pdf', Body: '%PDF-1.7 report', ContentType: 'application/pdf' }))
      for (const k of ['data/2025/jan.csv', 'data/2025/feb.csv', 'data/2024/dec.csv']) await s3.send(new PutObjectCommand({ Bucket: 'my-bucket', Key: k, Body: k }))
      writeFileSync(f('local-file.txt'), 'local file contents\n')
      writeFileSync(f('photo.jpg'), randomData(50_000, 9))
      // Verbatim from the API document (../shared/spec/cloudstorage-api.md), only the endpoint
      // and keys substituted. Printed URLs are collected for the curl steps.
      const spec = `
import boto3
s3 = boto3.client(
    "s3",
    endpoint_url="${srv.s3Url}",
    region_name="eu-central-1",
    aws_access_key_id="${ROOT_ACCESS_KEY}",
    aws_secret_access_key="${ROOT_SECRET_KEY}",
)
# Upload a file
s3.upload_file("local-file.txt", "my-bucket", "remote-file.txt")
# Download a file
s3.download_file("my-bucket", "remote-file.txt", "downloaded.txt")
# List objects
response = s3.list_objects_v2(Bucket="my-bucket")
for obj in response.get("Contents", []):
    print(obj["Key"], obj["Size"])

s3.create_bucket(
    Bucket="my-new-bucket",
    CreateBucketConfiguration={"LocationConstraint": "eu-central-1"},
)

response = s3.list_buckets()
for bucket in response["Buckets"]:
    print(bucket["Name"], bucket["CreationDate"])

# Upload from file
s3.upload_file("local-file.txt", "my-bucket", "path/to/file.txt")
# Upload from bytes
s3.put_object(
    Bucket="my-bucket",
    Key="hello.txt",
    Body=b"Hello, CloudStorage!",
    ContentType="text/plain",
)

# Download to file
s3.download_file("my-bucket", "path/to/file.txt", "local-file.txt")
# Read into memory
response = s3.get_object(Bucket="my-bucket", Key="hello.txt")
data = response["Body"].read()
print(data.decode("utf-8"))

s3.delete_object(Bucket="my-bucket", Key="path/to/file.txt")

# List all objects
response = s3.list_objects_v2(Bucket="my-bucket")
for obj in response.get("Contents", []):
    print(f"{obj['Key']:40s} {obj['Size']:>10d} bytes")
# List with prefix (like a directory)
response = s3.list_objects_v2(Bucket="my-bucket", Prefix="data/2025/")
for obj in response.get("Contents", []):
    print(obj["Key"])
# Paginate through many objects
paginator = s3.get_paginator("list_objects_v2")
for page in paginator.paginate(Bucket="my-bucket"):
    for obj in page.get("Contents", []):
        print(obj["Key"])

# Generate a URL valid for 1 hour (3600 seconds)
url = s3.generate_presigned_url(
    "get_object",
    Params={"Bucket": "my-bucket", "Key": "report.pdf"},
    ExpiresIn=3600,
)
print(url)

# Generate a URL that allows uploading
url = s3.generate_presigned_url(
    "put_object",
    Params={
        "Bucket": "my-bucket",
        "Key": "uploads/user-file.jpg",
        "ContentType": "image/jpeg",
    },
    ExpiresIn=600,  # 10 minutes
)
print(url)
`
      writeFileSync(f('spec.py'), spec)
      const r = await runOk([py.path, f('spec.py')], { env, cwd: tmp.dir })
      const lines = r.stdout.trim().split('\n')
      // upload_file → download_file → list: remote-file.txt is there with its size.
      expect(await Bun.file(f('downloaded.txt')).text()).toBe('local file contents\n')
      expect(lines).toContain('remote-file.txt 20')
      expect(lines.some((l) => /^my-new-bucket \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(l))).toBe(true)
      expect(lines.some((l) => l.startsWith('my-bucket '))).toBe(true)
      expect(lines).toContain('Hello, CloudStorage!')
      expect(lines).toContain(`${'hello.txt'.padEnd(40)} ${'20'.padStart(10)} bytes`)
      expect(lines.filter((l) => l.startsWith('path/to/file.txt'))).toEqual([])
      const prefixStart = lines.indexOf('data/2025/feb.csv')
      expect(lines.slice(prefixStart, prefixStart + 2)).toEqual(['data/2025/feb.csv', 'data/2025/jan.csv'])
      const getUrl = lines[lines.length - 2]
      const putUrl = lines[lines.length - 1]
      expect(getUrl).toStartWith(`${srv.s3Url}/my-bucket/report.pdf?`)
      expect((await run(['curl', '-sS', getUrl])).stdout).toBe('%PDF-1.7 report')
      // "Client can then upload with: curl -X PUT -H "Content-Type: image/jpeg" --data-binary @photo.jpg "URL""
      const up = await run(['curl', '-sS', '-w', '%{http_code}', '-X', 'PUT', '-H', 'Content-Type: image/jpeg', '--data-binary', '@photo.jpg', putUrl], { cwd: tmp.dir })
      expect(up.stdout).toBe('200')
      const h = await s3.send(new HeadObjectCommand({ Bucket: 'my-bucket', Key: 'uploads/user-file.jpg' }))
      expect(h.ContentType).toBe('image/jpeg')
      expect(h.ContentLength).toBe(50_000)
    })
  })
})
