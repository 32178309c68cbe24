import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectAttributesCommand, HeadObjectCommand,
  PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand, type ChecksumAlgorithm, type ChecksumType, type S3Client,
} from '@aws-sdk/client-s3'
import { REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { s3Client, s3Error } from '../helpers/s3-client'
import { errorOf, s3Fetch, xmlTag } from '../helpers/raw-s3'
import { installationsOf, randomData, runOk, scratchDir, toolEnv } from '../helpers/cli'
import { hasTool, testWithTool } from '../helpers/tools'

/**
 * GetObjectAttributes (GET ?attributes) through the clients that call it: @aws-sdk/client-s3,
 * boto3 and the AWS CLI. Single-PUT objects and multipart objects with CRC32 and SHA256
 * checksums, composite (per-part checksums listed and paged) and full-object.
 */

setDefaultTimeout(180_000)

const MiB = 1024 * 1024
const B = 'attrs'
const V = 'attrs-versioned'
const ALL = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const

let srv: TestServer
let s3: S3Client

const md5 = (d: Uint8Array | string) => createHash('md5').update(d).digest('hex')
const crc32 = (d: Uint8Array) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(Bun.hash.crc32(d) >>> 0)
  return b
}
const sha256 = (d: Uint8Array) => createHash('sha256').update(d).digest()
const digest = (alg: 'CRC32' | 'SHA256', d: Uint8Array) => (alg === 'CRC32' ? crc32(d) : sha256(d))
/** S3's composite checksum: the checksum of the concatenated part checksums (no "-N" here). */
const composite = (alg: 'CRC32' | 'SHA256', parts: Uint8Array[]) => digest(alg, Buffer.concat(parts.map((p) => digest(alg, p)))).toString('base64')
const multipartEtag = (parts: Uint8Array[]) => `${md5(Buffer.concat(parts.map((p) => Buffer.from(md5(p), 'hex'))))}-${parts.length}`

/** Uploads `parts` through the SDK with the given checksum algorithm and type. */
async function multipart(key: string, parts: Uint8Array[], alg: ChecksumAlgorithm, type: ChecksumType) {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: key, ChecksumAlgorithm: alg, ChecksumType: type }))
  const done = []
  for (const [i, body] of parts.entries()) {
    const r = await s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: alg }))
    done.push({ PartNumber: i + 1, ETag: r.ETag, ChecksumCRC32: r.ChecksumCRC32, ChecksumSHA256: r.ChecksumSHA256 })
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId, ChecksumType: type, MultipartUpload: { Parts: done } }))
}

const PARTS = [randomData(5 * MiB, 11), randomData(5 * MiB, 12), randomData(1234, 13)]

beforeAll(async () => {
  srv = await startInProcess()
  s3 = s3Client(srv.s3Url)
  await s3.send(new CreateBucketCommand({ Bucket: B }))
  await s3.send(new CreateBucketCommand({ Bucket: V }))
  await s3.send(new PutBucketVersioningCommand({ Bucket: V, VersioningConfiguration: { Status: 'Enabled' } }))
}, 60_000)
afterAll(async () => {
  await srv?.stop()
}, 30_000)

