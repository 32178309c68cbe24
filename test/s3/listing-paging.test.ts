import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  AbortMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCommand, DeleteObjectsCommand, HeadBucketCommand,
  ListMultipartUploadsCommand, ListObjectsCommand, ListObjectsV2Command, ListObjectVersionsCommand, PutBucketVersioningCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { s3Fetch } from '../helpers/raw-s3'
import { installationsOf, runOk, scratchDir, toolEnv } from '../helpers/cli'
import { testWithTool } from '../helpers/tools'

setDefaultTimeout(600_000)

/*
 * Listing and paging through real clients: the cleanup loop every tool runs (list a page of
 * versions, delete exactly those, resume from NextKeyMarker/NextVersionIdMarker) on 1,001-object
 * buckets, ListMultipartUploads with a delimiter, max-keys=0, an empty continuation-token,
 * encoding-type=url round trips, and a page-size sweep of all four listings over ~1,100 keys.
 */

let srv: TestServer
let s3: S3Client
const tmp = scratchDir('cs-listing-')
const probe = scratchDir()
const PYTHON = installationsOf('python3', ['-c', 'import boto3'], toolEnv(probe.dir))[0]
const AWS = installationsOf('aws', ['--version'], toolEnv(probe.dir))[0]
probe.cleanup()

beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
}, 60_000)
afterAll(async () => {
  await srv?.stop()
  tmp.cleanup()
}, 30_000)

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>) {
  const queue = [...items]
  await Promise.all(Array.from({ length: n }, async () => {
    for (let x = queue.shift(); x !== undefined; x = queue.shift()) await fn(x)
  }))
}

/**
 * Puts every key (body = key); returns the version ids in put order per key. Plain signed
 * requests: this is setup (thousands of PUTs), the listings under test go through the clients.
 */
async function putAll(bucket: string, keys: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>()
  await pool(keys, 32, async (k) => {
    const r = await s3Fetch(srv.s3Url, { method: 'PUT', bucket, key: k, body: k })
    await r.arrayBuffer()
    if (r.status !== 200) throw new Error(`PUT ${bucket}/${k}: ${r.status}`)
    ids.set(k, r.headers.get('x-amz-version-id') ?? 'null')
  })
  return ids
}

/** One DeleteObjects per 1,000 keys, without version ids: delete markers in a versioned bucket. */
async function deleteMarkers(bucket: string, keys: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>()
  for (let i = 0; i < keys.length; i += 1000) {
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }))
    expect(r.Errors ?? []).toEqual([])
    for (const d of r.Deleted ?? []) ids.set(d.Key!, d.DeleteMarkerVersionId!)
  }
  return ids
}

const enable = (bucket: string) => s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }))

const N = 1001
const cleanKeys = (tag: string) => Array.from({ length: N }, (_, i) => `${tag}/${String(i).padStart(4, '0')}${i % 100 === 7 ? ' é😀+%' : ''}`)

/** An unversioned bucket of 1,001 objects (every version listed as "null"). */
async function plainBucket(bucket: string) {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  await putAll(bucket, cleanKeys('k'))
}

/**
 * A versioned bucket: 1,001 null versions written before versioning was enabled, then a second
 * version of every other key and a delete marker on every third: 1,835 versions and markers.
 */
async function versionedBucket(bucket: string): Promise<number> {
  const keys = cleanKeys('k')
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  await putAll(bucket, keys)
  await enable(bucket)
  await putAll(bucket, keys.filter((_, i) => i % 2 === 0))
  await deleteMarkers(bucket, keys.filter((_, i) => i % 3 === 0))
  return N + Math.ceil(N / 2) + Math.ceil(N / 3)
}

async function bucketGone(bucket: string): Promise<boolean> {
  const e = await sdkError(s3.send(new HeadBucketCommand({ Bucket: bucket })))
  return e.status === 404
}

