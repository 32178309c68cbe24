/**
 * Issue 9: one key rule on every surface (src/domain/object-key.ts). Keys real clients use
 * round-trip exactly through S3 and the REST API (`//`, trailing `/`, `%`, `+`, spaces, emoji,
 * newlines and other control characters, `..` segments, 1024 bytes); NUL and keys over 1024 bytes are
 * refused everywhere before a byte is stored: S3 answers KeyTooLongError / InvalidArgument in
 * parseable XML, the JSON surfaces (REST files, /api/versions, image URLs) 400 ValidationError.
 * Before, a NUL key was stored through S3 and then listed as `&#x0;`, which no XML parser accepts.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { encodeKey, errorOf, md5Base64, s3Fetch, xmlTags } from '../helpers/raw-s3'
import { api, createAccount, type Account } from '../rest/rest-helpers'

setDefaultTimeout(120_000)

let srv: TestServer
let user: Account
beforeAll(async () => {
  srv = await startInProcess()
  user = await createAccount(srv, { email: 'keys@object.test' })
})
afterAll(async () => { await srv?.stop() })

const creds = () => ({ accessKeyId: user.accessKey, secretAccessKey: user.secretKey })
const H = () => ({ 'x-api-key': user.apiKey })

/** Keys that real clients send and that must keep working exactly (after a 3-byte prefix: the longest are 1024 bytes). */
const GOOD_KEYS = [
  'a//b', 'dir/', '/leading', '100% done.txt', 'a+b=c&d', 'emoji 😀/ü.txt', 'with space ', 'line\nbreak', 'tab\there',
  'ctl\u0001\u001f', '?#[]', 'CON', 'é'.repeat(510) + 'k', 'k'.repeat(1021),
]
/** Dot segments are literal key text too; only the REST query carries them (fetch's URL parser would resolve them in an S3 path). */
const DOT_KEYS = ['..', '../up', './x', 'a/../b']

describe('S3', () => {
  test('keys real clients use round-trip through PUT, GET and a listing an XML parser accepts', async () => {
    for (const [i, key] of GOOD_KEYS.entries()) {
      const put = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: user.bucket, key: `s3/${key}`, body: `body ${i}`, creds: creds() })
      expect({ key, status: put.status }).toEqual({ key, status: 200 })
      const get = await s3Fetch(srv.s3Url, { bucket: user.bucket, key: `s3/${key}`, creds: creds() })
      expect({ key, status: get.status, body: await get.text() }).toEqual({ key, status: 200, body: `body ${i}` })
    }
    const list = await s3Fetch(srv.s3Url, { bucket: user.bucket, query: { 'list-type': '2', prefix: 's3/', 'encoding-type': 'url' }, creds: creds() })
    const xml = await list.text()
    expect(XMLValidator.validate(xml)).toBe(true)
    const keys = xmlTags(xml, 'Key').map((k) => decodeURIComponent(k.replace(/\+/g, ' ')))
    expect(keys.sort()).toEqual(GOOD_KEYS.map((k) => `s3/${k}`).sort())
    // The SDK lists them too (it parses the XML).
    const sdk = await s3Client(srv.s3Url, creds()).send(new ListObjectsV2Command({ Bucket: user.bucket, Prefix: 's3/', EncodingType: 'url' }))
    expect(sdk.KeyCount).toBe(GOOD_KEYS.length)
  })

  test('NUL is refused on every key-addressed operation with 400 InvalidArgument, in XML a parser accepts; nothing is stored', async () => {
    const key = 'nul\0key'
    const ops: Array<[string, Parameters<typeof s3Fetch>[1]]> = [
      ['PutObject', { method: 'PUT', bucket: user.bucket, key, body: 'x' }],
      ['GetObject', { bucket: user.bucket, key }],
      ['DeleteObject', { method: 'DELETE', bucket: user.bucket, key }],
      ['CreateMultipartUpload', { method: 'POST', bucket: user.bucket, key, query: { uploads: '' } }],
      ['CopyObject (destination)', { method: 'PUT', bucket: user.bucket, key, headers: { 'x-amz-copy-source': `${user.bucket}/s3/a//b` } }],
      ['CopyObject (source)', { method: 'PUT', bucket: user.bucket, key: 'copy-dest', headers: { 'x-amz-copy-source': `${user.bucket}/nul%00key` } }],
    ]
    for (const [name, r] of ops) {
      const err = await errorOf(await s3Fetch(srv.s3Url, { ...r, creds: creds() }))
      expect({ name, status: err.status, code: err.code }).toEqual({ name, status: 400, code: 'InvalidArgument' })
      expect(XMLValidator.validate(err.body)).toBe(true)
    }
    const head = await s3Fetch(srv.s3Url, { method: 'HEAD', bucket: user.bucket, key, creds: creds() })
    expect({ status: head.status, code: head.headers.get('x-amz-error-code') }).toEqual({ status: 400, code: 'InvalidArgument' })
    // DeleteObjects: the bad key gets its own error entry, the document stays parseable.
    const doc = `<Delete><Object><Key>ok-to-delete</Key></Object><Object><Key>${'z'.repeat(1025)}</Key></Object></Delete>`
    const multi = await s3Fetch(srv.s3Url, { method: 'POST', bucket: user.bucket, query: { delete: '' }, body: doc, headers: { 'content-md5': md5Base64(doc) }, creds: creds() })
    const out = await multi.text()
    expect(multi.status).toBe(200)
    expect(XMLValidator.validate(out)).toBe(true)
    expect(xmlTags(out, 'Code')).toEqual(['KeyTooLongError'])
    const listing = await (await s3Fetch(srv.s3Url, { bucket: user.bucket, query: { 'list-type': '2', prefix: 'nul' }, creds: creds() })).text()
    expect(xmlTags(listing, 'Key')).toEqual([])
  })

  test('over 1024 bytes of UTF-8: KeyTooLongError for the path and for the copy source', async () => {
    const long = 'é'.repeat(513)
    const put = await errorOf(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: user.bucket, key: long, body: 'x', creds: creds() }))
    expect({ status: put.status, code: put.code }).toEqual({ status: 400, code: 'KeyTooLongError' })
    const copy = await errorOf(await s3Fetch(srv.s3Url, { method: 'PUT', bucket: user.bucket, key: 'dest', headers: { 'x-amz-copy-source': `${user.bucket}/${encodeKey(long)}` }, creds: creds() }))
    expect({ status: copy.status, code: copy.code }).toEqual({ status: 400, code: 'KeyTooLongError' })
  })
})

