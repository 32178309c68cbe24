import type { ButtonHTMLAttributes } from 'react'

/**
 * A small button beside something it acts on (a row, a version, an upload). `what` names that
 * something for screen readers only, after the visible text: a list of “Revoke” buttons is read as
 * “Revoke AKIA…”, “Revoke AKIB…”, and the visible word stays the start of the name (WCAG 2.5.3),
 * as CopyButton's `what` does.
 */
export function SmallButton({ variant, what, children, ...rest }: {
  variant?: 'primary' | 'danger'; what?: string
} & Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type' | 'className'>) {
  return (
    <button type="button" className={variant ? `btn btn-small btn-${variant}` : 'btn btn-small'} {...rest}>
      {children}
      {what !== undefined ? <span className="offscreen"> {what}</span> : null}
    </button>
  )
}
