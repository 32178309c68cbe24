import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CompleteMultipartUploadCommand } from '@aws-sdk/client-s3'
import type { Server } from 'bun'
import { keepAliveXml } from '../../src/http/s3/keepalive'
import { xmlDoc, el } from '../../src/http/s3/xml'
import { AppError } from '../../src/errors/app-error'
import { s3Client } from '../helpers/s3-client'
import { installationsOf, runOk, scratchDir, toolEnv } from '../helpers/cli'
import { testWithTool } from '../helpers/tools'
import { REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY } from '../helpers/server'

setDefaultTimeout(60_000)

/*
 * A slow CompleteMultipartUpload (the parts are copied into one blob) answers like S3: 200 at
 * once, whitespace while it works, then the result or an <Error> document. These tests check that
 * real clients read that wire format, using the appliance's keepAliveXml behind a stand-in
 * endpoint whose completion takes 400 ms and whose keep-alive starts after 20 ms.
 */
let server: Server<unknown>
let base = ''
const seen: string[] = []

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const url = new URL(req.url)
      await req.arrayBuffer()
      const key = decodeURIComponent(url.pathname.split('/').slice(2).join('/'))
      const outcome = key.includes('fail') ? 'fail' : 'ok'
      seen.push(`${req.method} ${key} ${outcome}`)
      const work = Bun.sleep(400).then(() => {
        if (outcome === 'fail') throw new AppError('InvalidPart', { message: 'Part 2 was replaced while the upload was being completed.' })
        return { body: xmlDoc('CompleteMultipartUploadResult', el('Location', `${base}/kb/${key}`) + el('Bucket', 'kb') + el('Key', key) + el('ETag', '"0123456789abcdef0123456789abcdef-2"')), headers: { 'x-amz-version-id': 'lost' } }
      })
      return keepAliveXml(work, { after: 20, interval: 30, resource: url.pathname, requestId: '0000000000000001' })
    },
  })
  base = `http://127.0.0.1:${server.port}`
})
afterAll(() => {
  server.stop(true)
})

describe('slow CompleteMultipartUpload: 200, whitespace, then the document', () => {
  test('the bytes on the wire', async () => {
    const res = await fetch(`${base}/kb/wire?uploadId=u`, { method: 'POST', body: '<CompleteMultipartUpload/>' })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-amz-version-id')).toBeNull()
    const text = await res.text()
    expect(text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n {3,}<CompleteMultipartUploadResult xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"><Location>/)
    const failed = await (await fetch(`${base}/kb/fail?uploadId=u`, { method: 'POST', body: '' })).text()
    expect(failed).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n +<Error><Code>InvalidPart<\/Code>/)
  })

  test('@aws-sdk/client-s3 reads the late result, and the late error as an exception', async () => {
    const s3 = s3Client(base, undefined, { maxAttempts: 1 })
    const ok = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'kb', Key: 'sdk-ok', UploadId: 'u', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"a"' }] } }))
    expect(ok.ETag).toBe('"0123456789abcdef0123456789abcdef-2"')
    expect(ok.Key).toBe('sdk-ok')
    try {
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'kb', Key: 'sdk-fail', UploadId: 'u', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"a"' }] } }))
      throw new Error('expected a failure')
    } catch (e) {
      expect((e as { name: string }).name).toBe('InvalidPart')
    }
  })

  const probe = scratchDir()
  const PYTHONS = installationsOf('python3', ['-c', 'import boto3, botocore; print("boto3", boto3.__version__, "botocore", botocore.__version__)'], toolEnv(probe.dir))
  probe.cleanup()
  if (PYTHONS.length === 0) testWithTool('boto3', false, 'boto3 reads a late CompleteMultipartUpload', () => {})
  for (const py of PYTHONS) {
    test(`${py.version} reads the late result, and the late error as a ClientError`, async () => {
      const tmp = scratchDir()
      try {
        const script = join(tmp.dir, 'complete.py')
        writeFileSync(script, `
import json, boto3, botocore.exceptions
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url="${base}", region_name="${REGION}", aws_access_key_id="${ROOT_ACCESS_KEY}", aws_secret_access_key="${ROOT_SECRET_KEY}",
                  config=Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=5))
ok = s3.complete_multipart_upload(Bucket="kb", Key="boto-ok", UploadId="u", MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"a"'}]})
try:
    s3.complete_multipart_upload(Bucket="kb", Key="boto-fail", UploadId="u", MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"a"'}]})
    err = None
except botocore.exceptions.ClientError as e:
    err = e.response.get("Error", {}).get("Code", "Unknown")
print(json.dumps({"etag": ok["ETag"], "key": ok["Key"], "err": err}))
`)
        const r = await runOk([py.path, script], { env: toolEnv(tmp.dir) })
        const doc = JSON.parse(r.stdout.trim().split('\n').pop()!)
        expect({ etag: doc.etag, key: doc.key }).toEqual({ etag: '"0123456789abcdef0123456789abcdef-2"', key: 'boto-ok' })
        // Older botocore raises for the late error too, but loses its code (as it does with S3).
        const minor = Number(/botocore 1\.(\d+)/.exec(py.version)?.[1] ?? 0)
        expect(doc.err).toBe(minor >= 36 ? 'InvalidPart' : 'Unknown')
      } finally {
        tmp.cleanup()
      }
    })
  }
})
