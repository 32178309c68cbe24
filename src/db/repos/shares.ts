import { and, desc, eq, getTableColumns, isNull, lt, or, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { aliased, prepareSelect } from '../prepared'
import { shares } from '../schema'

export type ShareRow = typeof shares.$inferSelect

const ph = sql.placeholder
const COLS = getTableColumns(shares)
/** A share that still serves: not revoked, not ended (expiry and exhaustion are checked by time/count). */
const open = and(isNull(shares.revokedAt), isNull(shares.endedAt))

/** Share links. Lookups by token hash run on every public request: prepared once. */
export function sharesRepo(db: Db) {
  const { orm } = db
  const byId = prepareSelect(db, orm.select(aliased(COLS)).from(shares).where(eq(shares.id, ph('id'))))
  const byTokenHash = prepareSelect(db, orm.select(aliased(COLS)).from(shares).where(eq(shares.tokenHash, ph('tokenHash'))))
  const forAccount = prepareSelect(db, orm.select(aliased(COLS)).from(shares).where(eq(shares.accountId, ph('accountId'))).orderBy(desc(shares.createdAt), desc(shares.id)).limit(ph('limit')))
  // One download slot, taken only while one is free: downloads completed plus those in progress
  // stay within max_downloads however many requests race for the last one.
  const reserve = orm.update(shares).set({ reserved: sql`${shares.reserved} + 1` })
    .where(and(eq(shares.id, ph('id')), open, or(isNull(shares.maxDownloads), lt(sql`${shares.downloads} + ${shares.reserved}`, shares.maxDownloads))))
    .returning({ id: shares.id }).prepare()
  const complete = orm.update(shares).set({ reserved: sql`max(${shares.reserved} - ${ph('held')}, 0)`, downloads: sql`${shares.downloads} + 1` })
    .where(eq(shares.id, ph('id'))).returning({ downloads: shares.downloads }).prepare()
  const release = orm.update(shares).set({ reserved: sql`max(${shares.reserved} - 1, 0)` }).where(eq(shares.id, ph('id'))).prepare()
  const endForKey = orm.update(shares).set({ endedAt: sql`${ph('now')}` })
    .where(and(eq(shares.bucketId, ph('bucketId')), eq(shares.key, ph('key')), eq(shares.isPrefix, sql`0`), isNull(shares.versionId), isNull(shares.endedAt))).prepare()
  const countOpen = prepareSelect(db, orm.select(aliased({ n: sql<number>`count(*)` })).from(shares).where(and(eq(shares.accountId, ph('accountId')), isNull(shares.revokedAt))))
  const anySealed = prepareSelect(db, orm.select(aliased({ x: sql`1` })).from(shares).limit(1))
  return {
    insert: (row: ShareRow) => orm.insert(shares).values(row).run(),
    byId: (id: string): ShareRow | null => byId.get({ id }) ?? null,
    byTokenHash: (tokenHash: string): ShareRow | null => byTokenHash.get({ tokenHash }) ?? null,
    /** The account's shares, newest first. */
    forAccount: (accountId: string, limit: number): ShareRow[] => forAccount.all({ accountId, limit }),
    /** Shares not revoked, for the per-account cap. */
    countNotRevoked: (accountId: string): number => countOpen.get({ accountId })!.n,
    revoke: (id: string, now: number) => orm.update(shares).set({ revokedAt: now }).where(and(eq(shares.id, id), isNull(shares.revokedAt))).run(),
    /** Takes a download slot; false when none is free (or the share stopped serving). */
    reserve: (id: string): boolean => reserve.all({ id }).length > 0,
    /** A download finished: its slot (if it held one) becomes a completed download; returns the new count. */
    complete: (id: string, heldSlot: boolean): number => complete.get({ id, held: heldSlot ? 1 : 0 })?.downloads ?? 0,
    /** A download stopped early: its slot is free again. */
    release: (id: string) => release.run({ id }),
    /** The key was deleted: its shares (not prefix shares, not pinned ones: see the service) end. */
    endForKey: (bucketId: string, key: string, now: number) => endForKey.run({ bucketId, key, now }),
    /** Slots held by downloads of a previous run (a crash or stop mid-download) are free again. */
    resetReservations: () => orm.update(shares).set({ reserved: 0 }).where(sql`${shares.reserved} <> 0`).run(),
    /** Any share exists: its token is sealed under the master key (startup must not mint a new key then). */
    anySealed: () => anySealed.get() !== undefined,
  }
}
export type SharesRepo = ReturnType<typeof sharesRepo>
