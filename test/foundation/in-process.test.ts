/**
 * The appliance inside a process that goes on (startInProcess, what most tests use): a stopped
 * appliance lets go of its data dir, and two appliances in one process keep their own state.
 */
import { afterAll, expect, test } from 'bun:test'
import { readdirSync, readlinkSync } from 'node:fs'
import { startInProcess, type InProcessTestServer } from '../helpers/server'
import { METRICS_TOKEN } from '../helpers/held-body'
import { s3Fetch } from '../helpers/raw-s3'
import { logSettled } from '../helpers/output'

/** Files under `dir` this process has open. */
function openFilesUnder(dir: string): string[] {
  const open: string[] = []
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`)
      if (target.startsWith(dir + '/') || target === dir) open.push(target)
    } catch { /* closed meanwhile */ }
  }
  return open
}

const servers: InProcessTestServer[] = []
afterAll(async () => { for (const s of servers) await s.stop() })

test('a stopped appliance holds no file of its data dir open (database, WAL, lock, blobs)', async () => {
  const srv = await startInProcess()
  servers.push(srv)
  expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: 'fds' })).status).toBe(200)
  const put = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: 'fds', key: 'k', body: 'x' })
  expect(put.status).toBe(200)
  await put.arrayBuffer()
  await srv.runBackgroundJobs()
  expect(openFilesUnder(srv.dataDir).length).toBeGreaterThan(0) // the check sees the open database
  await srv.app.stop()
  expect(openFilesUnder(srv.dataDir)).toEqual([])
})

test('two appliances in one process: own ports, own request log, own metrics', async () => {
  const env = { CLOUDSTORAGE_METRICS_TOKEN: METRICS_TOKEN }
  const a = await startInProcess({ env })
  servers.push(a)
  const b = await startInProcess({ env })
  servers.push(b)
  expect(new Set([a.s3Url, a.httpUrl, b.s3Url, b.httpUrl]).size).toBe(4)

  const res = await s3Fetch(a.s3Url, { method: 'PUT', bucket: 'only-on-a' })
  expect(res.status).toBe(200)
  const id = res.headers.get('x-amz-request-id')!
  expect(await logSettled(a)).toContain(` ${id} `)
  expect(await logSettled(b)).not.toContain(` ${id} `)

  const created = async (srv: InProcessTestServer) => {
    const text = await (await fetch(`${srv.httpUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text()
    return text.split('\n').filter((l) => l.startsWith('cloudstorage_requests_total{') && l.includes('operation="CreateBucket"'))
  }
  expect(await created(a)).toEqual(['cloudstorage_requests_total{operation="CreateBucket",status="200",surface="s3"} 1'])
  expect(await created(b)).toEqual([])
  expect((await s3Fetch(b.s3Url, { method: 'HEAD', bucket: 'only-on-a' })).status).toBe(404)
})
