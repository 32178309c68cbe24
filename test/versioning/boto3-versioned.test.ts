/**
 * The same S3 versioning flows through boto3 (skipped, visibly, when python3 + boto3 are
 * missing): version ids, get/head/copy by id, delete markers and undelete, suspend → null
 * versions, delete_objects with versions, and the list_object_versions paginator over
 * 2,500 versions.
 */
import { afterAll, beforeAll, expect } from 'bun:test'
import { join } from 'node:path'
import { REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { run } from '../helpers/cli'
import { hasBoto3, testWithTool } from '../helpers/tools'
import { s3Fetch } from '../helpers/raw-s3'
import { VERSION_ID, buildVersionsByCopy } from './helpers'

const enabled = hasBoto3()
let srv: TestServer
const SCRIPT = join(import.meta.dir, 'boto3_flows.py')

async function py(...args: string[]): Promise<any> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp',
    CS_ENDPOINT: srv.s3Url, CS_ACCESS_KEY: ROOT_ACCESS_KEY, CS_SECRET_KEY: ROOT_SECRET_KEY, CS_REGION: REGION,
    AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  }
  if (process.env.PYENV_ROOT) env.PYENV_ROOT = process.env.PYENV_ROOT
  const r = await run(['python3', SCRIPT, ...args], { env })
  if (r.code !== 0) throw new Error(`boto3 ${args[0]} exited ${r.code}:\n${r.stderr}`)
  return JSON.parse(r.stdout)
}

beforeAll(async () => {
  if (enabled) // The 2,500-version fixtures keep up to 100 versions per key: raise Time Machine's cap of 10.
  srv = await startInProcess({ env: { CLOUDSTORAGE_RETENTION_MAX_VERSIONS: '1000' } })
}, 60_000)
afterAll(async () => {
  if (process.env.CS_DEBUG) console.log(srv?.output())
  await srv?.stop()
}, 30_000)