describe('the cleanup loop: list a page of versions, delete them, resume from the markers', () => {
  /** What tools do: page through ListObjectVersions, deleting each page before asking for the next. */
  async function jsCleanup(bucket: string, maxKeys: number) {
    let KeyMarker: string | undefined
    let VersionIdMarker: string | undefined
    let deleted = 0
    let pages = 0
    const markers: Array<string | undefined> = []
    for (;;) {
      if (++pages > 200) throw new Error('the version listing did not end')
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: maxKeys, KeyMarker, VersionIdMarker }))
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId! }))
      expect(objects.length).toBeLessThanOrEqual(maxKeys)
      for (let i = 0; i < objects.length; i += 1000) {
        const r = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects.slice(i, i + 1000), Quiet: true } }))
        expect(r.Errors ?? []).toEqual([])
      }
      deleted += objects.length
      if (!page.IsTruncated) break
      KeyMarker = page.NextKeyMarker
      VersionIdMarker = page.NextVersionIdMarker
      markers.push(VersionIdMarker)
    }
    return { deleted, pages, markers }
  }

  test('@aws-sdk/client-s3, unversioned: 1,001 null versions, 100 a page, then DeleteBucket', async () => {
    await plainBucket('clean-js-plain')
    const r = await jsCleanup('clean-js-plain', 100)
    expect(r.deleted).toBe(N)
    expect(r.pages).toBe(11)
    // Every page ended on a version named "null", deleted before the next page was asked for.
    expect(new Set(r.markers)).toEqual(new Set(['null']))
    await s3.send(new DeleteBucketCommand({ Bucket: 'clean-js-plain' }))
    expect(await bucketGone('clean-js-plain')).toBe(true)
  })

  test('@aws-sdk/client-s3, versioned: null versions, real versions and delete markers, 100 a page, then DeleteBucket', async () => {
    const total = await versionedBucket('clean-js-ver')
    const r = await jsCleanup('clean-js-ver', 100)
    expect(r.deleted).toBe(total)
    expect(r.markers).toContain('null')
    expect(r.markers.some((m) => m !== 'null')).toBe(true)
    await s3.send(new DeleteBucketCommand({ Bucket: 'clean-js-ver' }))
    expect(await bucketGone('clean-js-ver')).toBe(true)
  })

  const python = async (body: string) => {
    const file = join(tmp.dir, 'cleanup.py')
    writeFileSync(file, `
import json, os, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["CS_ENDPOINT"], region_name="${REGION}", aws_access_key_id="${ROOT_ACCESS_KEY}", aws_secret_access_key="${ROOT_SECRET_KEY}")
def out(doc): print(json.dumps(doc, default=str))
${body}`)
    const r = await runOk([PYTHON!.path, file], { env: { ...toolEnv(tmp.dir), CS_ENDPOINT: srv.s3Url } })
    return JSON.parse(r.stdout.trim().split('\n').pop()!)
  }

  // The loop of `aws s3 rb --force`-style scripts: the list_object_versions paginator, one
  // delete_objects per page, then delete_bucket.
  const BOTO_CLEANUP = `
import sys
bucket, size = sys.argv[1], int(sys.argv[2])
deleted, pages = 0, 0
for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, PaginationConfig={"PageSize": size}):
    pages += 1
    objs = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
    if objs:
        r = s3.delete_objects(Bucket=bucket, Delete={"Objects": objs, "Quiet": True})
        assert not r.get("Errors"), r.get("Errors")
    deleted += len(objs)
s3.delete_bucket(Bucket=bucket)
out({"deleted": deleted, "pages": pages})
`
  const boto = async (bucket: string, size: number) => {
    const file = join(tmp.dir, 'boto-cleanup.py')
    writeFileSync(file, `
import json, os, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["CS_ENDPOINT"], region_name="${REGION}", aws_access_key_id="${ROOT_ACCESS_KEY}", aws_secret_access_key="${ROOT_SECRET_KEY}")
def out(doc): print(json.dumps(doc, default=str))
${BOTO_CLEANUP}`)
    const r = await runOk([PYTHON!.path, file, bucket, String(size)], { env: { ...toolEnv(tmp.dir), CS_ENDPOINT: srv.s3Url } })
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { deleted: number; pages: number }
  }

  testWithTool('boto3', !!PYTHON, 'boto3 paginator + delete_objects, unversioned 1,001 objects, 1,000 a page, then delete_bucket', async () => {
    await plainBucket('clean-boto-plain')
    expect(await boto('clean-boto-plain', 1000)).toEqual({ deleted: N, pages: 2 })
    expect(await bucketGone('clean-boto-plain')).toBe(true)
  })

  testWithTool('boto3', !!PYTHON, 'boto3 paginator + delete_objects, versioned (null, real, delete markers), 250 a page, then delete_bucket', async () => {
    const total = await versionedBucket('clean-boto-ver')
    expect(await boto('clean-boto-ver', 250)).toEqual({ deleted: total, pages: Math.ceil(total / 250) })
    expect(await bucketGone('clean-boto-ver')).toBe(true)
  })

  testWithTool('boto3', !!PYTHON, 'boto3 resource: bucket.object_versions.delete() then bucket.delete()', async () => {
    await plainBucket('clean-boto-res')
    const doc = await python(`
b = boto3.resource("s3", endpoint_url=os.environ["CS_ENDPOINT"], region_name="${REGION}", aws_access_key_id="${ROOT_ACCESS_KEY}", aws_secret_access_key="${ROOT_SECRET_KEY}").Bucket("clean-boto-res")
r = b.object_versions.page_size(300).delete()
b.delete()
out({"batches": len(r), "deleted": sum(len(x.get("Deleted", [])) for x in r)})
`)
    expect(doc).toEqual({ batches: 4, deleted: N })
    expect(await bucketGone('clean-boto-res')).toBe(true)
  })

  testWithTool('aws', !!AWS, 'aws s3 rm --recursive, then aws s3 rb, on 1,001 keys', async () => {
    await plainBucket('clean-cli')
    const env = { ...toolEnv(tmp.dir, undefined, { AWS_CLI_AUTO_PROMPT: 'off', AWS_MAX_ATTEMPTS: '1' }) }
    const aws = (...args: string[]) => runOk([AWS!.path, '--endpoint-url', srv.s3Url, ...args], { env, cwd: tmp.dir })
    const rm = await aws('s3', 'rm', 's3://clean-cli', '--recursive', '--only-show-errors')
    expect(rm.stderr).toBe('')
    expect((await aws('s3', 'rb', 's3://clean-cli')).stdout).toContain('remove_bucket: clean-cli')
    expect(await bucketGone('clean-cli')).toBe(true)
  })
})

