import { useEffect, useRef, type Dispatch } from 'react'
import type { ApiClient } from '../client'
import type { Action } from '../state/reducer'
import type { Transfer } from '../state/transfer'
import { runTransfer } from '../transfer'

/**
 * Runs the transfer the reducer started (state.transfer, status running), reporting progress as
 * actions; cancelling (status cancelled) aborts it. `done` runs when it ends well (a refresh).
 * `run` moves the bytes (tests pass their own).
 */
export function useTransfer(client: ApiClient, transfer: Transfer | null, dispatch: Dispatch<Action>, now: () => number, done: () => void, run: typeof runTransfer = runTransfer) {
  const running = useRef<{ id: number; controller: AbortController } | null>(null)
  // Each transfer runs once. Transfer ids only grow, so the last one started says which have
  // been: a render that still shows a finished transfer as running (its last progress report
  // committed after it ended, before its end did) must not start it again.
  const started = useRef(0)
  useEffect(() => {
    if (!transfer) return
    const cur = running.current
    if (transfer.status === 'cancelled' && cur?.id === transfer.id) {
      cur.controller.abort()
      return
    }
    if (transfer.status !== 'running' || transfer.id <= started.current) return
    const controller = new AbortController()
    const id = transfer.id
    started.current = id
    running.current = { id, controller }
    run(client, transfer.request, controller.signal, (d, total) => dispatch({ type: 'transfer/progress', id, done: d, total, at: now() })).then(
      () => { dispatch({ type: 'transfer/finished', id, at: now() }); done() },
      (e: unknown) => {
        if (!controller.signal.aborted) dispatch({ type: 'transfer/failed', id, error: (e as Error)?.message ?? String(e), at: now() })
      },
    ).finally(() => { if (running.current?.id === id) running.current = null })
  }, [transfer, client, dispatch, now, done, run])
  // A transfer still running when the TUI closes is aborted (a multipart upload aborts itself).
  useEffect(() => () => running.current?.controller.abort(), [])
}
