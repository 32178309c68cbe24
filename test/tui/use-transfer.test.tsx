/**
 * useTransfer, the effect that moves a transfer's bytes, with a runner the test controls: which
 * renders start a transfer, which do not.
 */
import { describe, expect, test } from 'bun:test'
import React from 'react'
import { Text } from 'ink'
import { useTransfer } from '../../tui/hooks/use-transfer'
import type { ApiClient } from '../../tui/client'
import type { Action } from '../../tui/state/reducer'
import type { Transfer } from '../../tui/state/transfer'
import type { runTransfer } from '../../tui/transfer'
import { renderInTerminal, waitForFrame } from './ink-harness'

const client = {} as ApiClient
const now = () => 0
const noop = () => {}

function upload(id: number, over: Partial<Transfer> = {}): Transfer {
  return { id, request: { kind: 'upload', path: '/tmp/a.bin', bucket: 'b', key: 'a.bin' }, status: 'running', total: 700, done: 0, startedAt: 0, at: 0, rate: 0, error: null, ...over }
}

/** A runner that records each start and finishes when the test says so. */
function controlledRunner() {
  const runs: Array<{ id: string; signal: AbortSignal; finish: () => void }> = []
  const run: typeof runTransfer = (_client, request, signal) => new Promise<void>((resolve, reject) => {
    runs.push({ id: request.key, signal, finish: resolve })
    signal.addEventListener('abort', () => reject(new Error('aborted')))
  })
  return { runs, run }
}

function Probe({ transfer, run, actions }: { transfer: Transfer | null; run: typeof runTransfer; actions: Action[] }) {
  useTransfer(client, transfer, (a) => actions.push(a), now, noop, run)
  return <Text>{transfer ? `transfer ${transfer.id} ${transfer.status} ${transfer.done}` : 'no transfer'}</Text>
}

/** After a rerender: its commit's effects run before a setImmediate queued after them. */
const effectsRan = () => new Promise<void>((r) => setImmediate(r))

describe('useTransfer', () => {
  test('runs a transfer once, even when a render still shows it running after it ended', async () => {
    const { runs, run } = controlledRunner()
    const actions: Action[] = []
    const t = renderInTerminal(<Probe transfer={upload(1)} run={run} actions={actions} />, 80, 10)
    await waitForFrame(t.lastFrame, (f) => f.includes('transfer 1 running 0'), 'the first frame')
    await effectsRan()
    expect(runs.length).toBe(1)

    // The bytes are all sent; the runner's last progress report commits after its end (the
    // order the compiled TUI showed): the transfer is still "running" in that render.
    runs[0].finish()
    while (!actions.some((a) => a.type === 'transfer/finished')) await effectsRan()
    await effectsRan()
    t.instance.rerender(<Probe transfer={upload(1, { done: 700 })} run={run} actions={actions} />)
    await waitForFrame(t.lastFrame, (f) => f.includes('transfer 1 running 700'), 'the late progress')
    await effectsRan()
    expect(runs.length).toBe(1)
    t.instance.rerender(<Probe transfer={upload(1, { done: 700, status: 'done' })} run={run} actions={actions} />)
    await waitForFrame(t.lastFrame, (f) => f.includes('transfer 1 done 700'), 'the end')
    await effectsRan()
    expect(runs.length).toBe(1)
    expect(actions.filter((a) => a.type === 'transfer/finished')).toEqual([{ type: 'transfer/finished', id: 1, at: 0 }])

    // The next transfer starts; cancelling it aborts its runner.
    t.instance.rerender(<Probe transfer={upload(2)} run={run} actions={actions} />)
    await waitForFrame(t.lastFrame, (f) => f.includes('transfer 2 running 0'), 'the second transfer')
    await effectsRan()
    expect(runs.length).toBe(2)
    t.instance.rerender(<Probe transfer={upload(2, { status: 'cancelled' })} run={run} actions={actions} />)
    await waitForFrame(t.lastFrame, (f) => f.includes('transfer 2 cancelled'), 'cancelled')
    await effectsRan()
    expect(runs[1].signal.aborted).toBe(true)
    expect(runs.length).toBe(2)
    t.instance.unmount()
  })
})
