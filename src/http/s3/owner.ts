import type { S3Call } from './call'
import { el } from './xml'

/** `<ID>` and `<DisplayName>` of an account, as S3 shows owners and initiators. */
export const ownerFields = (c: S3Call, accountId: string) => el('ID', accountId) + el('DisplayName', c.ctx.services.accounts.displayName(accountId))

/** `<Owner>…</Owner>` of an account. */
export const ownerXml = (c: S3Call, accountId: string) => `<Owner>${ownerFields(c, accountId)}</Owner>`
