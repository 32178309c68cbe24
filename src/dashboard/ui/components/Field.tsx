import { useId, type ReactNode } from 'react'

/** A labelled control: `children` gets the id (and the hint's id) to put on the input. */
export function Field({ label, hint, children }: { label: string; hint?: ReactNode; children: (id: string, describedBy: string | undefined) => ReactNode }) {
  const id = useId()
  const hintId = hint ? `${id}-hint` : undefined
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, hintId)}
      {hint ? <small id={hintId} className="hint">{hint}</small> : null}
    </div>
  )
}

/** A checkbox with its label beside it. */
export function Check({ label, checked, onChange, hint, disabled }: { label: string; checked: boolean; onChange: (v: boolean) => void; hint?: string; disabled?: boolean }) {
  const id = useId()
  return (
    <div className="check">
      <input id={id} type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} aria-describedby={hint ? `${id}-hint` : undefined} />
      <label htmlFor={id}>{label}</label>
      {hint ? <small id={`${id}-hint`} className="hint">{hint}</small> : null}
    </div>
  )
}