describe('ListMultipartUploads', () => {
  const B = 'uploads-paging'
  const created: Array<{ key: string; id: string }> = []
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: B }))
    for (const key of ['dir1/a', 'dir1/b', 'dir2/a', 'dir3/x/y', 'k', 'k', 'k', 'k', 'k', 'k', 'l', 'l', 'top']) {
      const r = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: key }))
      created.push({ key, id: r.UploadId! })
    }
  })

  test('with a delimiter, one a page: every CommonPrefix once, and the listing ends', async () => {
    const seen: string[] = []
    let KeyMarker: string | undefined
    let UploadIdMarker: string | undefined
    for (let n = 0; ; n++) {
      if (n > 20) throw new Error(`ListMultipartUploads did not end: ${seen.join(' ')}`)
      const p = await s3.send(new ListMultipartUploadsCommand({ Bucket: B, Delimiter: '/', MaxUploads: 1, KeyMarker, UploadIdMarker }))
      seen.push(...(p.CommonPrefixes ?? []).map((c) => 'P:' + c.Prefix), ...(p.Uploads ?? []).map((u) => 'U:' + u.Key))
      if (!p.IsTruncated) break
      KeyMarker = p.NextKeyMarker
      UploadIdMarker = p.NextUploadIdMarker
    }
    expect(seen).toEqual(['P:dir1/', 'P:dir2/', 'P:dir3/', 'U:k', 'U:k', 'U:k', 'U:k', 'U:k', 'U:k', 'U:l', 'U:l', 'U:top'])
  })

  testWithTool('boto3', !!PYTHON, 'the boto3 paginator with a delimiter does not see the same token twice', async () => {
    const file = join(tmp.dir, 'uploads.py')
    writeFileSync(file, `
import json, os, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["CS_ENDPOINT"], region_name="${REGION}", aws_access_key_id="${ROOT_ACCESS_KEY}", aws_secret_access_key="${ROOT_SECRET_KEY}")
seen = []
for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket="${B}", Delimiter="/", PaginationConfig={"PageSize": 2}):
    seen += ["P:" + p["Prefix"] for p in page.get("CommonPrefixes", [])] + ["U:" + u["Key"] for u in page.get("Uploads", [])]
print(json.dumps(seen))
`)
    const r = await runOk([PYTHON!.path, file], { env: { ...toolEnv(tmp.dir), CS_ENDPOINT: srv.s3Url } })
    const seen = JSON.parse(r.stdout.trim().split('\n').pop()!) as string[]
    expect([...seen].sort()).toEqual(['P:dir1/', 'P:dir2/', 'P:dir3/', 'U:k', 'U:k', 'U:k', 'U:k', 'U:k', 'U:k', 'U:l', 'U:l', 'U:top'])
  })

  test("a key's six uploads list in initiation order; key-marker alone resumes after all of them", async () => {
    const all = await s3.send(new ListMultipartUploadsCommand({ Bucket: B }))
    expect(all.Uploads!.filter((u) => u.Key === 'k').map((u) => u.UploadId)).toEqual(created.filter((c) => c.key === 'k').map((c) => c.id))
    const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: B, KeyMarker: 'k' }))
    expect(after.Uploads!.map((u) => u.Key)).toEqual(['l', 'l', 'top'])
  })

  test('an upload-id-marker naming an aborted upload resumes at its place', async () => {
    const ks = created.filter((c) => c.key === 'k')
    await s3.send(new AbortMultipartUploadCommand({ Bucket: B, Key: 'k', UploadId: ks[1].id }))
    const r = await s3.send(new ListMultipartUploadsCommand({ Bucket: B, KeyMarker: 'k', UploadIdMarker: ks[1].id, MaxUploads: 2 }))
    expect(r.Uploads!.map((u) => [u.Key, u.UploadId])).toEqual([['k', ks[2].id], ['k', ks[3].id]])
    // The last upload of a key as marker: the next key's uploads follow.
    const last = await s3.send(new ListMultipartUploadsCommand({ Bucket: B, KeyMarker: 'k', UploadIdMarker: ks[5].id, MaxUploads: 1 }))
    expect(last.Uploads!.map((u) => [u.Key, u.UploadId])).toEqual([['l', created.find((c) => c.key === 'l')!.id]])
    expect(r.IsTruncated).toBe(true)
  })
})