describe('the JSON surfaces', () => {
  test('REST uploads: the same keys round-trip (query, form field, X-File-Name)', async () => {
    for (const key of [...GOOD_KEYS, ...DOT_KEYS]) {
      const r = await api(srv, 'POST', `/api/v1/files?key=${encodeURIComponent(`rs/${key}`)}`, { headers: { ...H(), 'content-type': 'text/plain' }, body: 'x' })
      expect({ key, status: r.status, stored: r.body?.key }).toEqual({ key, status: 201, stored: `rs/${key}` })
    }
    const f = new FormData()
    f.append('key', 'form/100% + 😀//')
    f.append('file', new Blob(['y']), 'ignored.txt')
    const r = await api(srv, 'POST', '/api/v1/files', { headers: H(), body: f })
    expect({ status: r.status, key: r.body.key }).toEqual({ status: 201, key: 'form/100% + 😀//' })
    const named = await api(srv, 'POST', '/api/v1/files', { headers: { ...H(), 'x-file-name': 'xf/with space+plus%.txt', 'content-type': 'text/plain' }, body: 'w' })
    expect({ status: named.status, key: named.body.key }).toEqual({ status: 201, key: 'xf/with space+plus%.txt' })
    // A '+' in a query string is a space, as in any form-encoded query.
    const plus = await api(srv, 'POST', '/api/v1/files?key=a+b', { headers: H(), body: 'z' })
    expect(plus.body.key).toBe('a b')
  })

  test('REST, /api/versions and image URLs refuse NUL, over-long and non-Unicode keys with 400 ValidationError', async () => {
    const refused: Array<[string, string, string, unknown?]> = [
      ['POST', '/api/v1/files?key=a%00b', 'raw upload'],
      ['POST', `/api/v1/files?key=${'k'.repeat(1025)}`, 'raw upload, 1025 bytes'],
      ['POST', '/api/versions?key=a%00b', 'version upload'],
      ['GET', `/api/versions?bucket=${user.bucket}&key=a%00b`, 'history'],
      ['GET', `/api/versions?bucket=${user.bucket}&key=%FF`, 'history, not UTF-8'],
      ['DELETE', `/api/versions?bucket=${user.bucket}&key=a%00b`, 'purge'],
      ['POST', '/api/versions/undelete', 'undelete, NUL', { bucket: user.bucket, key: 'a\u0000b' }],
      ['POST', '/api/versions/undelete', 'undelete, lone surrogate', { bucket: user.bucket, key: 'a\ud800b' }],
      ['GET', `/api/img/${user.bucket}/a%00b.png`, 'image'],
    ]
    for (const [method, path, what, json] of refused) {
      const r = await api(srv, method, path, json !== undefined ? { headers: H(), json } : { headers: { ...H(), 'content-type': 'text/plain' }, body: method === 'POST' ? 'data' : undefined })
      expect({ what, status: r.status, code: r.body?.error?.code }).toEqual({ what, status: 400, code: 'ValidationError' })
    }
  })
})
