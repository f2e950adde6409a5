import type { SqliteDatabase } from '../connection';

/**
 * SQL for session archives and the full JSON export/import (src-main/archives, src-main/full-export).
 * Rows stay in their raw column form here; the transfer code owns the file formats.
 */

export interface SessionRow {
  id: string;
  title: string;
  model: string;
  created_at: number;
  updated_at: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_usd: number;
  starred: number;
  metadata: string;
}

export interface MessageRow {
  id: string;
  session_id: string;
  sequence: number;
  role: string;
  content: string;
  token_count: number;
  created_at: number;
  metadata: string;
}

export function readSessionRow(db: SqliteDatabase, id: string): SessionRow | undefined {
  return db
    .prepare(
      `SELECT id, title, model, created_at, updated_at, prompt_tokens, completion_tokens, total_tokens, cost_usd,
              starred, metadata FROM sessions WHERE id = ?`,
    )
    .get(id) as SessionRow | undefined;
}

export function countSessionMessages(db: SqliteDatabase, sessionId: string): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM messages WHERE session_id = ?`).get(sessionId) as { n: number }).n;
}

export function iterateSessionMessages(db: SqliteDatabase, sessionId: string): IterableIterator<MessageRow> {
  return db
    .prepare(
      `SELECT id, session_id, sequence, role, content, token_count, created_at, metadata
       FROM messages WHERE session_id = ? ORDER BY sequence`,
    )
    .iterate(sessionId) as IterableIterator<MessageRow>;
}

/** The session an earlier import of the archive with this content hash created, if any. */
export function findSessionByArchiveHash(
  db: SqliteDatabase,
  sha256: string,
): { id: string; title: string } | undefined {
  return db
    .prepare(
      `SELECT id, title FROM sessions WHERE json_extract(metadata, '$.archive.sha256') = ? ORDER BY created_at LIMIT 1`,
    )
    .get(sha256) as { id: string; title: string } | undefined;
}

/**
 * Validated messages wait in a TEMP table (a separate temporary file, never the user's
 * database) until the whole archive has been checked.
 */
export class MessageStaging {
  private readonly insert;
  constructor(private readonly db: SqliteDatabase) {
    db.pragma('temp_store = FILE');
    db.exec(`DROP TABLE IF EXISTS temp.staged_messages;
      CREATE TEMP TABLE staged_messages (
        sequence INTEGER PRIMARY KEY, id TEXT NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
        token_count INTEGER NOT NULL, created_at INTEGER NOT NULL, metadata TEXT NOT NULL)`);
    this.insert = db.prepare(
      `INSERT INTO temp.staged_messages (sequence, id, role, content, token_count, created_at, metadata)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
  }
  stage(m: Omit<MessageRow, 'session_id'>): void {
    this.insert.run(m.sequence, m.id, m.role, m.content, m.token_count, m.created_at, m.metadata);
  }
  /** Copies staged rows with sequence in [from, to] into the live messages table. */
  copyRange(sessionId: string, from: number, to: number): number {
    return this.db
      .prepare(
        `INSERT INTO main.messages (id, session_id, sequence, role, content, token_count, created_at, metadata)
         SELECT id, ?, sequence, role, content, token_count, created_at, metadata FROM temp.staged_messages
         WHERE sequence BETWEEN ? AND ? ORDER BY sequence`,
      )
      .run(sessionId, from, to).changes;
  }
  drop(): void {
    this.db.exec(`DROP TABLE IF EXISTS temp.staged_messages`);
  }
}

export function insertSessionRow(db: SqliteDatabase, s: SessionRow): void {
  db.prepare(
    `INSERT INTO sessions (id, title, model, created_at, updated_at, prompt_tokens, completion_tokens, total_tokens,
       cost_usd, starred, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    s.id,
    s.title,
    s.model,
    s.created_at,
    s.updated_at,
    s.prompt_tokens,
    s.completion_tokens,
    s.total_tokens,
    s.cost_usd,
    s.starred,
    s.metadata,
  );
}

// ---- full export / import ----

export interface TableInfo {
  name: string;
  columns: string[];
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Every user table (SQLite's own sqlite_* tables are rebuilt by SQLite), by name. */
export function listTables(db: SqliteDatabase): TableInfo[] {
  const names = db
    .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    .all() as { name: string }[];
  return names.map(({ name }) => ({
    name,
    columns: (db.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).all(name) as { name: string }[]).map(
      (c) => c.name,
    ),
  }));
}

export function countRows(db: SqliteDatabase, table: string): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${quote(table)}`).get() as { n: number }).n;
}

/** Rows as arrays of column values, in rowid order where there is one. */
export function iterateTableRows(db: SqliteDatabase, table: TableInfo): IterableIterator<unknown[]> {
  const withoutRowid =
    (
      db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`).get(table.name) as {
        sql: string;
      }
    ).sql.match(/WITHOUT\s+ROWID/i) !== null;
  return db
    .prepare(
      `SELECT ${table.columns.map(quote).join(', ')} FROM ${quote(table.name)}${withoutRowid ? '' : ' ORDER BY rowid'}`,
    )
    .raw(true)
    .iterate() as IterableIterator<unknown[]>;
}

/**
 * Inserts rows of one table. Plain INSERT: rows the fresh schema pre-creates are deleted first,
 * so a repeated key can only mean a damaged file, and it must fail rather than overwrite.
 */
export function rowInserter(db: SqliteDatabase, table: TableInfo): (values: unknown[]) => void {
  const stmt = db.prepare(
    `INSERT INTO ${quote(table.name)} (${table.columns.map(quote).join(', ')})
     VALUES (${table.columns.map(() => '?').join(', ')})`,
  );
  return (values) => {
    stmt.run(...values);
  };
}

export function deleteAllRows(db: SqliteDatabase, table: string): void {
  db.prepare(`DELETE FROM ${quote(table)}`).run();
}

/** Row counts of the tables that hold a person's data (empty means safe to import into). */
export function userDataRowCount(db: SqliteDatabase): number {
  let total = 0;
  for (const t of listTables(db)) {
    if (t.name === 'database_metadata' || t.name === 'schema_migrations') continue;
    total += countRows(db, t.name);
  }
  return total;
}