describe('max-keys=0 and an empty continuation-token', () => {
  const B = 'zero-keys'
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: B }))
    await putAll(B, ['a', 'b/c', 'd'])
    await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'u' }))
  })

  test('max-keys=0 answers an empty page that is not truncated, in all four listings', async () => {
    const v2 = await s3.send(new ListObjectsV2Command({ Bucket: B, MaxKeys: 0 }))
    expect([v2.KeyCount, v2.Contents, v2.IsTruncated, v2.NextContinuationToken]).toEqual([0, undefined, false, undefined])
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: B, MaxKeys: 0, Delimiter: '/' }))
    expect([v1.Contents, v1.CommonPrefixes, v1.IsTruncated, v1.NextMarker]).toEqual([undefined, undefined, false, undefined])
    const vs = await s3.send(new ListObjectVersionsCommand({ Bucket: B, MaxKeys: 0 }))
    expect([vs.Versions, vs.IsTruncated, vs.NextKeyMarker]).toEqual([undefined, false, undefined])
    const up = await s3.send(new ListMultipartUploadsCommand({ Bucket: B, MaxUploads: 0 }))
    expect([up.Uploads, up.IsTruncated, up.NextKeyMarker]).toEqual([undefined, false, undefined])
  })

  test('an empty continuation-token is treated as absent', async () => {
    const res = await s3Fetch(srv.s3Url, { bucket: B, query: [['list-type', '2'], ['continuation-token', '']] })
    const body = await res.text()
    expect(res.status).toBe(200)
    expect([...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1])).toEqual(['a', 'b/c', 'd'])
    expect(body).not.toContain('<ContinuationToken>')
    const sdk = await s3.send(new ListObjectsV2Command({ Bucket: B, ContinuationToken: '' }))
    expect(sdk.Contents!.map((c) => c.Key)).toEqual(['a', 'b/c', 'd'])
  })
})

