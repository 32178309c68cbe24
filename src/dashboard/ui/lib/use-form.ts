import { useState, type FormEvent } from 'react'
import { messageOf } from '../api'

/**
 * The state every form that calls the server keeps: `busy` while the call runs (its submit button
 * disabled, so a double click sends once), the error to show, and a success message.
 * `submit(action)` is the form's onSubmit: the action throws (an API error, or an Error with a
 * message for a check of its own) to show an error, and may return the success message.
 * `setError` serves the page's other buttons that report in the same place.
 */
export function useForm() {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [ok, setOk] = useState<string | null>(null)
  const submit = (action: () => Promise<string | void>) => async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    setOk(null)
    try {
      const message = await action()
      if (message) setOk(message)
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, setError, ok, setOk, submit }
}
