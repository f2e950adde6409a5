import { newRowId } from '../../core/ids';
import type { SqliteDatabase } from '../connection';
import { parseJsonObject, type JsonObject } from './json-column';
import type { SessionRow as SessionTableRow } from './transfer';

export interface Session {
  id: string;
  title: string;
  model: string;
  createdAt: number;
  updatedAt: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
  starred: boolean;
  metadata: JsonObject;
}

export interface SessionSummary extends Session {
  messageCount: number;
}

interface SessionRow extends SessionTableRow {
  message_count?: number;
}

function fromRow(r: SessionRow): Session {
  return {
    id: r.id,
    title: r.title,
    model: r.model,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    totalTokens: r.total_tokens,
    costUsd: r.cost_usd,
    starred: r.starred === 1,
    metadata: parseJsonObject(r.metadata),
  };
}

export interface NewSession {
  id?: string;
  title: string;
  model?: string;
  createdAt?: number;
  starred?: boolean;
  metadata?: JsonObject;
}

export class SessionsRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  create(input: NewSession): Session {
    const at = input.createdAt ?? this.now();
    const id = input.id ?? newRowId();
    this.db
      .prepare(
        `INSERT INTO sessions (id, title, model, created_at, updated_at, starred, metadata)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, input.title, input.model ?? '', at, at, input.starred ? 1 : 0, JSON.stringify(input.metadata ?? {}));
    return this.get(id)!;
  }

  get(id: string): Session | null {
    const row = this.db.prepare(`SELECT * FROM sessions WHERE id = ?`).get(id) as SessionRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** Newest first; `search` matches the title, case-insensitively. */
  list(opts: { search?: string; limit?: number; offset?: number } = {}): SessionSummary[] {
    const where = opts.search ? `WHERE s.title LIKE ? ESCAPE '\\'` : '';
    const params: unknown[] = [];
    if (opts.search) params.push(`%${opts.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
    params.push(opts.limit ?? -1, opts.offset ?? 0);
    const rows = this.db
      .prepare(
        `SELECT s.*, (SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id) AS message_count
         FROM sessions s ${where} ORDER BY s.updated_at DESC, s.id LIMIT ? OFFSET ?`,
      )
      .all(...params) as SessionRow[];
    return rows.map((r) => ({ ...fromRow(r), messageCount: r.message_count ?? 0 }));
  }

  rename(id: string, title: string): boolean {
    return (
      this.db.prepare(`UPDATE sessions SET title = ?, updated_at = ? WHERE id = ?`).run(title, this.now(), id).changes >
      0
    );
  }

  setStarred(id: string, starred: boolean): boolean {
    return (
      this.db
        .prepare(`UPDATE sessions SET starred = ?, updated_at = ? WHERE id = ?`)
        .run(starred ? 1 : 0, this.now(), id).changes > 0
    );
  }

  /** Messages go with it (ON DELETE CASCADE). */
  delete(id: string): boolean {
    return this.db.prepare(`DELETE FROM sessions WHERE id = ?`).run(id).changes > 0;
  }

  count(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM sessions`).get() as { n: number }).n;
  }
}