describe('encoding-type=url: every key-bearing element round-trips', () => {
  const B = 'enc-listing'
  // A newline, '+', '%', a space, 2- and 4-byte UTF-8 and a control character.
  const KEYS = ['\n/a', '\n/b/c', '\n/d', 'x+y z%/1', 'x+y z%/2', 'é😀/3', 'plain', 'ctl\u0001/4', 'sp ace']
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: B }))
    await putAll(B, KEYS)
    for (const key of KEYS) await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: key }))
  })

  const dec = (s: string | undefined) => (s === undefined ? undefined : decodeURIComponent(s))

  test('@aws-sdk/client-s3 (no automatic decoding): decodeURIComponent of each field gives the original', async () => {
    const v2 = await s3.send(new ListObjectsV2Command({ Bucket: B, EncodingType: 'url', Prefix: '\n/', Delimiter: '/', StartAfter: '\n/a', MaxKeys: 1 }))
    expect([dec(v2.Prefix), dec(v2.Delimiter), dec(v2.StartAfter), v2.EncodingType, v2.Prefix]).toEqual(['\n/', '/', '\n/a', 'url', '%0A/'])
    expect(v2.CommonPrefixes!.map((c) => dec(c.Prefix))).toEqual(['\n/b/'])
    const v2b = await s3.send(new ListObjectsV2Command({ Bucket: B, EncodingType: 'url', Prefix: 'x+y z%/' }))
    expect([dec(v2b.Prefix), v2b.Contents!.map((c) => dec(c.Key))]).toEqual(['x+y z%/', ['x+y z%/1', 'x+y z%/2']])
    expect(v2b.Contents![0].Key).toBe('x%2By%20z%25/1')

    const v1 = await s3.send(new ListObjectsCommand({ Bucket: B, EncodingType: 'url', Delimiter: '/', Marker: 'ctl\u0001/4', MaxKeys: 2 }))
    expect([dec(v1.Marker), dec(v1.Delimiter), dec(v1.NextMarker)]).toEqual(['ctl\u0001/4', '/', 'sp ace'])
    expect(v1.Contents!.map((c) => dec(c.Key))).toEqual(['plain', 'sp ace'])
    const v1p = await s3.send(new ListObjectsCommand({ Bucket: B, EncodingType: 'url', Prefix: 'x+y z%/' }))
    expect(dec(v1p.Prefix)).toBe('x+y z%/')
    expect(v1p.Contents!.map((c) => dec(c.Key))).toEqual(['x+y z%/1', 'x+y z%/2'])
    // V1's <Prefix> "\n" is written literally (botocore does not decode V1's Prefix); this SDK's
    // XML parser reads any whitespace-only text holding a newline as "", encoded or not.
    const v1n = await s3.send(new ListObjectsCommand({ Bucket: B, EncodingType: 'url', Prefix: '\n', Delimiter: '/' }))
    expect(v1n.CommonPrefixes!.map((c) => dec(c.Prefix))).toEqual(['\n/'])
    const raw = await (await s3Fetch(srv.s3Url, { bucket: B, query: { 'encoding-type': 'url', prefix: '\n', delimiter: '/' } })).text()
    expect(raw).toContain('<Prefix>\n</Prefix>')
    expect(raw).toContain('<CommonPrefixes><Prefix>%0A/</Prefix></CommonPrefixes>')

    const vs = await s3.send(new ListObjectVersionsCommand({ Bucket: B, EncodingType: 'url', Prefix: 'x+y z%/', Delimiter: ' ', KeyMarker: 'x+y z%/1', MaxKeys: 1 }))
    expect([dec(vs.Prefix), dec(vs.Delimiter), dec(vs.KeyMarker), dec(vs.NextKeyMarker), vs.IsTruncated]).toEqual(['x+y z%/', ' ', 'x+y z%/1', undefined, false])
    expect(vs.Versions!.map((v) => dec(v.Key))).toEqual(['x+y z%/2'])
    const vs2 = await s3.send(new ListObjectVersionsCommand({ Bucket: B, EncodingType: 'url', Delimiter: '/', MaxKeys: 1 }))
    expect([vs2.CommonPrefixes!.map((c) => dec(c.Prefix)), dec(vs2.NextKeyMarker), vs2.NextVersionIdMarker]).toEqual([['\n/'], '\n/', undefined])

    const up = await s3.send(new ListMultipartUploadsCommand({ Bucket: B, EncodingType: 'url', Prefix: '\n/', Delimiter: '/', KeyMarker: '\n/a', MaxUploads: 1 }))
    expect([dec(up.Prefix), dec(up.Delimiter), dec(up.KeyMarker), dec(up.NextKeyMarker)]).toEqual(['\n/', '/', '\n/a', '\n/b/'])
    expect(up.CommonPrefixes!.map((c) => dec(c.Prefix))).toEqual(['\n/b/'])
    const up2 = await s3.send(new ListMultipartUploadsCommand({ Bucket: B, EncodingType: 'url', Prefix: 'é😀' }))
    expect(up2.Uploads!.map((u) => dec(u.Key))).toEqual(['é😀/3'])
  })

  testWithTool('boto3', !!PYTHON, 'boto3 (encoding-type=url sent and decoded by botocore): every field reads as the original', async () => {
    const file = join(tmp.dir, 'enc.py')
    writeFileSync(file, `
import json, os, boto3
from urllib.parse import unquote_plus
s3 = boto3.client("s3", endpoint_url=os.environ["CS_ENDPOINT"], region_name="${REGION}", aws_access_key_id="${ROOT_ACCESS_KEY}", aws_secret_access_key="${ROOT_SECRET_KEY}")
B = "${B}"
o = {}
r = s3.list_objects(Bucket=B, Prefix="\\n")
o["v1_prefix"] = [r["Prefix"], [c["Key"] for c in r["Contents"]]]
r = s3.list_objects(Bucket=B, Prefix="\\n/", Delimiter="/", Marker="\\n/a", MaxKeys=1)
o["v1"] = [r["Prefix"], r["Delimiter"], r["Marker"], r.get("NextMarker"), [c["Prefix"] for c in r.get("CommonPrefixes", [])]]
r = s3.list_objects(Bucket=B, Marker="ctl\\x01/4", MaxKeys=2)
o["v1_keys"] = [r["Marker"], [c["Key"] for c in r["Contents"]]]
r = s3.list_objects_v2(Bucket=B, Prefix="\\n/", Delimiter="/", StartAfter="\\n/a")
o["v2"] = [r["Prefix"], r["Delimiter"], r["StartAfter"], [c["Key"] for c in r.get("Contents", [])], [c["Prefix"] for c in r.get("CommonPrefixes", [])]]
r = s3.list_objects_v2(Bucket=B, Prefix="x+y z%/")
o["v2_plus"] = [r["Prefix"], [c["Key"] for c in r["Contents"]]]
r = s3.list_object_versions(Bucket=B, Prefix="\\n/", Delimiter="/", KeyMarker="\\n/a", MaxKeys=1)
o["versions"] = [r["Prefix"], r["Delimiter"], r["KeyMarker"], r.get("NextKeyMarker"), [c["Prefix"] for c in r.get("CommonPrefixes", [])]]
r = s3.list_object_versions(Bucket=B)
o["version_keys"] = [v["Key"] for v in r["Versions"]]
pages = s3.get_paginator("list_object_versions").paginate(Bucket=B, PaginationConfig={"PageSize": 1})
o["version_pages"] = [v["Key"] for p in pages for v in p.get("Versions", [])]
# ListMultipartUploads: botocore neither asks for nor decodes url encoding; asked for, every field comes encoded.
r = s3.list_multipart_uploads(Bucket=B, EncodingType="url", Prefix="\\n/", Delimiter="/", KeyMarker="\\n/a", MaxUploads=1)
o["uploads"] = [unquote_plus(r[f]) for f in ["Prefix", "Delimiter", "KeyMarker", "NextKeyMarker"]] + [[unquote_plus(c["Prefix"]) for c in r.get("CommonPrefixes", [])]]
r = s3.list_multipart_uploads(Bucket=B, EncodingType="url")
o["upload_keys"] = [unquote_plus(u["Key"]) for u in r["Uploads"]]
print(json.dumps(o))
`)
    const r = await runOk([PYTHON!.path, file], { env: { ...toolEnv(tmp.dir), CS_ENDPOINT: srv.s3Url } })
    const o = JSON.parse(r.stdout.trim().split('\n').pop()!)
    const sorted = [...KEYS].sort(utf8Order)
    expect(o.v1_prefix).toEqual(['\n', ['\n/a', '\n/b/c', '\n/d']])
    expect(o.v1).toEqual(['\n/', '/', '\n/a', '\n/b/', ['\n/b/']])
    expect(o.v1_keys).toEqual(['ctl\u0001/4', ['plain', 'sp ace']])
    expect(o.v2).toEqual(['\n/', '/', '\n/a', ['\n/d'], ['\n/b/']])
    expect(o.v2_plus).toEqual(['x+y z%/', ['x+y z%/1', 'x+y z%/2']])
    expect(o.versions).toEqual(['\n/', '/', '\n/a', '\n/b/', ['\n/b/']])
    expect(o.version_keys).toEqual(sorted)
    expect(o.version_pages).toEqual(sorted)
    expect(o.uploads).toEqual(['\n/', '/', '\n/a', '\n/b/', ['\n/b/']])
    expect(o.upload_keys).toEqual(sorted)
  })
})

