import { describe, expect, test } from 'bun:test'
import { initialState, isStale, reducer, statusForProblem, type TuiState } from '../../tui/state/reducer'
import type { Overview, Problem } from '../../tui/client'

const overview = (over: Partial<Overview> = {}): Overview => ({
  version: '1.2.3',
  uptimeSeconds: 60,
  requests: { total: 10, errors: 0, perSecond: 0 },
  urls: { s3: 'http://h:9000', http: 'http://h:9001' }, dataDir: '/d', disk: { freeBytes: 1, totalBytes: 2 }, webhookQueueDepth: 0, background: { gc: null, retention: null },
  bytesIn: 2048,
  bytesOut: 4096,
  rateLimited: 0,
  quotaRejected: 0,
  accounts: 2,
  buckets: 3,
  multipartUploads: 0,
  storage: { logicalBytes: 1000, storedBytes: 900, objects: 5 },
  region: 'eu-central-1',
  ...over,
})

const refused: Problem = { kind: 'unreachable', code: 'ECONNREFUSED', message: 'cannot reach http://127.0.0.1:1: connection refused' }
const rejected: Problem = { kind: 'unauthorized', code: 'Unauthorized', message: 'admin token rejected (401 Unauthorized)', status: 401, requestId: 'A1' }

const loaded = (data: Overview, at: number) => ({ type: 'loaded', resource: 'overview', data, at }) as const
const failed = (problem: Problem, at: number) => ({ type: 'failed', resource: 'overview', problem, at }) as const

describe('initial state', () => {
  test('starts connecting, with no data, no problem and no refresh time', () => {
    const s = initialState()
    expect(s.connection).toBe('connecting')
    expect(s.screen).toBe('overview')
    expect(s.helpOpen).toBe(false)
    expect(s.problem).toBeNull()
    expect(s.lastRefresh).toBeNull()
    expect(s.resources.overview).toEqual({ data: null, problem: null, updatedAt: null })
  })
})

describe('loaded', () => {
  test('stores the data, goes online and records the refresh time', () => {
    const s = reducer(initialState(), loaded(overview(), 1000))
    expect(s.connection).toBe('online')
    expect(s.resources.overview.data?.version).toBe('1.2.3')
    expect(s.resources.overview.updatedAt).toBe(1000)
    expect(s.lastRefresh).toBe(1000)
    expect(s.problem).toBeNull()
  })

  test('keeps the previous data object when the values are the same (memoized views skip rendering)', () => {
    const first = reducer(initialState(), loaded(overview(), 1000))
    const second = reducer(first, loaded(overview(), 3000))
    expect(second.resources.overview.data).toBe(first.resources.overview.data!)
    expect(second.lastRefresh).toBe(3000)
  })

  test('replaces the data object when any nested value changed', () => {
    const first = reducer(initialState(), loaded(overview(), 1000))
    const second = reducer(first, loaded(overview({ storage: { logicalBytes: 1000, storedBytes: 901, objects: 5 } }), 3000))
    expect(second.resources.overview.data).not.toBe(first.resources.overview.data!)
    expect(second.resources.overview.data?.storage.storedBytes).toBe(901)
  })

  test('clears a previous problem and goes back online', () => {
    let s = reducer(initialState(), failed(refused, 1000))
    s = reducer(s, loaded(overview(), 3000))
    expect(s.connection).toBe('online')
    expect(s.problem).toBeNull()
    expect(s.problemSince).toBeNull()
    expect(s.resources.overview.problem).toBeNull()
    expect(isStale(s, 'overview')).toBe(false)
  })
})

