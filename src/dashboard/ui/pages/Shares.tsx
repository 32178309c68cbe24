import { useState } from 'react'
import { call, client, messageOf, seg, type Data } from '../api'
import { useMe } from '../session'
import { useLoad } from '../lib/use-load'
import { dateTime, relative } from '../lib/format'
import { go, href } from '../lib/router'
import { PageHeader } from '../components/PageHeader'
import { BucketPicker } from '../components/BucketPicker'
import { Field } from '../components/Field'
import { LoadState, Notice } from '../components/Notice'
import { CopyButton, CopyField } from '../components/CopyButton'
import { useForm } from '../lib/use-form'
import { Confirm } from '../components/Dialog'
import { DataTable } from '../components/DataTable'
import { FormCard } from '../components/FormCard'
import { SmallButton } from '../components/SmallButton'

type Share = Data<typeof client.api.shares.get>['shares'][number]

const EXPIRY: Array<[string, string]> = [['3600', '1 hour'], ['86400', '1 day'], ['604800', '7 days'], ['2592000', '30 days'], ['never', 'Never']]

/** The server's word for a link's state, as people say it. */
const STATUS: Record<Share['status'], string> = { active: 'active', expired: 'expired', revoked: 'revoked', exhausted: 'used up', ended: 'file deleted' }

/** Share links: create one for a file (expiry, download limit, password), list them, revoke. */
export function Shares({ bucket: routeBucket, fileKey }: { bucket?: string; fileKey?: string }) {
  const me = useMe()
  const bucket = routeBucket || me.account.defaultBucket || ''
  const shares = useLoad(() => call(client.api.shares.get({ query: {} })).then((r) => r.shares), [])
  const [key, setKey] = useState(fileKey ?? '')
  const [expires, setExpires] = useState('604800')
  const [limit, setLimit] = useState('')
  const [password, setPassword] = useState('')
  const [created, setCreated] = useState<Share | null>(null)
  const [revoking, setRevoking] = useState<Share | null>(null)
  const { busy, error, setError, submit } = useForm()

  const revoke = async (s: Share) => {
    setError(null)
    try {
      await call(client.api.shares({ id: seg(s.id) }).delete())
      shares.set((l) => l.map((x) => (x.id === s.id ? { ...x, status: 'revoked', revokedAt: new Date().toISOString() } : x)))
    } catch (e) { setError(messageOf(e)) }
  }

  return (
    <>
      <PageHeader title="Shares" />
      <p className="muted">A share link lets anyone download a file (or every file under a folder: a key ending in /) without an account, until it expires, is used up or is revoked.</p>
      <Notice kind="error">{error}</Notice>
      <FormCard
        id="new-share-h"
        title="New share link"
        onSubmit={submit(async () => {
          setCreated(null)
          const s = await call(client.api.shares.post({
            bucket, key,
            expiresIn: expires === 'never' ? null : Number(expires),
            maxDownloads: limit.trim() ? Number(limit) : null,
            ...(password ? { password } : {}),
          }))
          setCreated(s)
          setPassword('')
          shares.set((l) => [s, ...l])
        })}
      >
        <div className="row">
          <BucketPicker value={bucket} onChange={(b) => go(href('shares', b))} />
          <Field label="File (object key)" hint="A folder ending in / shares every file under it.">{(id, hint) => <input id={id} aria-describedby={hint} required value={key} onChange={(e) => setKey(e.target.value)} spellCheck={false} />}</Field>
        </div>
        <div className="row">
          <Field label="Expires after">
            {(id) => <select id={id} value={expires} onChange={(e) => setExpires(e.target.value)}>{EXPIRY.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select>}
          </Field>
          <Field label="Download limit" hint="Empty: unlimited.">{(id, hint) => <input id={id} aria-describedby={hint} type="number" min={1} inputMode="numeric" value={limit} onChange={(e) => setLimit(e.target.value)} />}</Field>
          <Field label="Password (optional)" hint="Asked for before the download.">{(id, hint) => <input id={id} aria-describedby={hint} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />}</Field>
        </div>
        <div className="actions"><button type="submit" className="btn btn-primary" disabled={busy || !bucket}>Create link</button></div>
        {created ? (
          <div className="notice notice-ok" role="status">
            <p>Share link for <code>{created.key}</code>:</p>
            <CopyField label="Link" value={created.url} />
          </div>
        ) : null}
      </FormCard>
      <LoadState loading={shares.loading} error={shares.error} hasData={!!shares.data} />
      {shares.data ? (
        <DataTable caption="Your share links" columns={['File', 'Status', 'Downloads', 'Expires']} actions rows={shares.data} empty="No share links yet." row={(s) => (
          <tr key={s.id}>
            <td data-label="File"><code>{s.bucket}/{s.key}</code>{s.versionId ? <span className="badge">pinned version</span> : null}{s.hasPassword ? <span className="badge">password</span> : null}</td>
            <td data-label="Status"><span className={`badge ${s.status === 'active' ? 'badge-ok' : 'badge-warn'}`}>{STATUS[s.status]}</span></td>
            <td data-label="Downloads">{s.downloads}{s.maxDownloads !== null ? ` of ${s.maxDownloads}` : ''}</td>
            <td data-label="Expires" title={s.expiresAt ? dateTime(s.expiresAt) : undefined}>{s.expiresAt ? relative(s.expiresAt) : 'never'}</td>
            <td className="row-actions">
              {s.status === 'active' ? <CopyButton text={s.url} label="Copy link" what={`to ${s.key}`} /> : null}
              {!s.revokedAt ? <SmallButton variant="danger" what={`the link to ${s.key}`} onClick={() => setRevoking(s)}>Revoke…</SmallButton> : null}
            </td>
          </tr>
        )} />
      ) : null}
      <Confirm
        open={revoking !== null}
        title="Revoke this share link?"
        action="Revoke link"
        onCancel={() => setRevoking(null)}
        onConfirm={() => {
          const s = revoking!
          setRevoking(null)
          void revoke(s)
        }}
      >
        <p>The link to <code>{revoking?.bucket}/{revoking?.key}</code> stops working at once for everyone who has it. It cannot be turned back on; a new link can be made.</p>
      </Confirm>
    </>
  )
}
