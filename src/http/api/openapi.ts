import type { AnyElysia, InternalRoute } from 'elysia'
import { toOpenAPISchema, unwrapSchema } from '@elysiajs/openapi/openapi'
import { VERSION } from '../../version'
import { Account, Bucket, BucketWithCors, CorsRule, ErrorBody, FileInfo, Key, Share, Success, Version, Webhook, WebhookDelivery } from './schemas'

type Json = Record<string, unknown>

export interface OpenApiDocument {
  openapi: string
  info: { title: string; version: string; description: string }
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> }
  tags: Array<{ name: string }>
}

export interface Operation {
  operationId?: string
  summary?: string
  tags?: string[]
  security?: Array<Record<string, string[]>>
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema: Json }>
  requestBody?: { required?: boolean; description?: string; content: Record<string, { schema?: Json }> }
  responses: Record<string, { description: string; content?: Record<string, { schema?: Json }> }>
}

const SECURITY_SCHEMES = {
  session: { type: 'apiKey', in: 'cookie', name: 'session', description: 'Browser session (POST /api/auth/login); writes from browsers need X-CSRF-Token.' },
  apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'ACCESS_KEY:SECRET_KEY' },
  bearerKey: { type: 'http', scheme: 'bearer', description: 'ACCESS_KEY:SECRET_KEY' },
  adminToken: { type: 'http', scheme: 'bearer', description: 'The local admin token from <data>/admin.token' },
}

/** Who may call a route, by its `api.auth` mode (the `api` macro puts it in the route's detail). */
export function securityFor(auth: string): Array<Record<string, string[]>> {
  const s = (...names: string[]) => names.map((n) => ({ [n]: [] as string[] }))
  switch (auth) {
    case 'none': return []
    case 'optional': return [{}, ...s('session', 'apiKey', 'bearerKey')]
    case 'apiKey': return s('apiKey', 'bearerKey')
    case 'admin': return s('session', 'apiKey', 'bearerKey', 'adminToken')
    default: return s('session', 'apiKey', 'bearerKey')
  }
}

/** An upload's body: a multipart form with the file, or the raw bytes. */
export const UPLOAD_BODY = {
  required: true,
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object', required: ['file'],
        properties: {
          file: { type: 'string', format: 'binary', description: 'The file; its name is the key unless a key is given' },
          bucket: { type: 'string', description: "Target bucket (default: the account's default bucket)" },
          key: { type: 'string', description: 'The key' },
        },
      },
    },
    'application/octet-stream': { schema: { type: 'string', format: 'binary', description: 'Raw bytes; name them with ?key= or X-File-Name' } },
  },
}

const REASONS: Record<string, string> = { 200: 'OK', 201: 'Created', 204: 'No content', 206: 'Partial content (Range)', 304: 'Not modified' }

/** Shapes several operations share, named in components.schemas and referenced by $ref. */
const NAMED: Record<string, unknown> = { Error: ErrorBody, Success, Key, Bucket, BucketWithCors, CorsRule, Account, Webhook, WebhookDelivery, Share, Version, File: FileInfo }

/**
 * TypeBox's JSON Schema as OpenAPI 3.0 wants it: literals as enums, maps as additionalProperties,
 * and without our custom validation messages (`error`), which are not OpenAPI's.
 */
function toOpenApi30(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toOpenApi30)
  if (!v || typeof v !== 'object') return v
  const o = v as Json
  // Elysia's query integers also accept their text ("5"): on the wire a query is text anyway.
  if (Array.isArray(o.anyOf) && o.anyOf.length === 2) {
    const [a, b] = o.anyOf as Json[]
    if (a.type === 'string' && (a.format === 'integer' || a.format === 'numeric')) {
      const { anyOf: _, ...rest } = o
      return toOpenApi30({ ...rest, ...b })
    }
  }
  // Our strict JSON integers (see schemas.ts int).
  if (o.type === 'number' && o.multipleOf === 1) {
    const { multipleOf: _, ...rest } = o
    return toOpenApi30({ ...rest, type: 'integer' })
  }
  const out: Json = {}
  for (const [k, x] of Object.entries(v)) {
    if (k === 'error' && typeof x === 'string') continue
    if (k === 'const') out.enum = [x]
    else if (k === 'patternProperties' && x && typeof x === 'object') out.additionalProperties = toOpenApi30(Object.values(x)[0])
    else out[k] = toOpenApi30(x)
  }
  return out
}

/** Replaces every inline copy of a named schema with its $ref. */
function useRefs(v: unknown, names: Map<string, string>): unknown {
  if (Array.isArray(v)) return v.map((x) => useRefs(x, names))
  if (!v || typeof v !== 'object') return v
  const name = names.get(JSON.stringify(v))
  if (name) return { $ref: `#/components/schemas/${name}` }
  const out: Json = {}
  for (const [k, x] of Object.entries(v)) out[k] = useRefs(x, names)
  return out
}

/**
 * The OpenAPI document of the HTTP API, generated from the routes' own declarations (params,
 * query, body, responses, detail) by @elysiajs/openapi, plus our security schemes and the error
 * shape every operation may answer.
 */