describe('failed', () => {
  test('an unreachable server sets the status, the problem and when it started', () => {
    const s = reducer(initialState(), failed(refused, 1000))
    expect(s.connection).toBe('unreachable')
    expect(s.problem).toEqual(refused)
    expect(s.problemSince).toBe(1000)
    expect(s.lastRefresh).toBeNull()
    expect(s.resources.overview.data).toBeNull()
  })

  test('a rejected token is its own status', () => {
    const s = reducer(initialState(), failed(rejected, 1000))
    expect(s.connection).toBe('unauthorized')
    expect(s.problem?.message).toBe('admin token rejected (401 Unauthorized)')
  })

  test('keeps the last good data, marked stale, with its refresh time', () => {
    let s = reducer(initialState(), loaded(overview(), 1000))
    s = reducer(s, failed(refused, 3000))
    expect(s.resources.overview.data?.requests.total).toBe(10)
    expect(s.resources.overview.updatedAt).toBe(1000)
    expect(s.lastRefresh).toBe(1000)
    expect(isStale(s, 'overview')).toBe(true)
  })

  test('the same failure again returns the very same state (no re-render while the server stays down)', () => {
    const s1 = reducer(initialState(), failed(refused, 1000))
    const s2 = reducer(s1, failed({ ...refused }, 3000))
    expect(s2).toBe(s1)
    expect(s2.problemSince).toBe(1000)
  })

  test('a request id alone does not make a failure new', () => {
    const s1 = reducer(initialState(), failed(rejected, 1000))
    const s2 = reducer(s1, failed({ ...rejected, requestId: 'B2' }, 3000))
    expect(s2).toBe(s1)
  })

  test('a different failure replaces the problem; a new status restarts "since"', () => {
    const s1 = reducer(initialState(), failed(refused, 1000))
    const s2 = reducer(s1, failed(rejected, 3000))
    expect(s2.connection).toBe('unauthorized')
    expect(s2.problem).toEqual(rejected)
    expect(s2.problemSince).toBe(3000)
  })

  test('a different message with the same status keeps "since"', () => {
    const s1 = reducer(initialState(), failed(refused, 1000))
    const s2 = reducer(s1, failed({ kind: 'timeout', code: 'Timeout', message: 'cannot reach http://127.0.0.1:1: no answer in time' }, 3000))
    expect(s2.connection).toBe('unreachable')
    expect(s2.problem?.code).toBe('Timeout')
    expect(s2.problemSince).toBe(1000)
  })

  test('maps every problem kind to a connection status', () => {
    const status = (kind: Problem['kind']) => statusForProblem({ kind, code: 'X', message: 'x' })
    expect(status('unreachable')).toBe('unreachable')
    expect(status('timeout')).toBe('unreachable')
    expect(status('unauthorized')).toBe('unauthorized')
    expect(status('forbidden')).toBe('unauthorized')
    expect(status('server')).toBe('failing')
    expect(status('protocol')).toBe('failing')
  })
})

describe('help and screens', () => {
  test('toggleHelp opens and closes; closeHelp is a no-op when closed', () => {
    const s0 = initialState()
    const s1 = reducer(s0, { type: 'toggleHelp' })
    expect(s1.helpOpen).toBe(true)
    expect(reducer(s1, { type: 'toggleHelp' }).helpOpen).toBe(false)
    expect(reducer(s1, { type: 'closeHelp' }).helpOpen).toBe(false)
    expect(reducer(s0, { type: 'closeHelp' })).toBe(s0)
  })

  test('showScreen switches and closes help; the current screen is a no-op', () => {
    const s0 = initialState()
    expect(reducer(s0, { type: 'showScreen', screen: 'overview' })).toBe(s0)
    const withHelp: TuiState = reducer(s0, { type: 'toggleHelp' })
    const s2 = reducer(withHelp, { type: 'showScreen', screen: 'overview' })
    expect(s2.helpOpen).toBe(false)
    expect(s2.screen).toBe('overview')
  })

  test('does not mutate the previous state', () => {
    const s0 = initialState()
    const frozen = JSON.stringify(s0)
    reducer(s0, loaded(overview(), 1000))
    reducer(s0, failed(refused, 1000))
    reducer(s0, { type: 'toggleHelp' })
    expect(JSON.stringify(s0)).toBe(frozen)
  })
})

describe('unchanged refresh', () => {
  test('the same data at the same time returns the very same state', () => {
    const s1 = reducer(initialState(), loaded(overview(), 1000))
    expect(reducer(s1, loaded(overview(), 1000))).toBe(s1)
    expect(reducer(s1, loaded(overview(), 1001))).not.toBe(s1)
  })
})
