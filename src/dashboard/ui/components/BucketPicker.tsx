import { useBuckets } from '../lib/buckets'
import { Field } from './Field'

/** Choose one of the account's buckets (the list is shared, read once). */
export function BucketPicker({ value, onChange, label = 'Bucket' }: { value: string; onChange: (name: string) => void; label?: string }) {
  const { buckets, error } = useBuckets()
  if (error) return <p role="alert" className="notice notice-error">{error}</p>
  return (
    <Field label={label}>
      {(id) => (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
          {!buckets ? <option value={value}>{value || 'Loading…'}</option> : null}
          {buckets?.map((b) => <option key={b.name} value={b.name}>{b.name}{b.timeMachine ? '' : ' (Time Machine off)'}</option>)}
        </select>
      )}
    </Field>
  )
}