describe('@aws-sdk/client-s3 GetObjectAttributesCommand', () => {
  test('a single PUT: unquoted ETag, its CRC32 (FULL_OBJECT), size, storage class, Last-Modified; no ObjectParts', async () => {
    const body = 'attributes of a small object'
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'single.txt', Body: body, ChecksumAlgorithm: 'CRC32' }))
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'single.txt' }))
    const r = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'single.txt', ObjectAttributes: [...ALL] }))
    expect({ ETag: r.ETag, Checksum: r.Checksum, ObjectParts: r.ObjectParts, StorageClass: r.StorageClass, ObjectSize: r.ObjectSize, VersionId: r.VersionId, DeleteMarker: r.DeleteMarker }).toEqual({
      ETag: md5(body), Checksum: { ChecksumCRC32: crc32(Buffer.from(body)).toString('base64'), ChecksumType: 'FULL_OBJECT' },
      ObjectParts: undefined, StorageClass: 'STANDARD', ObjectSize: Buffer.byteLength(body), VersionId: undefined, DeleteMarker: undefined,
    })
    expect(r.LastModified!.getTime()).toBe(head.LastModified!.getTime())
  })

  test('only the requested attributes are returned', async () => {
    const r = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'single.txt', ObjectAttributes: ['ObjectSize'] }))
    expect([r.ObjectSize, r.ETag, r.Checksum, r.StorageClass]).toEqual([28, undefined, undefined, undefined])
  })

  for (const alg of ['CRC32', 'SHA256'] as const) {
    test(`multipart, ${alg} COMPOSITE: the composite checksum without "-N" and every part's checksum, paged`, async () => {
      const key = `mp-${alg}`
      await multipart(key, PARTS, alg, 'COMPOSITE')
      const r = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: key, ObjectAttributes: [...ALL] }))
      const field = `Checksum${alg}` as const
      expect(r.ETag).toBe(multipartEtag(PARTS))
      expect(r.Checksum).toEqual({ [field]: composite(alg, PARTS), ChecksumType: 'COMPOSITE' })
      expect(r.ObjectSize).toBe(PARTS.reduce((n, p) => n + p.length, 0))
      const partsOut = PARTS.map((p, i) => ({ PartNumber: i + 1, Size: p.length, [field]: digest(alg, p).toString('base64') }))
      expect(r.ObjectParts).toEqual({ TotalPartsCount: 3, PartNumberMarker: '0', NextPartNumberMarker: '3', MaxParts: 1000, IsTruncated: false, Parts: partsOut })
      // HeadObject shows the same value with its part count.
      const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED' }))
      expect(head[field]).toBe(`${composite(alg, PARTS)}-3`)

      const page1 = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: key, ObjectAttributes: ['ObjectParts'], MaxParts: 2 }))
      expect(page1.ObjectParts).toEqual({ TotalPartsCount: 3, PartNumberMarker: '0', NextPartNumberMarker: '2', MaxParts: 2, IsTruncated: true, Parts: partsOut.slice(0, 2) })
      const page2 = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: key, ObjectAttributes: ['ObjectParts'], MaxParts: 2, PartNumberMarker: page1.ObjectParts!.NextPartNumberMarker }))
      expect(page2.ObjectParts).toEqual({ TotalPartsCount: 3, PartNumberMarker: '2', NextPartNumberMarker: '3', MaxParts: 2, IsTruncated: false, Parts: partsOut.slice(2) })
    })
  }

  test('multipart, CRC32 FULL_OBJECT: the whole-object CRC32 and only the parts count', async () => {
    await multipart('mp-full', PARTS, 'CRC32', 'FULL_OBJECT')
    const r = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'mp-full', ObjectAttributes: [...ALL] }))
    expect(r.Checksum).toEqual({ ChecksumCRC32: crc32(Buffer.concat(PARTS)).toString('base64'), ChecksumType: 'FULL_OBJECT' })
    expect(r.ObjectParts).toEqual({ TotalPartsCount: 3 })
  })

  test('versioned bucket: VersionId of the current version, an older one by id, a delete marker', async () => {
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: V, Key: 'doc', Body: 'one' }))).VersionId!
    const v2 = (await s3.send(new PutObjectCommand({ Bucket: V, Key: 'doc', Body: 'two two' }))).VersionId!
    const cur = await s3.send(new GetObjectAttributesCommand({ Bucket: V, Key: 'doc', ObjectAttributes: ['ETag', 'ObjectSize'] }))
    expect([cur.VersionId, cur.ETag, cur.ObjectSize]).toEqual([v2, md5('two two'), 7])
    const old = await s3.send(new GetObjectAttributesCommand({ Bucket: V, Key: 'doc', VersionId: v1, ObjectAttributes: ['ETag', 'ObjectSize'] }))
    expect([old.VersionId, old.ETag, old.ObjectSize]).toEqual([v1, md5('one'), 3])
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket: V, Key: 'doc' }))).VersionId!
    expect(await s3Error(s3.send(new GetObjectAttributesCommand({ Bucket: V, Key: 'doc', ObjectAttributes: ['ETag'] })))).toEqual({ code: 'NoSuchKey', status: 404 })
    const raw = await s3Fetch(srv.s3Url, { bucket: V, key: 'doc', query: { attributes: '' }, headers: { 'x-amz-object-attributes': 'ETag' } })
    expect([raw.status, raw.headers.get('x-amz-delete-marker'), raw.headers.get('x-amz-version-id')]).toEqual([404, 'true', marker])
    expect(await s3Error(s3.send(new GetObjectAttributesCommand({ Bucket: V, Key: 'doc', VersionId: marker, ObjectAttributes: ['ETag'] })))).toEqual({ code: 'MethodNotAllowed', status: 405 })
  })

  test('the raw answer: S3\'s XML element names and headers', async () => {
    const r = await s3Fetch(srv.s3Url, { bucket: B, key: 'mp-SHA256', query: { attributes: '' }, headers: { 'x-amz-object-attributes': 'ETag,Checksum,ObjectParts,StorageClass,ObjectSize', 'x-amz-max-parts': '1' } })
    const xml = await r.text()
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/xml')
    expect(r.headers.get('last-modified')).toMatch(/GMT$/)
    expect(r.headers.get('x-amz-version-id')).toBeNull()
    expect(xml).toStartWith('<?xml version="1.0" encoding="UTF-8"?>\n<GetObjectAttributesResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ETag>')
    expect(xml).toContain(`<ObjectParts><PartsCount>3</PartsCount><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>1</NextPartNumberMarker><MaxParts>1</MaxParts><IsTruncated>true</IsTruncated><Part><PartNumber>1</PartNumber><Size>${5 * MiB}</Size><ChecksumSHA256>`)
    expect(xml).toEndWith(`<StorageClass>STANDARD</StorageClass><ObjectSize>${10 * MiB + 1234}</ObjectSize></GetObjectAttributesResponse>`)
    expect(xmlTag(xml, 'ETag')).toBe(multipartEtag(PARTS))
  })

  test('argument errors: missing or unknown attribute, bad x-amz-max-parts / x-amz-part-number-marker', async () => {
    const ask = async (headers: Record<string, string>) => {
      const e = await errorOf(await s3Fetch(srv.s3Url, { bucket: B, key: 'single.txt', query: { attributes: '' }, headers }))
      return [e.status, e.code, e.message]
    }
    expect(await ask({})).toEqual([400, 'InvalidRequest', 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty'])
    expect(await ask({ 'x-amz-object-attributes': ' , ' })).toEqual([400, 'InvalidRequest', 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty'])
    expect(await ask({ 'x-amz-object-attributes': 'ETag,Owner' })).toEqual([400, 'InvalidArgument', 'Invalid attribute name specified.'])
    expect((await ask({ 'x-amz-object-attributes': 'ObjectParts', 'x-amz-max-parts': 'many' }))[1]).toBe('InvalidArgument')
    expect((await ask({ 'x-amz-object-attributes': 'ObjectParts', 'x-amz-part-number-marker': '-1' }))[1]).toBe('InvalidArgument')
    expect(await s3Error(s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'nope', ObjectAttributes: ['ETag'] })))).toEqual({ code: 'NoSuchKey', status: 404 })
  })
})

