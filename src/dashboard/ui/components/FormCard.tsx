import type { FormEvent, ReactNode } from 'react'
import { Notice } from './Notice'

/**
 * A form of its own on a page: a card named by its heading (aria-labelledby `id`), with its last
 * submit's error and success message above the fields (useForm's `error` and `ok`). The fields and
 * the buttons are the children.
 */
export function FormCard({ id, title, onSubmit, error, ok, children }: {
  id: string; title: string; onSubmit: (e: FormEvent) => void; error?: string | null; ok?: string | null; children: ReactNode
}) {
  return (
    <form className="card form" aria-labelledby={id} onSubmit={onSubmit}>
      <h2 id={id}>{title}</h2>
      <Notice kind="error">{error}</Notice>
      <Notice kind="ok">{ok}</Notice>
      {children}
    </form>
  )
}