export function openApiDocument(app: AnyElysia): OpenApiDocument {
  // JSON bodies are read by our capped parser (a function): tell the generator they are JSON.
  const routes = (app as unknown as { getGlobalRoutes(): InternalRoute[] }).getGlobalRoutes().map((r) => {
    const parse = (r.hooks as { parse?: Array<{ fn: unknown }> }).parse
    return parse?.some((p) => typeof p.fn === 'function') ? { ...r, hooks: { ...r.hooks, parse: [{ fn: 'json' }] } } : r
  })
  const view = { getGlobalRoutes: () => routes, getGlobalDefinitions: () => ({ type: {} }) } as unknown as AnyElysia
  // The same conversion the generator applies to inline schemas, so equal shapes compare equal.
  const schemas = Object.fromEntries(Object.entries(NAMED).map(([name, schema]) => [name, toOpenApi30(unwrapSchema(schema as never, undefined, 'input', '3.0.3')) as Json]))
  const names = new Map(Object.entries(schemas).map(([name, schema]) => [JSON.stringify(schema), name]))
  const generated = useRefs(toOpenApi30(toOpenAPISchema(view, { staticFile: false }, undefined, undefined, '3.0.3').paths), names) as Record<string, Record<string, Operation>>
  const paths: OpenApiDocument['paths'] = {}
  const tags = new Set<string>()
  for (const [rawPath, methods] of Object.entries(generated)) {
    // A trailing wildcard (/api/img/*) is one path parameter in OpenAPI's terms.
    const path = rawPath.replace(/\/\*$/, '/{path}')
    for (const [method, op] of Object.entries(methods)) {
      for (const p of op.parameters ?? []) if (p.name === '*') p.name = 'path'
      for (const t of op.tags ?? []) tags.add(t)
      // "Nothing" (a 304) has no body to describe.
      for (const r of Object.values(op.responses ?? {})) {
        for (const [type, c] of Object.entries(r.content ?? {})) if (c.schema?.type === 'null') delete r.content![type]
        if (r.content && Object.keys(r.content).length === 0) delete r.content
      }
      for (const [status, r] of Object.entries(op.responses ?? {})) if (/^Response for status/.test(r.description)) r.description = REASONS[status] ?? 'OK'
      op.responses = { ...op.responses, default: { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } }
      ;(paths[path] ??= {})[method] = op
    }
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'CloudStorage REST and dashboard API',
      version: VERSION,
      description: 'The JSON API on the HTTP port. Every error is {"error":{"code","message","requestId"}} with the request id also in X-Request-Id. The S3 API is on the S3 port. Share links themselves (GET/HEAD/POST /s/{token}[/{path}]) are pages for browsers, not JSON: see the README.',
    },
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
    tags: [...tags].map((name) => ({ name })),
  }
}

const esc = (s: unknown) => String(s ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A schema's type in a few characters: string, integer, boolean | null, Key[], "active" | "suspended" … */
function typeOf(s: Json | undefined): string {
  if (!s) return 'any'
  if (typeof s.$ref === 'string') return s.$ref.split('/').pop()!
  if (Array.isArray(s.anyOf)) return (s.anyOf as Json[]).map(typeOf).join(' | ')
  if (s.const !== undefined) return JSON.stringify(s.const)
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => JSON.stringify(v)).join(' | ')
  if (s.type === 'array') return `${typeOf(s.items as Json)}[]`
  if (s.type === 'string' && s.format === 'binary') return 'binary'
  if (Array.isArray(s.type)) return (s.type as string[]).join(' | ')
  if (s.type === 'object' && !s.properties && s.patternProperties) return 'map'
  return String(s.type ?? 'any')
}

function constraints(s: Json): string {
  const c: string[] = []
  if (typeof s.minimum === 'number') c.push(`≥ ${s.minimum}`)
  if (typeof s.maximum === 'number') c.push(`≤ ${s.maximum}`)
  if (typeof s.minLength === 'number' && s.minLength > 0) c.push('not empty')
  if (s.default !== undefined) c.push(`default ${JSON.stringify(s.default)}`)
  return c.join(', ')
}

/** The fields of an object schema as rows, nested objects (and lists of them) flattened as a.b / a[].b. */
function fieldRows(s: Json | undefined, prefix: string, named: Record<string, Json>, depth = 0): string[] {
  if (!s || depth > 8) return []
  if (typeof s.$ref === 'string') return fieldRows(named[s.$ref.split('/').pop()!], prefix, named, depth + 1)
  if (Array.isArray(s.anyOf)) {
    const objects = (s.anyOf as Json[]).filter((x) => x.type === 'object' && x.properties)
    if (objects.length > 1) {
      return objects.flatMap((o, i) => [`<tr><td colspan="4" class="alt">${i === 0 ? 'either' : 'or'}${o.description ? `: ${esc(o.description)}` : ''}</td></tr>`, ...fieldRows(o, prefix, named, depth + 1)])
    }
    if (objects.length === 1) return fieldRows(objects[0], prefix, named, depth + 1)
  }
  if (s.type === 'array' && s.items) return fieldRows(s.items as Json, `${prefix}[]`, named, depth + 1)
  if (s.type !== 'object' || !s.properties) return []
  const required = new Set((s.required as string[] | undefined) ?? [])
  return Object.entries(s.properties as Record<string, Json>).flatMap(([name, f]) => {
    const full = prefix ? `${prefix}.${name}` : name
    const row = `<tr><td><code>${esc(full)}</code></td><td><code>${esc(typeOf(f))}</code></td><td>${required.has(name) ? 'required' : ''}</td><td>${esc([f.description, constraints(f)].filter(Boolean).join('; '))}</td></tr>`
    return [row, ...fieldRows(f, full, named, depth + 1)]
  })
}

