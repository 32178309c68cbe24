import { useEffect, useId, useRef, useState, type ReactNode } from 'react'

/**
 * A modal <dialog>: focus moves into it and stays there, Escape closes it, the page behind is
 * inert (all native with showModal()).
 */
export function Dialog({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null)
  const id = useId()
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (open && !d.open) d.showModal()
    if (!open && d.open) d.close()
  }, [open])
  return (
    <dialog ref={ref} aria-labelledby={id} onClose={onClose} onCancel={onClose}>
      <h2 id={id}>{title}</h2>
      {open ? children : null}
    </dialog>
  )
}

/**
 * Asks before an action: what it will do, Cancel (first, so it has the focus) and the action.
 * For what cannot be undone but is not worth typing a name for (a file, a version, a link).
 */
export function Confirm({ open, title, action, danger = true, onCancel, onConfirm, children }: {
  open: boolean; title: string; action: string; danger?: boolean; onCancel: () => void; onConfirm: () => void; children: ReactNode
}) {
  return (
    <Dialog title={title} open={open} onClose={onCancel}>
      {children}
      <div className="actions">
        <button type="button" className="btn" onClick={onCancel}>Cancel</button>
        <button type="button" className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} onClick={onConfirm}>{action}</button>
      </div>
    </Dialog>
  )
}

/**
 * Confirms something hard to undo by typing its name (the research's lesson from k9s: a
 * keystroke or a click must never be enough to delete a bucket or a key).
 */
export function ConfirmTyped({ open, title, name, action, onCancel, onConfirm, children }: {
  open: boolean; title: string; name: string; action: string; onCancel: () => void; onConfirm: () => Promise<void> | void; children?: ReactNode
}) {
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)
  const id = useId()
  useEffect(() => { if (!open) setTyped('') }, [open])
  return (
    <Dialog title={title} open={open} onClose={onCancel}>
      <form
        onSubmit={async (e) => {
          e.preventDefault()
          if (typed !== name) return
          setBusy(true)
          try { await onConfirm() } finally { setBusy(false) }
        }}
      >
        {children}
        <div className="field">
          <label htmlFor={id}>Type <strong>{name}</strong> to confirm</label>
          <input id={id} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} autoFocus />
        </div>
        <div className="actions">
          <button type="button" className="btn" onClick={onCancel}>Cancel</button>
          <button type="submit" className="btn btn-danger" disabled={typed !== name || busy}>{action}</button>
        </div>
      </form>
    </Dialog>
  )
}
