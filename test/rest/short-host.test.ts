/**
 * A Host header shorter than four characters ("nas" behind a reverse proxy, "x") must reach the
 * same routes as any other: the router's fast path assumes longer hosts (src/http/api/route.ts
 * `routable`). Before the fix every such request answered 404 NotFound.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { untilOutput } from '../helpers/output'

let srv: TestServer
const key = `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}`
beforeAll(async () => { srv = await startInProcess() })
afterAll(async () => { await srv?.stop() })

describe.each(['x', 'nas', 'abc:80'])('Host: %s', (host) => {
  test('JSON routes, bodies and query strings work as with any host', async () => {
    const name = `short-host-${host.replace(/\W/g, '')}`
    const created = await fetch(`${srv.httpUrl}/api/buckets`, { method: 'POST', headers: { host, 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ name }) })
    expect(created.status).toBe(201)
    expect((await created.json()).name).toBe(name)
    const up = await fetch(`${srv.httpUrl}/api/v1/files?bucket=${name}&key=a%20b.txt`, { method: 'POST', headers: { host, 'x-api-key': key, 'content-type': 'text/plain' }, body: 'hello' })
    expect(up.status).toBe(201)
    expect(await up.json()).toMatchObject({ key: 'a b.txt', bucket: name, size: 5 })
    const list = await fetch(`${srv.httpUrl}/api/v1/files?bucket=${name}`, { headers: { host, 'x-api-key': key } })
    expect(list.status).toBe(200)
    expect((await list.json()).files.map((f: { key: string }) => f.key)).toEqual(['a b.txt'])
    const missing = await fetch(`${srv.httpUrl}/api/nothing-here`, { headers: { host } })
    expect(missing.status).toBe(404)
    expect((await missing.json()).error.message).toContain('/api/nothing-here')
    await untilOutput(srv, `/api/v1/files 200`)
  })
})
