import { afterAll, beforeAll, expect, test } from 'bun:test'
import { AwsV4Signer } from 'aws4fetch'
import { REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'

/**
 * Virtual-hosted-style addressing (`bucket.DOMAIN`) when --domain is set. Requests are signed for
 * the virtual host and sent to 127.0.0.1 with that Host header, as a resolver pointing
 * *.DOMAIN at the appliance would do.
 */
const DOMAIN = 's3.nas.test'
let server: TestServer
let port: string

beforeAll(async () => {
  server = await startInProcess({ args: ['--domain', DOMAIN] })
  port = new URL(server.s3Url).port
}, 120_000)
afterAll(() => server.stop())

async function vhost(method: string, bucket: string | null, path: string, body?: string) {
  const host = `${bucket ? `${bucket}.` : ''}${DOMAIN}:${port}`
  const signer = new AwsV4Signer({
    url: `http://${host}${path}`, method, body, service: 's3', region: REGION,
    accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY,
    headers: { 'x-amz-content-sha256': body === undefined ? 'UNSIGNED-PAYLOAD' : new Bun.CryptoHasher('sha256').update(body).digest('hex') },
  })
  const signed = await signer.sign()
  const headers = new Headers(signed.headers)
  headers.set('host', host)
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body })
  return { status: r.status, text: await r.text(), headers: r.headers }
}

test('a bucket addressed by host name: create, put, get, list, delete', async () => {
  expect((await vhost('PUT', 'vhosted', '/')).status).toBe(200)
  const put = await vhost('PUT', 'vhosted', '/dir/hello.txt', 'hello via vhost')
  expect(put.status).toBe(200)
  expect(put.headers.get('etag')).toBe(`"${new Bun.CryptoHasher('md5').update('hello via vhost').digest('hex')}"`)
  const got = await vhost('GET', 'vhosted', '/dir/hello.txt')
  expect(got).toMatchObject({ status: 200, text: 'hello via vhost' })
  const list = await vhost('GET', 'vhosted', '/?list-type=2&prefix=dir%2F')
  expect(list.status).toBe(200)
  expect(list.text).toContain('<Name>vhosted</Name>')
  expect(list.text).toContain('<Key>dir/hello.txt</Key>')
  // The same object through path-style on the same port.
  const path = await vhost('GET', null, '/vhosted/dir/hello.txt')
  expect(path).toMatchObject({ status: 200, text: 'hello via vhost' })
  expect((await vhost('DELETE', 'vhosted', '/dir/hello.txt')).status).toBe(204)
  expect((await vhost('DELETE', 'vhosted', '/')).status).toBe(204)
})

test('the bare domain is the service endpoint (ListBuckets); an unknown virtual bucket is NoSuchBucket', async () => {
  const list = await vhost('GET', null, '/')
  expect(list.status).toBe(200)
  expect(list.text).toContain('<ListAllMyBucketsResult')
  const missing = await vhost('GET', 'nope-bucket', '/key')
  expect(missing.status).toBe(404)
  expect(missing.text).toContain('<Code>NoSuchBucket</Code>')
})
