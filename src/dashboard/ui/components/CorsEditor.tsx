import { useEffect, useState } from 'react'
import { Field } from './Field'

export interface CorsRule {
  id?: string
  allowedOrigins: string[]
  allowedMethods: string[]
  allowedHeaders?: string[]
  exposeHeaders?: string[]
  maxAgeSeconds?: number
}

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD']
const list = (s: string) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean)

interface Draft { origins: string; methods: string[]; headers: string; expose: string; maxAge: string }
const draftOf = (r: CorsRule): Draft => ({
  origins: r.allowedOrigins.join('\n'), methods: r.allowedMethods, headers: (r.allowedHeaders ?? []).join(', '), expose: (r.exposeHeaders ?? []).join(', '), maxAge: r.maxAgeSeconds?.toString() ?? '',
})
const ruleOf = (d: Draft): CorsRule => ({
  allowedOrigins: list(d.origins), allowedMethods: d.methods, allowedHeaders: list(d.headers), exposeHeaders: list(d.expose),
  ...(d.maxAge.trim() ? { maxAgeSeconds: Number(d.maxAge) } : {}),
})

/** The bucket's CORS rules as a form: origins, methods, headers, max age; saved all at once. */
export function CorsEditor({ rules, onSave }: { rules: CorsRule[]; onSave: (rules: CorsRule[]) => Promise<void> }) {
  const [drafts, setDrafts] = useState<Draft[]>(() => rules.map(draftOf))
  useEffect(() => setDrafts(rules.map(draftOf)), [rules])
  const update = (i: number, patch: Partial<Draft>) => setDrafts((ds) => ds.map((d, j) => (j === i ? { ...d, ...patch } : d)))
  return (
    <form onSubmit={(e) => { e.preventDefault(); void onSave(drafts.map(ruleOf)) }}>
      {drafts.length === 0 ? <p className="muted">No rules: browsers on other sites cannot use this bucket.</p> : null}
      {drafts.map((d, i) => (
        <fieldset key={i} className="cors-rule">
          <legend>Rule {i + 1}</legend>
          <Field label="Allowed origins" hint="One per line, e.g. https://app.example.com; * for any.">
            {(id, hint) => <textarea id={id} aria-describedby={hint} rows={2} value={d.origins} onChange={(e) => update(i, { origins: e.target.value })} required />}
          </Field>
          <fieldset className="methods">
            <legend>Allowed methods</legend>
            {METHODS.map((m) => (
              <label key={m} className="inline-check">
                <input type="checkbox" checked={d.methods.includes(m)} onChange={(e) => update(i, { methods: e.target.checked ? [...d.methods, m] : d.methods.filter((x) => x !== m) })} /> {m}
              </label>
            ))}
          </fieldset>
          <div className="row">
            <Field label="Allowed headers">{(id) => <input id={id} value={d.headers} placeholder="*" onChange={(e) => update(i, { headers: e.target.value })} />}</Field>
            <Field label="Exposed headers">{(id) => <input id={id} value={d.expose} placeholder="ETag" onChange={(e) => update(i, { expose: e.target.value })} />}</Field>
            <Field label="Max age (seconds)">{(id) => <input id={id} type="number" min={0} value={d.maxAge} onChange={(e) => update(i, { maxAge: e.target.value })} />}</Field>
          </div>
          <button type="button" className="btn btn-small" onClick={() => setDrafts((ds) => ds.filter((_, j) => j !== i))}>Remove rule {i + 1}</button>
        </fieldset>
      ))}
      <div className="actions">
        <button type="button" className="btn" onClick={() => setDrafts((ds) => [...ds, { origins: '', methods: ['GET'], headers: '*', expose: 'ETag', maxAge: '3000' }])}>Add rule</button>
        <button type="submit" className="btn btn-primary">Save CORS rules</button>
      </div>
    </form>
  )
}
