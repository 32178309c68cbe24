import type { BucketPatch, NewWebhook, WebhookPatch } from '../api'
import type { NewShare } from '../api'

/**
 * The changes (and one-off reads) the new screens ask for, described as data: the reducer stays
 * pure, the App sends them (tui/mutations.ts) and reports back with mutationDone /
 * mutationFailed, which settle.ts turns into the next state.
 */
export type OpRequest =
  | { op: 'createKey'; name: string; s3Url: string | null; region: string | null }
  | { op: 'revokeKey'; id: string }
  | { op: 'createBucket'; name: string }
  | { op: 'updateBucket'; name: string; patch: BucketPatch; done: string }
  | { op: 'deleteBucket'; name: string; force: boolean }
  /** Reads the bucket's CORS rules into the editor. */
  | { op: 'editCors'; name: string }
  | { op: 'objectDetails'; bucket: string; key: string; versionId?: string }
  | { op: 'deleteObject'; bucket: string; key: string }
  | { op: 'copyUrl'; bucket: string; key: string; expiresIn: number }
  | { op: 'restore'; versionId: string; key: string; versionNumber: number }
  | { op: 'purge'; bucket: string; key: string }
  | { op: 'undelete'; bucket: string; key: string }
  | { op: 'preview'; versionId: string; key: string; versionNumber: number }
  | { op: 'compare'; from: string; to: string; key: string }
  | { op: 'createWebhook'; body: NewWebhook }
  | { op: 'updateWebhook'; body: WebhookPatch; done: string }
  | { op: 'deleteWebhook'; id: string; url: string }
  | { op: 'testWebhook'; id: string; url: string }
  | { op: 'redeliver'; id: string; deliveryId: number }
  | { op: 'rotateWebhookSecret'; id: string; url: string }
  | { op: 'createShare'; body: NewShare }
  | { op: 'revokeShare'; id: string; key: string }
  /** Reads the appliance's plans into the account's plan form. */
  | { op: 'accountPlans'; id: string; email: string; plan: string }
  | { op: 'setAccount'; id: string; email: string; patch: { plan?: string | null; isAdmin?: boolean }; done: string }
  | { op: 'resetPassword'; id: string; email: string; password: string }

export type OpName = OpRequest['op']

/** What a finished request answered (its shape per op is read in settle.ts). */
export interface OpResult { op: OpName; value: unknown }

/** Accounts' own operations (state/accounts.ts), kept apart: that screen settles them itself. */
export const ACCOUNT_OPS = new Set(['updateAccount', 'createAccount', 'deleteAccount'])
