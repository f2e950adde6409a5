import { newRowId } from '../../core/ids';
import type { SqliteDatabase } from '../connection';
import { parseJsonObject, type JsonObject } from './json-column';

export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';

export interface Message {
  id: string;
  sessionId: string;
  sequence: number;
  role: MessageRole;
  content: string;
  tokenCount: number;
  createdAt: number;
  metadata: JsonObject;
}

interface MessageRow {
  id: string;
  session_id: string;
  sequence: number;
  role: MessageRole;
  content: string;
  token_count: number;
  created_at: number;
  metadata: string;
}

function fromRow(r: MessageRow): Message {
  return {
    id: r.id,
    sessionId: r.session_id,
    sequence: r.sequence,
    role: r.role,
    content: r.content,
    tokenCount: r.token_count,
    createdAt: r.created_at,
    metadata: parseJsonObject(r.metadata),
  };
}

export interface NewMessage {
  role: MessageRole;
  content: string;
  tokenCount?: number;
  createdAt?: number;
  metadata?: JsonObject;
}

export class MessagesRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  /** Appends at the next sequence and keeps the session's totals and updated_at in step. */
  append(sessionId: string, input: NewMessage): Message {
    const tx = this.db.transaction(() => {
      const next = (
        this.db
          .prepare(`SELECT COALESCE(MAX(sequence), 0) + 1 AS n FROM messages WHERE session_id = ?`)
          .get(sessionId) as {
          n: number;
        }
      ).n;
      const at = input.createdAt ?? this.now();
      const id = newRowId();
      const tokens = input.tokenCount ?? 0;
      this.db
        .prepare(
          `INSERT INTO messages (id, session_id, sequence, role, content, token_count, created_at, metadata)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, sessionId, next, input.role, input.content, tokens, at, JSON.stringify(input.metadata ?? {}));
      const promptDelta = input.role === 'assistant' ? 0 : tokens;
      const completionDelta = input.role === 'assistant' ? tokens : 0;
      this.db
        .prepare(
          `UPDATE sessions SET updated_at = MAX(updated_at, ?), prompt_tokens = prompt_tokens + ?,
             completion_tokens = completion_tokens + ?, total_tokens = total_tokens + ? WHERE id = ?`,
        )
        .run(at, promptDelta, completionDelta, tokens, sessionId);
      return id;
    });
    return this.get(tx.immediate())!;
  }

  get(id: string): Message | null {
    const row = this.db.prepare(`SELECT * FROM messages WHERE id = ?`).get(id) as MessageRow | undefined;
    return row ? fromRow(row) : null;
  }

  listForSession(sessionId: string, opts: { afterSequence?: number; limit?: number } = {}): Message[] {
    const rows = this.db
      .prepare(`SELECT * FROM messages WHERE session_id = ? AND sequence > ? ORDER BY sequence LIMIT ?`)
      .all(sessionId, opts.afterSequence ?? 0, opts.limit ?? -1) as MessageRow[];
    return rows.map(fromRow);
  }

  /** Streams a session's messages in sequence order without loading them all. */
  *iterateSession(sessionId: string): Generator<Message> {
    const stmt = this.db.prepare(`SELECT * FROM messages WHERE session_id = ? ORDER BY sequence`);
    for (const row of stmt.iterate(sessionId) as IterableIterator<MessageRow>) yield fromRow(row);
  }

  countForSession(sessionId: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM messages WHERE session_id = ?`).get(sessionId) as { n: number })
      .n;
  }
}
