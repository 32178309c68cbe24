import type { Db } from '../client'

export interface SessionRow {
  idHash: string
  accountId: string
  csrfToken: string
  createdAt: number
  lastSeenAt: number
  expiresAt: number
}

const COLS = 'id_hash AS idHash, account_id AS accountId, csrf_token AS csrfToken, created_at AS createdAt, last_seen_at AS lastSeenAt, expires_at AS expiresAt'

export function sessionsRepo(db: Db) {
  const s = db.sqlite
  const insert = s.prepare('INSERT INTO sessions (id_hash, account_id, csrf_token, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
  const get = s.prepare(`SELECT ${COLS} FROM sessions WHERE id_hash = ?`)
  const touch = s.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?')
  const del = s.prepare('DELETE FROM sessions WHERE id_hash = ?')
  const delAccount = s.prepare('DELETE FROM sessions WHERE account_id = ?')
  const delExpired = s.prepare('DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?')
  return {
    insert: (r: SessionRow) => insert.run(r.idHash, r.accountId, r.csrfToken, r.createdAt, r.lastSeenAt, r.expiresAt),
    get: (idHash: string) => get.get(idHash) as SessionRow | null,
    touch: (idHash: string, now: number) => touch.run(now, idHash),
    delete: (idHash: string) => del.run(idHash),
    deleteForAccount: (accountId: string) => delAccount.run(accountId),
    deleteExpired: (now: number, idleBefore: number) => delExpired.run(now, idleBefore).changes,
  }
}
export type SessionsRepo = ReturnType<typeof sessionsRepo>
