import type { Account, Overview, Problem, ProblemKind } from '../client'
import { shareEqual } from './equal'
import { accountsReducer, initialAccountsView, type AccountsAction, type AccountsView, type Mutation } from './accounts'

/**
 * Server data the screens show, keyed by resource. A new screen adds its resource here, a
 * loader in screens/registry.ts, and reads `state.resources.<key>`; the reducer needs no change.
 */
export interface Resources {
  overview: Overview
  accounts: Account[]
}
export type ResourceKey = keyof Resources

export type ScreenId = 'overview' | 'accounts'

/**
 * `connecting` until the first answer; then the outcome of the latest request. `unauthorized`
 * covers 401 and 403: in both the server is fine and the credentials are the problem.
 */
export type ConnectionStatus = 'connecting' | 'online' | 'unreachable' | 'unauthorized' | 'failing'

export interface ResourceState<T> {
  /** The last good data; kept (and shown as stale) while requests fail. */
  data: T | null
  problem: Problem | null
  /** When `data` was last fetched successfully (ms since epoch). */
  updatedAt: number | null
}

export interface TuiState {
  screen: ScreenId
  helpOpen: boolean
  connection: ConnectionStatus
  /** The latest failure across resources, or null once a request succeeds. */
  problem: Problem | null
  /** When the current problem started, so "down since 14:02" survives repeated failures. */
  problemSince: number | null
  /** Last successful refresh of any resource. */
  lastRefresh: number | null
  resources: { [K in ResourceKey]: ResourceState<Resources[K]> }
  /** The Accounts screen: selection, scroll, open dialog, last action's outcome. */
  accounts: AccountsView
  /** A change the App is sending to the server; screens wait for its answer. */
  pending: Mutation | null
  /** Numbers mutations, so an answer is matched to the request that is still waiting for it. */
  nextSeq: number
}

type LoadedAction = { [K in ResourceKey]: { type: 'loaded'; resource: K; data: Resources[K]; at: number } }[ResourceKey]

export type Action =
  | LoadedAction
  | { type: 'failed'; resource: ResourceKey; problem: Problem; at: number }
  | { type: 'toggleHelp' }
  | { type: 'closeHelp' }
  | { type: 'showScreen'; screen: ScreenId }
  | AccountsAction

const emptyResource = <T>(): ResourceState<T> => ({ data: null, problem: null, updatedAt: null })

export function initialState(screen: ScreenId = 'overview'): TuiState {
  return {
    screen,
    helpOpen: false,
    connection: 'connecting',
    problem: null,
    problemSince: null,
    lastRefresh: null,
    resources: { overview: emptyResource(), accounts: emptyResource() },
    accounts: initialAccountsView(),
    pending: null,
    nextSeq: 1,
  }
}

const STATUS_FOR: Record<ProblemKind, ConnectionStatus> = {
  unreachable: 'unreachable',
  timeout: 'unreachable',
  unauthorized: 'unauthorized',
  forbidden: 'unauthorized',
  server: 'failing',
  protocol: 'failing',
}

export function statusForProblem(p: Problem): ConnectionStatus {
  return STATUS_FOR[p.kind]
}

/** Same Problem apart from per-request noise (request ids differ on every failure). */
function sameProblem(a: Problem | null, b: Problem | null): boolean {
  if (a === null || b === null) return a === b
  return a.kind === b.kind && a.code === b.code && a.message === b.message && a.status === b.status && a.hint === b.hint
}

/**
 * Pure. Returns the previous state object (or sub-objects) whenever nothing visible changed, so
 * a poll that brings identical data, or the same failure again, does not re-render anything.
 */
export function reducer(state: TuiState, action: Action): TuiState {
  switch (action.type) {
    case 'loaded': {
      const prev = state.resources[action.resource] as ResourceState<unknown>
      // Unchanged parts keep their identity (rows by id), so only what changed re-renders.
      const data = shareEqual(prev.data, action.data)
      const unchanged = data === prev.data && prev.problem === null && prev.updatedAt === action.at &&
        state.connection === 'online' && state.lastRefresh === action.at
      if (unchanged) return state
      const next: ResourceState<unknown> = { data, problem: null, updatedAt: action.at }
      return {
        ...state,
        connection: 'online',
        problem: null,
        problemSince: null,
        lastRefresh: action.at,
        resources: { ...state.resources, [action.resource]: next } as TuiState['resources'],
      }
    }
    case 'failed': {
      const prev = state.resources[action.resource] as ResourceState<unknown>
      const connection = statusForProblem(action.problem)
      if (sameProblem(prev.problem, action.problem) && sameProblem(state.problem, action.problem) && state.connection === connection) return state
      const problem = sameProblem(state.problem, action.problem) ? state.problem : action.problem
      const continuing = state.problem !== null && state.connection === connection
      return {
        ...state,
        connection,
        problem,
        problemSince: continuing ? state.problemSince : action.at,
        resources: { ...state.resources, [action.resource]: { ...prev, problem: action.problem } } as TuiState['resources'],
      }
    }
    case 'toggleHelp':
      return { ...state, helpOpen: !state.helpOpen }
    case 'closeHelp':
      return state.helpOpen ? { ...state, helpOpen: false } : state
    case 'showScreen':
      return state.screen === action.screen && !state.helpOpen ? state : { ...state, screen: action.screen, helpOpen: false }
    default:
      return accountsReducer(state, action)
  }
}

/** Data that is shown although the latest refresh failed. */
export function isStale<K extends ResourceKey>(state: TuiState, key: K): boolean {
  const r = state.resources[key]
  return r.data !== null && r.problem !== null
}
