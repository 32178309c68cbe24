import { useState } from 'react'

/**
 * Copies text. navigator.clipboard exists only on secure origins (https, localhost); on a plain
 * http LAN address the older selection copy is used.
 */
async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text)
      return true
    }
  } catch { /* fall back below */ }
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.className = 'offscreen'
  document.body.appendChild(area)
  area.select()
  let ok = false
  try { ok = document.execCommand('copy') } catch { ok = false }
  area.remove()
  return ok
}

export function CopyButton({ text, label = 'Copy', what }: { text: string; label?: string; what?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  return (
    <button
      type="button"
      className="btn btn-small"
      onClick={async () => {
        setState((await copyText(text)) ? 'copied' : 'failed')
        setTimeout(() => setState('idle'), 2000)
      }}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy' : label}
      {/* What is copied, for screen readers; the visible text stays part of the name (WCAG 2.5.3). */}
      {what ? <span className="offscreen"> {what}</span> : null}
      <span className="offscreen" aria-live="polite">{state === 'copied' ? 'Copied to the clipboard' : ''}</span>
    </button>
  )
}

/**
 * A value shown read-only with a copy button (keys, secrets, links). The button names what it
 * copies by the label unless `what` says it better (“Copy the presigned link” beside “Link”).
 */
export function CopyField({ label, value, secret, what = label }: { label: string; value: string; secret?: boolean; what?: string }) {
  return (
    <div className="copy-field">
      <span className="copy-label">{label}</span>
      <code className={secret ? 'secret' : undefined}>{value}</code>
      <CopyButton text={value} what={what} />
    </div>
  )
}
