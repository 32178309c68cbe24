import { useId, useState, type ReactNode } from 'react'

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
/**
 * A checkbox whose change may be saved to the server: it shows the new state at once and, when
 * `onChange` returns a promise, until that settles (then the `checked` the parent holds, which
 * is the old one again if the save failed).
 */
export function Check({ label, checked, onChange, hint, disabled }: { label: string; checked: boolean; onChange: (v: boolean) => void | Promise<void>; hint?: string; disabled?: boolean }) {
  const id = useId()
  const [pending, setPending] = useState<boolean | null>(null)
  const change = (v: boolean) => {
    setPending(v)
    void Promise.resolve(onChange(v)).finally(() => setPending(null))
  }
  return (
    <div className="check">
      <input id={id} type="checkbox" checked={pending ?? checked} disabled={disabled} onChange={(e) => change(e.target.checked)} aria-describedby={hint ? `${id}-hint` : undefined} />
      <label htmlFor={id}>{label}</label>
      {hint ? <small id={`${id}-hint`} className="hint">{hint}</small> : null}
    </div>
  )
}