/*
 * The page-size sweep over HTTP: ~1,100 keys (with '/', 2- and 4-byte UTF-8), > 1,000 versions,
 * > 1,000 uploads; every listing, with and without a delimiter, at page sizes 1, 2, 3, 7, 50, 999
 * and 1000, concatenates to the expected listing.
 */
describe('page-size sweep through @aws-sdk/client-s3', () => {
  const OBJ = 'sweep'
  const UPL = 'sweep-uploads'
  const KEYS = Array.from({ length: 1100 }, (_, i) => {
    const n = String(i).padStart(4, '0')
    if (i % 11 === 0) return `top-${n}${i % 3 ? 'é' : '😀'}`
    if (i % 13 === 0) return `d${i % 5}/sub${i % 3}/${n}`
    if (i % 17 === 0) return `d${i % 5}/😀${n}/`
    return `d${i % 5}/${n}`
  })
  const SIZES = [1, 2, 3, 7, 50, 999, 1000]
  /** Per key, its version ids oldest first. */
  const versionsOf = new Map<string, string[]>()
  const uploadsOf = new Map<string, string[]>()

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: OBJ }))
    await enable(OBJ)
    for (const [k, id] of await putAll(OBJ, KEYS)) versionsOf.set(k, [id])
    // A second version of every fourth key, then a delete marker on every twentieth: > 1,000
    // live keys, > 1,000 versions.
    for (const [k, id] of await putAll(OBJ, KEYS.filter((_, i) => i % 4 === 0))) versionsOf.get(k)!.push(id)
    for (const [k, id] of await deleteMarkers(OBJ, KEYS.filter((_, i) => i % 20 === 0))) versionsOf.get(k)!.push(id)
    await s3.send(new CreateBucketCommand({ Bucket: UPL }))
    // Uploads one after the other per key, so each key's list is in initiation order.
    for (const round of [KEYS, KEYS.filter((_, i) => i % 10 === 0)]) {
      await pool(round, 32, async (k) => {
        const r = await s3.send(new CreateMultipartUploadCommand({ Bucket: UPL, Key: k }))
        uploadsOf.set(k, [...(uploadsOf.get(k) ?? []), r.UploadId!])
      })
    }
  }, 600_000)

  const sortedKeys = () => [...KEYS].sort(utf8Order)
  function rollUp(items: Array<{ key: string; item: string }>, prefix: string, delimiter: string): string[] {
    const out: string[] = []
    for (const { key, item } of items) {
      if (!key.startsWith(prefix)) continue
      const i = delimiter ? key.indexOf(delimiter, prefix.length) : -1
      if (i < 0) out.push(item)
      else if (out[out.length - 1] !== 'P:' + key.slice(0, i + 1)) out.push('P:' + key.slice(0, i + 1))
    }
    return out
  }
  const liveKeys = () => sortedKeys().filter((_, i, a) => KEYS.indexOf(a[i]) % 20 !== 0)
  const expectedObjects = (prefix: string, delimiter: string) => rollUp(liveKeys().map((k) => ({ key: k, item: 'K:' + k })), prefix, delimiter)
  const expectedVersions = (prefix: string, delimiter: string) =>
    rollUp(sortedKeys().flatMap((k) => [...versionsOf.get(k)!].reverse().map((id) => ({ key: k, item: `V:${k}@${id}` }))), prefix, delimiter)
  const expectedUploads = (prefix: string, delimiter: string) =>
    rollUp(sortedKeys().flatMap((k) => (uploadsOf.get(k) ?? []).map((id) => ({ key: k, item: `U:${k}@${id}` }))), prefix, delimiter)

  /** Rows and CommonPrefixes of a page back in listing order (the SDK returns them apart). */
  const merge = (rows: Array<{ key: string; item: string }>, prefixes: string[]) =>
    [...rows, ...prefixes.map((p) => ({ key: p, item: 'P:' + p }))].map((x, n) => ({ ...x, n })).sort((a, b) => utf8Order(a.key, b.key) || a.n - b.n).map((x) => x.item)

  async function v1(prefix: string, delimiter: string, size: number) {
    const out: string[] = []
    let Marker: string | undefined
    for (let n = 0; ; n++) {
      if (n > 2000) throw new Error('V1 listing did not end')
      const p = await s3.send(new ListObjectsCommand({ Bucket: OBJ, Prefix: prefix, Delimiter: delimiter || undefined, MaxKeys: size, Marker }))
      out.push(...merge((p.Contents ?? []).map((c) => ({ key: c.Key!, item: 'K:' + c.Key })), (p.CommonPrefixes ?? []).map((c) => c.Prefix!)))
      if (!p.IsTruncated) return out
      // NextMarker comes with a delimiter only; otherwise the last Key, as AWS documents.
      expect(p.NextMarker === undefined).toBe(!delimiter)
      Marker = p.NextMarker ?? p.Contents![p.Contents!.length - 1].Key
    }
  }
  async function v2(prefix: string, delimiter: string, size: number) {
    const out: string[] = []
    let ContinuationToken: string | undefined
    for (let n = 0; ; n++) {
      if (n > 2000) throw new Error('V2 listing did not end')
      const p = await s3.send(new ListObjectsV2Command({ Bucket: OBJ, Prefix: prefix, Delimiter: delimiter || undefined, MaxKeys: size, ContinuationToken }))
      out.push(...merge((p.Contents ?? []).map((c) => ({ key: c.Key!, item: 'K:' + c.Key })), (p.CommonPrefixes ?? []).map((c) => c.Prefix!)))
      if (!p.IsTruncated) return out
      ContinuationToken = p.NextContinuationToken
    }
  }
  async function versions(prefix: string, delimiter: string, size: number) {
    const out: string[] = []
    let KeyMarker: string | undefined
    let VersionIdMarker: string | undefined
    for (let n = 0; ; n++) {
      if (n > 3000) throw new Error('version listing did not end')
      const p = await s3.send(new ListObjectVersionsCommand({ Bucket: OBJ, Prefix: prefix, Delimiter: delimiter || undefined, MaxKeys: size, KeyMarker, VersionIdMarker }))
      // Versions and delete markers come apart: a key's entries are newest first, and version
      // ids are time-ordered, so descending id restores their order.
      const rows = [...(p.Versions ?? []), ...(p.DeleteMarkers ?? [])].sort((a, b) => utf8Order(a.Key!, b.Key!) || (a.VersionId! < b.VersionId! ? 1 : -1))
      out.push(...merge(rows.map((v) => ({ key: v.Key!, item: `V:${v.Key}@${v.VersionId}` })), (p.CommonPrefixes ?? []).map((c) => c.Prefix!)))
      if (!p.IsTruncated) return out
      KeyMarker = p.NextKeyMarker
      VersionIdMarker = p.NextVersionIdMarker
    }
  }
  async function uploads(prefix: string, delimiter: string, size: number) {
    const out: string[] = []
    let KeyMarker: string | undefined
    let UploadIdMarker: string | undefined
    for (let n = 0; ; n++) {
      if (n > 2000) throw new Error('upload listing did not end')
      const p = await s3.send(new ListMultipartUploadsCommand({ Bucket: UPL, Prefix: prefix, Delimiter: delimiter || undefined, MaxUploads: size, KeyMarker, UploadIdMarker }))
      out.push(...merge((p.Uploads ?? []).map((u) => ({ key: u.Key!, item: `U:${u.Key}@${u.UploadId}` })), (p.CommonPrefixes ?? []).map((c) => c.Prefix!)))
      if (!p.IsTruncated) return out
      KeyMarker = p.NextKeyMarker
      UploadIdMarker = p.NextUploadIdMarker
    }
  }

  const LISTINGS: Array<[string, typeof v1, (prefix: string, delimiter: string) => string[]]> = [
    ['ListObjects V1', v1, expectedObjects],
    ['ListObjectsV2', v2, expectedObjects],
    ['ListObjectVersions', versions, expectedVersions],
    ['ListMultipartUploads', uploads, expectedUploads],
  ]
  for (const [name, list, expected] of LISTINGS) {
    test(`${name}: page sizes ${SIZES.join(', ')}, with and without a delimiter`, async () => {
      const queries = [{ prefix: '', delimiter: '' }, { prefix: '', delimiter: '/' }, { prefix: 'd1/', delimiter: '/' }]
      const all = expected('', '')
      expect(all.length).toBeGreaterThan(1000)
      for (const q of queries) {
        const want = expected(q.prefix, q.delimiter)
        for (const size of SIZES) {
          const got = await list(q.prefix, q.delimiter, size)
          if (got.length !== want.length || got.some((x, i) => x !== want[i])) expect({ ...q, size, got }).toEqual({ ...q, size, got: want })
        }
      }
    })
  }
})
