import type { ApiClient } from './client'
import type { Mutation, MutationResult } from './state/accounts'

/** Sends a change the reducer asked for; the App reports the outcome back as an action. */
export async function performMutation(client: ApiClient, m: Mutation): Promise<MutationResult> {
  switch (m.op) {
    case 'updateAccount': return { op: m.op, account: await client.updateAccount(m.id, m.patch) }
    case 'createAccount': return { op: m.op, created: await client.createAccount(m.input) }
    case 'deleteAccount': await client.deleteAccount(m.id); return { op: m.op, id: m.id }
  }
}