const probe = scratchDir()
const PYTHONS = installationsOf('python3', ['-c', 'import boto3, botocore, sys; print("boto3", boto3.__version__, "botocore", botocore.__version__)'], toolEnv(probe.dir))
probe.cleanup()
if (PYTHONS.length === 0) testWithTool('boto3', false, 'boto3 get_object_attributes', () => {})

PYTHONS.forEach((py) => {
  describe(`boto3 get_object_attributes (${py.version})`, () => {
    const run = async (script: string) => {
      const tmp = scratchDir('cs-attrs-py-')
      try {
        writeFileSync(join(tmp.dir, 'attrs.py'), `
import json, os, base64, hashlib, zlib
import boto3
s3 = boto3.client("s3", endpoint_url=os.environ["CS_ENDPOINT"], region_name="${REGION}",
                  aws_access_key_id=os.environ["CS_AK"], aws_secret_access_key=os.environ["CS_SK"])
${script}`)
        const r = await runOk([py.path, join(tmp.dir, 'attrs.py')], { env: { ...toolEnv(tmp.dir), CS_ENDPOINT: srv.s3Url, CS_AK: ROOT_ACCESS_KEY, CS_SK: ROOT_SECRET_KEY } })
        return JSON.parse(r.stdout.trim().split('\n').pop()!)
      } finally {
        tmp.cleanup()
      }
    }
    const tag = py.version.replace(/[^0-9]/g, '').slice(0, 12)
    // botocore models ChecksumType from 1.36 (the 2025 checksum release); older ones drop it.
    const [major, minor] = (/botocore (\d+)\.(\d+)/.exec(py.version) ?? ['', '0', '0']).slice(1).map(Number)
    const withType = (type: string) => (major > 1 || minor >= 36 ? { ChecksumType: type } : {})

    test('a single put_object', async () => {
      const doc = await run(`
s3.put_object(Bucket="${B}", Key="boto-single-${tag}", Body=b"from boto3", ChecksumAlgorithm="CRC32")
r = s3.get_object_attributes(Bucket="${B}", Key="boto-single-${tag}", ObjectAttributes=["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"])
print(json.dumps({k: r.get(k) for k in ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]}))`)
      expect(doc).toEqual({
        ETag: md5('from boto3'), Checksum: { ChecksumCRC32: crc32(Buffer.from('from boto3')).toString('base64'), ...withType('FULL_OBJECT') },
        ObjectParts: null, StorageClass: 'STANDARD', ObjectSize: 10,
      })
    })

    for (const alg of ['CRC32', 'SHA256'] as const) {
      test(`a multipart upload with ${alg} part checksums, verified part by part as a downloader would`, async () => {
        const field = `Checksum${alg}`
        const doc = await run(`
key = "boto-mp-${alg}-${tag}"
parts = [bytes([i % 251 for i in range(5 * 1024 * 1024)]), bytes([i % 241 for i in range(5 * 1024 * 1024)]), b"tail" * 100]
up = s3.create_multipart_upload(Bucket="${B}", Key=key, ChecksumAlgorithm="${alg}")
done = []
for n, body in enumerate(parts, 1):
    r = s3.upload_part(Bucket="${B}", Key=key, UploadId=up["UploadId"], PartNumber=n, Body=body, ChecksumAlgorithm="${alg}")
    done.append({"PartNumber": n, "ETag": r["ETag"], "${field}": r["${field}"]})
s3.complete_multipart_upload(Bucket="${B}", Key=key, UploadId=up["UploadId"], MultipartUpload={"Parts": done})
r = s3.get_object_attributes(Bucket="${B}", Key=key, ObjectAttributes=["Checksum", "ObjectParts", "ObjectSize"], MaxParts=2)
r2 = s3.get_object_attributes(Bucket="${B}", Key=key, ObjectAttributes=["ObjectParts"], MaxParts=2, PartNumberMarker=int(r["ObjectParts"]["NextPartNumberMarker"]))
def digest(b):
    return zlib.crc32(b).to_bytes(4, "big") if "${alg}" == "CRC32" else hashlib.sha256(b).digest()
listed = r["ObjectParts"]["Parts"] + r2["ObjectParts"]["Parts"]
print(json.dumps({
    "checksum": r["Checksum"], "size": r["ObjectSize"], "count": r["ObjectParts"]["TotalPartsCount"],
    "truncated": [r["ObjectParts"]["IsTruncated"], r2["ObjectParts"]["IsTruncated"]],
    "sizes": [p["Size"] for p in listed],
    "parts_match": [p["${field}"] == base64.b64encode(digest(parts[p["PartNumber"] - 1])).decode() for p in listed],
    "composite_match": r["Checksum"]["${field}"] == base64.b64encode(digest(b"".join(digest(p) for p in parts))).decode(),
}))`)
        expect(doc).toEqual({
          checksum: { [field]: expect.any(String), ...withType('COMPOSITE') }, size: 10 * MiB + 400, count: 3,
          truncated: [true, false], sizes: [5 * MiB, 5 * MiB, 400], parts_match: [true, true, true], composite_match: true,
        })
      })
    }
  })
})

testWithTool('aws', hasTool('aws'), 'AWS CLI: aws s3api get-object-attributes', async () => {
  const tmp = scratchDir('cs-attrs-cli-')
  try {
    const r = await runOk(['aws', '--endpoint-url', srv.s3Url, 's3api', 'get-object-attributes', '--bucket', B, '--key', 'mp-CRC32', '--object-attributes', 'ETag', 'Checksum', 'ObjectParts', 'ObjectSize', '--max-parts', '1', '--output', 'json'], { env: toolEnv(tmp.dir) })
    const doc = JSON.parse(r.stdout)
    expect(doc.ETag).toBe(multipartEtag(PARTS))
    expect(doc.Checksum).toEqual({ ChecksumCRC32: composite('CRC32', PARTS), ChecksumType: 'COMPOSITE' })
    expect(doc.ObjectParts).toMatchObject({ TotalPartsCount: 3, MaxParts: 1, IsTruncated: true, Parts: [{ PartNumber: 1, Size: 5 * MiB, ChecksumCRC32: crc32(PARTS[0]).toString('base64') }] })
    expect(doc.ObjectSize).toBe(10 * MiB + 1234)
  } finally {
    tmp.cleanup()
  }
})
