import crypto from 'node:crypto';
import type { SqliteDatabase } from '../db/connection';

/**
 * Whole rows of one session, column for column, so a restore writes back exactly what the
 * point holds (a point is migrated to this schema first, so the columns are the live ones).
 */
export type Row = Record<string, unknown>;

export interface SessionRows {
  session: Row & { id: string; title: string };
  messages: (Row & { id: string; session_id: string })[];
}

export function readSessionRows(db: SqliteDatabase, id: string): SessionRows | null {
  const session = db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRows['session'] | undefined;
  if (!session) return null;
  const messages = db
    .prepare('SELECT * FROM messages WHERE session_id = ? ORDER BY sequence')
    .all(id) as SessionRows['messages'];
  return { session, messages };
}

function columnsOf(db: SqliteDatabase, table: string): string[] {
  return (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name);
}

/** Inserts the rows as given; the caller is inside a transaction. */
export function insertSessionRows(db: SqliteDatabase, rows: SessionRows): void {
  const insert = (table: string, row: Row) => {
    const cols = columnsOf(db, table).filter((c) => c in row);
    db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`).run(
      Object.fromEntries(cols.map((c) => [c, row[c]])),
    );
  };
  insert('sessions', rows.session);
  for (const m of rows.messages) insert('messages', m);
}

/** Removes a session and its messages (explicitly, not relying on the connection's foreign_keys setting). */
export function deleteSessionRows(db: SqliteDatabase, id: string): void {
  db.prepare('DELETE FROM messages WHERE session_id = ?').run(id);
  db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
}

/** Message ids of `rows` that the live database already holds in another session. */
export function messageIdsTakenElsewhere(db: SqliteDatabase, rows: SessionRows): string[] {
  const stmt = db.prepare('SELECT session_id FROM messages WHERE id = ?');
  return rows.messages
    .filter((m) => {
      const hit = stmt.get(m.id) as { session_id: string } | undefined;
      return hit !== undefined && hit.session_id !== rows.session.id;
    })
    .map((m) => m.id);
}

const rowKey = (r: Row) => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Every column of the session and its messages, hashed: equal hashes mean nothing in it changed. */
export function sessionRowsHash(rows: SessionRows): string {
  const h = crypto.createHash('sha256').update(rowKey(rows.session));
  for (const m of rows.messages) h.update('\n' + rowKey(m));
  return h.digest('hex');
}
