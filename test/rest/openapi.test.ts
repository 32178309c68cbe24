/**
 * The OpenAPI document is generated from the routes' own declarations: every route of the HTTP
 * app is in it with its path and query parameters, its JSON body fields and its answers; it is
 * valid OpenAPI 3 (checked by @apidevtools/swagger-parser against the official schema, offline);
 * /api/docs shows the same, with no script and nothing fetched from elsewhere.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SwaggerParser from '@apidevtools/swagger-parser'
import { createHttpApp } from '../../src/http/http-app'
import type { SurfaceContext } from '../../src/http/context'
import { startServer, type TestServer } from '../helpers/server'

interface Param { name: string; in: string; required?: boolean; schema: Record<string, unknown> }
interface Op {
  operationId: string
  summary: string
  parameters?: Param[]
  requestBody?: { content: Record<string, { schema: Record<string, any> }> }
  responses: Record<string, { content?: Record<string, { schema: Record<string, any> }> }>
  security: Array<Record<string, string[]>>
}

/** The routes as the app declares them (building the app reads only the data dir's admin token). */
function declaredRoutes() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cs-openapi-'))
  try {
    const app = createHttpApp({ config: { dataDir } } as unknown as SurfaceContext)
    return app.routes
      .filter((r) => !(r.hooks as { detail?: { hide?: boolean } }).detail?.hide)
      .map((r) => {
        const hooks = r.hooks as { query?: { properties?: object }; body?: { properties?: object }; response?: Record<string, unknown>; detail?: { operationId?: string } }
        return {
          method: r.method.toLowerCase(),
          // Elysia's :name and trailing * in OpenAPI's terms.
          path: r.path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{path}'),
          pathParams: [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]).concat(r.path.endsWith('*') ? ['path'] : []),
          query: Object.keys(hooks.query?.properties ?? {}),
          body: Object.keys(hooks.body?.properties ?? {}),
          statuses: Object.keys(hooks.response ?? {}),
          operationId: hooks.detail?.operationId,
        }
      })
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

let srv: TestServer
let doc: { openapi: string; paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> } }
let html: string

beforeAll(async () => {
  srv = await startServer()
  doc = await (await fetch(`${srv.httpUrl}/api/openapi.json`)).json()
  html = await (await fetch(`${srv.httpUrl}/api/docs`)).text()
})
afterAll(async () => {
  await srv?.stop()
})