testWithTool('boto3', enabled, 'boto3: ids, get/head/copy by id, delete markers, undelete, suspend → null, delete_objects with versions', async () => {
  const o = await py('flows', 'ver-boto3')
  expect(o.statusNew).toBeNull()
  expect(o.statusEnabled).toBe('Enabled')
  expect(o.v1).toMatch(VERSION_ID)
  expect(o.v2).toMatch(VERSION_ID)
  expect(o.getLatest).toEqual({ body: 'second!', versionId: o.v2, meta: {} })
  expect(o.getV1).toEqual({ body: 'first', versionId: o.v1, meta: {} })
  expect(o.headV1).toEqual({ length: 5, versionId: o.v1 })
  expect(o.copy.source).toBe(o.v1)
  expect(o.copy.versionId).toMatch(VERSION_ID)
  expect(o.afterCopy).toEqual({ body: 'first', versionId: o.copy.versionId, meta: {} })

  expect(o.delete.deleteMarker).toBe(true)
  const marker = o.delete.versionId
  expect(marker).toMatch(VERSION_ID)
  expect(o.getDeleted).toEqual({ status: 404, code: 'NoSuchKey', deleteMarker: 'true', versionId: marker })
  expect(o.headDeleted).toEqual({ status: 404, code: '404', deleteMarker: 'true', versionId: marker })
  expect(o.getMarker).toEqual({ status: 405, code: 'MethodNotAllowed', deleteMarker: 'true', versionId: marker })
  expect(o.listDeleted).toEqual([])
  expect(o.versionsDeleted).toEqual({
    versions: [['f.txt', o.copy.versionId, false, 5], ['f.txt', o.v2, false, 7], ['f.txt', o.v1, false, 5]],
    markers: [['f.txt', marker, true]],
  })
  expect(o.undelete).toEqual({ deleteMarker: true, versionId: marker })
  expect(o.afterUndelete).toEqual({ body: 'first', versionId: o.copy.versionId, meta: {} })

  expect(o.statusSuspended).toBe('Suspended')
  // Writes into a suspended bucket carry no version id (AWS's PutObject reference, "versioning suspended").
  expect([o.nullPut1, o.nullPut2]).toEqual([null, null])
  expect(o.versionsSuspended).toEqual({
    versions: [['f.txt', 'null', true, 7], ['f.txt', o.copy.versionId, false, 5], ['f.txt', o.v2, false, 7], ['f.txt', o.v1, false, 5]],
    markers: [],
  })
  expect(o.getNull).toEqual({ body: 'null-bb', versionId: 'null', meta: {} })
  expect(o.getV2AfterSuspend).toEqual({ body: 'second!', versionId: o.v2, meta: {} })
  expect(o.deleteSuspended).toEqual({ deleteMarker: true, versionId: 'null' })
  expect(o.versionsSuspendedDeleted).toEqual({
    versions: [['f.txt', o.copy.versionId, false, 5], ['f.txt', o.v2, false, 7], ['f.txt', o.v1, false, 5]],
    markers: [['f.txt', 'null', true]],
  })

  const m = o.multi
  expect(m.errors).toEqual([])
  expect(m.deleted.length).toBe(3)
  expect(m.deleted[0]).toEqual({ Key: 'm/a', VersionId: m.a1 })
  expect(m.deleted[1]).toEqual({ Key: 'm/b', VersionId: m.bm, DeleteMarker: true, DeleteMarkerVersionId: m.bm })
  expect(m.deleted[2].Key).toBe('m/c')
  expect(m.deleted[2].DeleteMarker).toBe(true)
  expect(m.deleted[2].DeleteMarkerVersionId).toMatch(VERSION_ID)
  // m/a keeps a2; m/b is undeleted; m/c got a marker only (it never had content: no versions).
  expect(o.multiAfter.versions.map((v: any[]) => [v[0], v[2]])).toEqual([['m/a', true], ['m/b', true]])
  expect(o.multiAfter.versions[0][1]).toBe(m.a2)
  expect(o.multiAfter.markers).toEqual([['m/c', m.deleted[2].DeleteMarkerVersionId, true]])
}, 60_000)

testWithTool('boto3', enabled, 'boto3: list_object_versions paginator over 2,500 versions (page size 400), then get by id', async () => {
  const B = 'ver-boto3-page'
  expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: B })).status).toBe(200)
  const on = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: B, query: { versioning: '' }, body: '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>' })
  expect(on.status).toBe(200)
  const keys = Array.from({ length: 50 }, (_, i) => `p/${String(i).padStart(2, '0')}`)
  const ids = await buildVersionsByCopy(srv.s3Url, B, keys, 50)
  // A delete marker on top of every tenth key.
  const markers = new Map<string, string>()
  for (const k of keys.filter((_, i) => i % 10 === 0)) {
    const r = await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: B, key: k })
    expect(r.status).toBe(204)
    markers.set(k, r.headers.get('x-amz-version-id')!)
  }
  const all = [...ids.values()].flat()
  expect(new Set(all).size).toBe(2500)

  const out = await py('paginate', B, 'p/', '400')
  expect(out.pages).toBe(Math.ceil(2505 / 400))
  const expVersions: unknown[] = []
  const expMarkers: unknown[] = []
  for (const k of keys) {
    const mk = markers.get(k)
    if (mk) expMarkers.push([k, mk, true])
    ids.get(k)!.slice().reverse().forEach((v, i) => expVersions.push([k, v, !mk && i === 0]))
  }
  expect(out.versions).toEqual(expVersions)
  expect(out.markers).toEqual(expMarkers)

  // Any version by id: same bytes (copies), the metadata of that copy.
  const picks = keys.slice(0, 10).map((k, i) => [k, ids.get(k)![i * 5 + 3]])
  const got = await py('get', B, JSON.stringify(picks))
  expect(got).toEqual(picks.map(([k, v], i) => ({ body: `${k}#0`, versionId: v, meta: { n: String(i * 5 + 3) } })))
}, 90_000)
