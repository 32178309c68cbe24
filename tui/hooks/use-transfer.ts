import { useEffect, useRef, type Dispatch } from 'react'
import type { ApiClient } from '../client'
import type { Action } from '../state/reducer'
import type { Transfer } from '../state/transfer'
import { runTransfer } from '../transfer'

/**
 * Runs the transfer the reducer started (state.transfer, status running), reporting progress as
 * actions; cancelling (status cancelled) aborts it. `done` runs when it ends well (a refresh).
 */
export function useTransfer(client: ApiClient, transfer: Transfer | null, dispatch: Dispatch<Action>, now: () => number, done: () => void) {
  const running = useRef<{ id: number; controller: AbortController } | null>(null)
  useEffect(() => {
    if (!transfer) return
    const cur = running.current
    if (transfer.status === 'cancelled' && cur?.id === transfer.id) {
      cur.controller.abort()
      return
    }
    if (transfer.status !== 'running' || cur?.id === transfer.id) return
    const controller = new AbortController()
    const id = transfer.id
    running.current = { id, controller }
    runTransfer(client, transfer.request, controller.signal, (d, total) => dispatch({ type: 'transfer/progress', id, done: d, total, at: now() })).then(
      () => { dispatch({ type: 'transfer/finished', id, at: now() }); done() },
      (e: unknown) => {
        if (!controller.signal.aborted) dispatch({ type: 'transfer/failed', id, error: (e as Error)?.message ?? String(e), at: now() })
      },
    ).finally(() => { if (running.current?.id === id) running.current = null })
  }, [transfer, client, dispatch, now, done])
  // A transfer still running when the TUI closes is aborted (a multipart upload aborts itself).
  useEffect(() => () => running.current?.controller.abort(), [])
}