describe('generated from the route declarations', () => {
  const routes = declaredRoutes()

  test('the app has the routes of every surface (a sanity check on the enumeration)', () => {
    expect(routes.length).toBeGreaterThan(35)
    for (const p of ['/healthz', '/metrics', '/api/auth/login', '/api/keys', '/api/buckets/{name}', '/api/versions/{versionId}', '/api/webhooks', '/api/admin/accounts/{id}', '/api/v1/files/{id}', '/api/img/{path}']) {
      expect(routes.map((r) => r.path)).toContain(p)
    }
  })

  test('every route is an operation with its summary, tags, operation id and an error answer', () => {
    for (const r of routes) {
      const op = doc.paths[r.path]?.[r.method]
      expect({ route: `${r.method} ${r.path}`, found: !!op }).toEqual({ route: `${r.method} ${r.path}`, found: true })
      expect(op.summary.length).toBeGreaterThan(5)
      expect(op.operationId).toBe(r.operationId!)
      expect(op.responses.default.content!['application/json'].schema.$ref).toBe('#/components/schemas/Error')
    }
    const ids = routes.map((r) => r.operationId)
    expect(new Set(ids).size).toBe(ids.length)
    // Nothing in the document that is not a route.
    const documented = Object.entries(doc.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m} ${p}`)).sort()
    expect(documented).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort())
  })

  test('path and query parameters, JSON body fields and answer statuses are the declared ones', () => {
    for (const r of routes) {
      const op = doc.paths[r.path][r.method]
      const params = op.parameters ?? []
      const where = `${r.method} ${r.path}`
      expect({ where, path: params.filter((p) => p.in === 'path').map((p) => p.name).sort() }).toEqual({ where, path: [...r.pathParams].sort() })
      for (const p of params.filter((x) => x.in === 'path')) expect(p.required).toBe(true)
      expect({ where, query: params.filter((p) => p.in === 'query').map((p) => p.name).sort() }).toEqual({ where, query: [...r.query].sort() })
      if (r.body.length) {
        const schema = op.requestBody!.content['application/json'].schema
        expect({ where, body: Object.keys(schema.properties).sort() }).toEqual({ where, body: [...r.body].sort() })
      }
      for (const status of r.statuses) expect({ where, status, documented: status in op.responses }).toEqual({ where, status, documented: true })
    }
  })

  test('what a caller needs: required fields, types, security, uploads as forms or bytes, named shapes', () => {
    const login = doc.paths['/api/auth/login'].post
    expect(login.security).toEqual([])
    expect(login.requestBody!.content['application/json'].schema).toMatchObject({ type: 'object', required: ['email', 'password'], additionalProperties: false })
    const patch = doc.paths['/api/buckets/{name}'].patch.requestBody!.content['application/json'].schema.properties
    expect(patch.retention.properties.maxVersions).toMatchObject({ type: 'integer', minimum: 1, maximum: 100000, nullable: true })
    expect(patch.cors).toMatchObject({ type: 'array', nullable: true, items: { $ref: '#/components/schemas/CorsRule' } })
    const list = doc.paths['/api/v1/files'].get.parameters!
    expect(list.find((p) => p.name === 'limit')!.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
    const upload = doc.paths['/api/v1/files'].post
    expect(Object.keys(upload.requestBody!.content).sort()).toEqual(['application/octet-stream', 'multipart/form-data'])
    expect(upload.responses['201'].content!['application/json'].schema.$ref).toBe('#/components/schemas/File')
    expect(upload.security.map((s) => Object.keys(s)[0]).sort()).toEqual(['apiKey', 'bearerKey'])
    expect(doc.paths['/api/admin/overview'].get.security.map((s) => Object.keys(s)[0])).toContain('adminToken')
    expect(doc.paths['/api/img/{path}'].get.security).toContainEqual({})
    for (const name of ['Error', 'Success', 'Key', 'Bucket', 'Account', 'Webhook', 'Version', 'File']) expect(doc.components.schemas[name]).toBeDefined()
    // Validation messages are ours, not schema keywords.
    expect(JSON.stringify(doc)).not.toContain('"error":"')
  })
})

describe('valid OpenAPI 3', () => {
  test('passes @apidevtools/swagger-parser validation (the official OpenAPI 3.0 schema, refs resolved)', async () => {
    expect(doc.openapi).toBe('3.0.3')
    await SwaggerParser.validate(structuredClone(doc) as never)
  })

  test('every $ref resolves and every security requirement names a declared scheme', () => {
    for (const ref of JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? []) expect(doc.components.schemas[ref.split('/').pop()!]).toBeDefined()
    for (const methods of Object.values(doc.paths)) {
      for (const op of Object.values(methods)) for (const req of op.security) for (const name of Object.keys(req)) expect(doc.components.securitySchemes[name]).toBeDefined()
    }
  })
})

describe('/api/docs', () => {
  test('an offline page: no script, no external resource', () => {
    expect(html).toStartWith('<!doctype html>')
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//i)
  })

  test('shows every operation with its parameters, body fields and answers', () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const start = html.indexOf(`<section id="${op.operationId}">`)
        expect({ op: op.operationId, found: start >= 0 }).toEqual({ op: op.operationId, found: true })
        const section = html.slice(start, html.indexOf('</section>', start))
        expect(section).toContain(`<code>${path.replace(/&/g, '&amp;')}</code>`)
        expect(section).toContain(method.toUpperCase())
        for (const p of op.parameters ?? []) expect(section).toContain(`<code>${p.name}</code>`)
        for (const c of Object.values(op.requestBody?.content ?? {})) for (const f of Object.keys(c.schema.properties ?? {})) expect(section).toContain(`<code>${f}</code>`)
        for (const status of Object.keys(op.responses)) expect(section).toContain(`<strong>${status}</strong>`)
      }
    }
    // Nested fields are shown with their path.
    expect(html).toContain('<code>retention.maxVersions</code>')
  })
})