const table = (head: string[], rows: string[]) =>
  rows.length ? `<table><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.join('')}</table>` : ''

function operationHtml(method: string, path: string, op: Operation, named: Record<string, Json>): string {
  const security = op.security?.length
    ? op.security.map((s) => Object.keys(s)[0] ?? 'anonymous').join(', ')
    : 'none'
  const params = table(['Parameter', 'In', 'Type', 'Description'], (op.parameters ?? []).map((p) =>
    `<tr><td><code>${esc(p.name)}</code>${p.required ? ' <em>required</em>' : ''}</td><td>${esc(p.in)}</td><td><code>${esc(typeOf(p.schema))}</code></td><td>${esc([p.description ?? p.schema.description, constraints(p.schema)].filter(Boolean).join('; '))}</td></tr>`))
  const body = op.requestBody
    ? Object.entries(op.requestBody.content).map(([type, c]) =>
      `<p>Body <code>${esc(type)}</code>${c.schema?.description ? ` — ${esc(c.schema.description)}` : ''}</p>${table(['Field', 'Type', '', 'Description'], fieldRows(c.schema, '', named))}`).join('')
    : ''
  const responses = Object.entries(op.responses).map(([status, r]) => {
    // Every operation's error answer is the one shape shown at the top of the page.
    const content = status === 'default' ? [] : Object.entries(r.content ?? {})
    const kinds = content.map(([type, c]) => `<code>${esc(type)}</code>${c.schema && !c.schema.properties && !c.schema.anyOf ? ` ${esc(typeOf(c.schema))}` : ''}`).join(', ')
    return `<p><strong>${esc(status)}</strong> ${esc(r.description)}${kinds ? ` — ${kinds}` : ''}</p>${content.map(([, c]) => table(['Field', 'Type', '', 'Description'], fieldRows(c.schema, '', named))).join('')}`
  }).join('')
  const id = esc(op.operationId ?? `${method}-${path}`)
  return `<section id="${id}"><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${esc(op.summary)} <small>(${id}; auth: ${esc(security)})</small></p>${params}${body}${responses}</section>`
}

/** A self-contained page rendered from the document: no script, no CDN (the appliance works offline). */
export function openApiHtml(doc: OpenApiDocument): string {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })))
  const groups = doc.tags.map((t) => ({ tag: t.name, ops: ops.filter((o) => o.op.tags?.includes(t.name)) }))
  const untagged = ops.filter((o) => !o.op.tags?.length)
  if (untagged.length) groups.push({ tag: 'Other', ops: untagged })
  const toc = groups.map((g) => `<li>${esc(g.tag)}: ${g.ops.map((o) => `<a href="#${esc(o.op.operationId ?? '')}">${esc(o.method.toUpperCase())} ${esc(o.path)}</a>`).join(' · ')}</li>`).join('')
  const body = groups.map((g) => `<h2>${esc(g.tag)}</h2>${g.ops.map((o) => operationHtml(o.method, o.path, o.op, doc.components.schemas)).join('\n')}`).join('\n')
  const schemes = Object.entries(doc.components.securitySchemes).map(([name, s]) => `<li><code>${esc(name)}</code>: ${esc(s.description)}</li>`).join('')
  return `<!doctype html><html><head><meta charset="utf-8"><title>CloudStorage API ${esc(doc.info.version)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;line-height:1.4}
table{border-collapse:collapse;margin:.3rem 0 .8rem}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;vertical-align:top;text-align:left}
section{border-top:1px solid #bbb;padding-top:.3rem}.m{font-family:monospace;padding:0 .3rem;border-radius:3px;background:#eee}
.get{background:#dbeafe}.post{background:#dcfce7}.patch{background:#fef9c3}.delete{background:#fee2e2}.alt{font-style:italic}</style></head>
<body><h1>${esc(doc.info.title)} ${esc(doc.info.version)}</h1><p>${esc(doc.info.description)} Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${esc(doc.openapi)}).</p>
<p>Authentication:</p><ul>${schemes}</ul>
<p>Every error (the <strong>default</strong> answer of each operation):</p>${table(['Field', 'Type', '', 'Description'], fieldRows(doc.components.schemas.Error, '', doc.components.schemas))}
<ul>${toc}</ul>
${body}</body></html>`
}
