import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, type InProcessTestServer, type TestServer } from '../helpers/server'

export const ROOT_KEY = `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}`

export interface Call {
  status: number
  headers: Headers
  body: any
  text: string
}

/** A JSON API call with an API key (the root admin's by default). */
export async function api(srv: TestServer, method: string, path: string, json?: unknown, key = ROOT_KEY): Promise<Call> {
  const headers: Record<string, string> = { 'x-api-key': key }
  if (json !== undefined) headers['content-type'] = 'application/json'
  const r = await fetch(srv.httpUrl + path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) })
  const text = await r.text()
  return { status: r.status, headers: r.headers, body: (r.headers.get('content-type') ?? '').startsWith('application/json') && text ? JSON.parse(text) : undefined, text }
}

/** Uploads bytes as bucket/key through the REST API; returns the file id and version id. */
export async function upload(srv: TestServer, bucket: string, key: string, body: string | Uint8Array<ArrayBuffer>, contentType = 'text/plain', apiKey = ROOT_KEY): Promise<{ id: string; versionId: string }> {
  const r = await fetch(`${srv.httpUrl}/api/v1/files?bucket=${encodeURIComponent(bucket)}&key=${encodeURIComponent(key)}`, {
    method: 'POST', headers: { 'x-api-key': apiKey, 'content-type': contentType }, body,
  })
  if (r.status !== 201) throw new Error(`upload ${key}: ${r.status} ${await r.text()}`)
  const { id } = await r.json() as { id: string }
  const meta = await (await fetch(`${srv.httpUrl}/api/v1/files/${id}?meta=true`, { headers: { 'x-api-key': apiKey } })).json() as { versionId: string }
  return { id, versionId: meta.versionId }
}

/** Creates a share; fails the test unless 201. */
export async function share(srv: TestServer, input: Record<string, unknown>, key = ROOT_KEY) {
  const r = await api(srv, 'POST', '/api/shares', input, key)
  if (r.status !== 201) throw new Error(`create share: ${r.status} ${r.text}`)
  return r.body as { id: string; url: string; token: string; status: string; downloads: number }
}

/** The share's row as stored (in-process appliances only). */
export const row = (srv: InProcessTestServer, id: string) => srv.app.ctx.repos.shares.byId(id)!

/** Events of a type in the outbox so far (in-process appliances only). */
export const eventsOf = (srv: InProcessTestServer, type: string) =>
  srv.app.ctx.repos.events.after(0, 100_000).filter((e) => e.type === type).map((e) => JSON.parse(e.payloadJson) as Record<string, any>)

export { until } from '../helpers/wait'
