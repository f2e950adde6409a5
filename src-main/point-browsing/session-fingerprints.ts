import crypto from 'node:crypto';
import type { SqliteDatabase } from '../db/connection';

/**
 * Per-session fingerprints of one database (a point or the live file), streamed in message
 * order so a diff compares a few hashes per session instead of every message. Read inside one
 * read transaction so the live file cannot change between the two passes.
 */

export interface SessionFingerprint {
  id: string;
  title: string;
  messageCount: number;
  /** created_at of the newest message, or null for an empty session. */
  lastMessageAt: number | null;
  updatedAt: number;
  /** Hash of the session row itself (title, model, tokens, metadata...). */
  rowHash: string;
  /** Hash of the ordered message ids with each message's content hash. */
  messagesHash: string;
}

export interface SettingFingerprint {
  key: string;
  secret: boolean;
  hash: string;
}

export interface DatabaseFingerprints {
  sessions: SessionFingerprint[];
  settings: SettingFingerprint[];
  messages: number;
}

type Progress = (phase: string, done: number, total: number) => void;

interface MessageHashRow {
  session_id: string;
  id: string;
  sequence: number;
  role: string;
  content: string;
  token_count: number;
  created_at: number;
  metadata: string;
}

const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** Everything that makes a message what it is, except its session (compared by the caller). */
export function messageHash(m: Omit<MessageHashRow, 'session_id' | 'id'>): string {
  return sha(JSON.stringify([m.sequence, m.role, m.content, m.token_count, m.created_at, m.metadata]));
}

const MESSAGE_COLUMNS = 'session_id, id, sequence, role, content, token_count, created_at, metadata';

export function fingerprintDatabase(db: SqliteDatabase, progress?: Progress): DatabaseFingerprints {
  return db.transaction(() => {
    const total = (db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n;
    const byId = new Map<string, { fp: SessionFingerprint; hash: crypto.Hash }>();
    for (const row of db.prepare('SELECT * FROM sessions ORDER BY id').iterate() as IterableIterator<
      Record<string, unknown> & { id: string; title: string; updated_at: number }
    >) {
      byId.set(row.id, {
        fp: {
          id: row.id,
          title: row.title,
          messageCount: 0,
          lastMessageAt: null,
          updatedAt: row.updated_at,
          rowHash: sha(JSON.stringify(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1)))),
          messagesHash: '',
        },
        hash: crypto.createHash('sha256'),
      });
    }
    let done = 0;
    const messages = db
      .prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages ORDER BY session_id, sequence`)
      .iterate() as IterableIterator<MessageHashRow>;
    for (const m of messages) {
      const s = byId.get(m.session_id);
      if (s) {
        s.hash.update(`${m.id}\0${messageHash(m)}\n`);
        s.fp.messageCount++;
        if (s.fp.lastMessageAt === null || m.created_at > s.fp.lastMessageAt) s.fp.lastMessageAt = m.created_at;
      }
      if (++done % 5000 === 0) progress?.('fingerprint', done, total);
    }
    progress?.('fingerprint', total, total);
    const sessions = [...byId.values()].map(({ fp, hash }) => ({ ...fp, messagesHash: hash.digest('hex') }));
    const settings = (
      db.prepare('SELECT key, value, secret FROM settings ORDER BY key').all() as {
        key: string;
        value: string;
        secret: number;
      }[]
    ).map((r) => ({ key: r.key, secret: r.secret === 1, hash: sha(r.value) }));
    return { sessions, settings, messages: total };
  })();
}

/** Message id → content hash, for the sessions whose fingerprints differ. */
export function messageHashesFor(db: SqliteDatabase, sessionIds: readonly string[]): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const stmt = db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY sequence`);
  db.transaction(() => {
    for (const id of sessionIds) {
      const map = new Map<string, string>();
      for (const m of stmt.iterate(id) as IterableIterator<MessageHashRow>) map.set(m.id, messageHash(m));
      out.set(id, map);
    }
  })();
  return out;
}

export interface FoundSession {
  id: string;
  title: string;
  messageCount: number;
  lastMessageAt: number | null;
  /** Whether the text was found in a message rather than (only) the title. */
  inMessages: boolean;
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`;

/** Sessions whose title or any message contains `text` (case-insensitive for ASCII), newest first. */
export function searchSessions(db: SqliteDatabase, text: string, limit: number): FoundSession[] {
  const pattern = likePattern(text);
  const rows = db
    .prepare(
      `SELECT s.id, s.title,
              (SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id) AS message_count,
              (SELECT MAX(created_at) FROM messages m WHERE m.session_id = s.id) AS last_message_at,
              EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id AND m.content LIKE ? ESCAPE '\\') AS in_messages
       FROM sessions s
       WHERE s.title LIKE ? ESCAPE '\\'
          OR EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id AND m.content LIKE ? ESCAPE '\\')
       ORDER BY s.updated_at DESC, s.id LIMIT ?`,
    )
    .all(pattern, pattern, pattern, limit) as {
    id: string;
    title: string;
    message_count: number;
    last_message_at: number | null;
    in_messages: number;
  }[];
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    messageCount: r.message_count,
    lastMessageAt: r.last_message_at,
    inMessages: r.in_messages === 1,
  }));
}
