import { afterEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, type StrataDatabase } from '../../src-main/db';
import { tempDir } from '../helpers/temp-dir';
import { openTestDb, TEST_APP_VERSION } from '../helpers/db-dump';

const open: StrataDatabase[] = [];
async function freshDb(): Promise<StrataDatabase> {
  const db = await openTestDb(tempDir());
  open.push(db);
  return db;
}
afterEach(() => {
  while (open.length) open.pop()!.close();
});

const EXPECTED_COLUMNS: Record<string, string[]> = {
  sessions: [
    'id',
    'title',
    'model',
    'created_at',
    'updated_at',
    'prompt_tokens',
    'completion_tokens',
    'total_tokens',
    'cost_usd',
    'starred',
    'metadata',
  ],
  messages: ['id', 'session_id', 'sequence', 'role', 'content', 'token_count', 'created_at', 'metadata'],
  settings: ['key', 'value', 'secret', 'version', 'updated_at'],
  custom_prompts: ['id', 'name', 'content', 'created_at', 'updated_at', 'metadata'],
  favorite_actions: ['id', 'label', 'action', 'position', 'created_at', 'updated_at', 'metadata'],
  analytics_events: ['id', 'name', 'properties', 'occurred_at'],
  app_logs: ['id', 'level', 'message', 'context', 'logged_at'],
  extension_data: ['id', 'extension_id', 'data_type', 'data', 'version', 'created_at', 'updated_at'],
  database_metadata: [
    'id',
    'schema_version',
    'app_version',
    'last_migration_at',
    'last_backup_at',
    'total_sessions',
    'total_messages',
    'custom',
    'updated_at',
    'change_count',
  ],
  schema_migrations: ['version', 'name', 'applied_at', 'app_version'],
};

const EXPECTED_INDEXES: Record<string, { table: string; columns: string[]; unique: boolean }> = {
  idx_sessions_updated_at: { table: 'sessions', columns: ['updated_at'], unique: false },
  idx_messages_session_sequence: { table: 'messages', columns: ['session_id', 'sequence'], unique: true },
  idx_analytics_events_occurred_at: { table: 'analytics_events', columns: ['occurred_at'], unique: false },
  idx_app_logs_logged_at: { table: 'app_logs', columns: ['logged_at'], unique: false },
  idx_extension_data_type: { table: 'extension_data', columns: ['data_type'], unique: false },
  idx_extension_data_updated_at: { table: 'extension_data', columns: ['updated_at'], unique: false },
};

/** One valid INSERT per JSON column, with the JSON value as the last parameter. */
const JSON_COLUMN_INSERTS: { table: string; column: string; sql: string; params: unknown[] }[] = [
  {
    table: 'sessions',
    column: 'metadata',
    sql: `INSERT INTO sessions (id, title, created_at, updated_at, metadata) VALUES (?, ?, 1, 1, ?)`,
    params: ['s-json', 'json'],
  },
  {
    table: 'messages',
    column: 'metadata',
    sql: `INSERT INTO messages (id, session_id, sequence, role, content, created_at, metadata) VALUES (?, 'parent', 1, 'user', 'hi', 1, ?)`,
    params: ['m-json'],
  },
  {
    table: 'settings',
    column: 'value',
    sql: `INSERT INTO settings (key, updated_at, value) VALUES (?, 1, ?)`,
    params: ['k-json'],
  },
  {
    table: 'custom_prompts',
    column: 'metadata',
    sql: `INSERT INTO custom_prompts (id, name, content, created_at, updated_at, metadata) VALUES (?, 'n', 'c', 1, 1, ?)`,
    params: ['p-json'],
  },
  {
    table: 'favorite_actions',
    column: 'metadata',
    sql: `INSERT INTO favorite_actions (id, label, action, created_at, updated_at, metadata) VALUES (?, 'l', 'a', 1, 1, ?)`,
    params: ['f-json'],
  },
  {
    table: 'analytics_events',
    column: 'properties',
    sql: `INSERT INTO analytics_events (name, occurred_at, properties) VALUES (?, 1, ?)`,
    params: ['evt'],
  },
  {
    table: 'app_logs',
    column: 'context',
    sql: `INSERT INTO app_logs (level, message, logged_at, context) VALUES (?, 'm', 1, ?)`,
    params: ['info'],
  },
  {
    table: 'extension_data',
    column: 'data',
    sql: `INSERT INTO extension_data (extension_id, data_type, created_at, updated_at, data) VALUES (?, 't', 1, 1, ?)`,
    params: ['ext-json'],
  },
];

describe('the current schema on a new database', () => {
  it('uses WAL, foreign keys, synchronous FULL, incremental auto-vacuum and the latest user_version', async () => {
    const db = await freshDb();
    const c = db.connection;
    expect(c.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(c.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(c.pragma('synchronous', { simple: true })).toBe(2);
    expect(c.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(c.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(c.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
  });

  it('has every table with every column', async () => {
    const db = await freshDb();
    const tables = (
      db.connection
        .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
        .all() as { name: string }[]
    ).map((r) => r.name);
    expect(tables).toEqual(Object.keys(EXPECTED_COLUMNS).sort());
    for (const [table, columns] of Object.entries(EXPECTED_COLUMNS)) {
      const have = (
        db.connection.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]
      ).map((r) => r.name);
      expect(have.sort(), table).toEqual([...columns].sort());
    }
  });

  it('has every v1 index on the right columns', async () => {
    const db = await freshDb();
    for (const [name, want] of Object.entries(EXPECTED_INDEXES)) {
      const row = db.connection
        .prepare(`SELECT tbl_name FROM sqlite_schema WHERE type = 'index' AND name = ?`)
        .get(name) as { tbl_name: string } | undefined;
      expect(row?.tbl_name, name).toBe(want.table);
      const cols = (
        db.connection.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(name) as {
          name: string;
        }[]
      ).map((r) => r.name);
      expect(cols, name).toEqual(want.columns);
      const list = db.connection
        .prepare(`SELECT "unique" AS u FROM pragma_index_list(?) WHERE name = ?`)
        .get(want.table, name) as { u: number };
      expect(list.u === 1, `${name} unique`).toBe(want.unique);
    }
    // extension_id is unique, so one extension has one row.
    const extUnique = db.connection
      .prepare(
        `SELECT il.name FROM pragma_index_list('extension_data') il
         JOIN pragma_index_info(il.name) ii WHERE il."unique" = 1 AND ii.name = 'extension_id'`,
      )
      .all();
    expect(extUnique.length).toBe(1);
  });

  it('messages reference sessions with ON DELETE CASCADE', async () => {
    const db = await freshDb();
    const fks = db.connection
      .prepare(`SELECT "table", "from", "to", on_delete FROM pragma_foreign_key_list('messages')`)
      .all();
    expect(fks).toEqual([{ table: 'sessions', from: 'session_id', to: 'id', on_delete: 'CASCADE' }]);
  });

  it('schema_migrations records every step and database_metadata says the latest schema', async () => {
    const db = await freshDb();
    const steps = db.connection.prepare(`SELECT version, name, app_version FROM schema_migrations`).all();
    expect(steps).toEqual([
      { version: 1, name: 'initial-schema', app_version: TEST_APP_VERSION },
      { version: 2, name: 'change-counter', app_version: TEST_APP_VERSION },
    ]);
    const meta = db.metadata.get();
    expect(meta.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(meta.appVersion).toBe(TEST_APP_VERSION);
    expect(meta.lastMigrationAt).toBeGreaterThan(0);
    expect(meta.totalSessions).toBe(0);
    expect(meta.totalMessages).toBe(0);
    expect(meta.changeCount).toBe(0);
    expect(db.lastMigration).toEqual({
      from: 0,
      to: LATEST_SCHEMA_VERSION,
      applied: [
        { version: 1, name: 'initial-schema' },
        { version: 2, name: 'change-counter' },
      ],
    });
  });

  it('reopening a current database applies nothing and keeps the history', async () => {
    const dir = tempDir();
    (await openTestDb(dir)).close();
    const again = await openTestDb(dir);
    open.push(again);
    expect(again.lastMigration.applied).toEqual([]);
    expect(again.connection.prepare(`SELECT COUNT(*) AS n FROM schema_migrations`).get()).toEqual({
      n: LATEST_SCHEMA_VERSION,
    });
  });
});

describe('json_valid checks', () => {
  for (const ins of JSON_COLUMN_INSERTS) {
    it(`${ins.table}.${ins.column} accepts JSON and rejects text that is not JSON`, async () => {
      const db = await freshDb();
      const c = db.connection;
      c.prepare(`INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('parent', 'p', 1, 1)`).run();
      const before = (c.prepare(`SELECT COUNT(*) AS n FROM ${ins.table}`).get() as { n: number }).n;
      for (const bad of ['{not json', "{'single': 'quotes'}", '', '[1, 2']) {
        expect(() => c.prepare(ins.sql).run(...ins.params, bad), `${ins.table}.${ins.column} took ${bad}`).toThrow(
          /CHECK constraint failed/,
        );
      }
      expect((c.prepare(`SELECT COUNT(*) AS n FROM ${ins.table}`).get() as { n: number }).n).toBe(before);
      c.prepare(ins.sql).run(...ins.params, '{"ok": [1, "ü", null]}');
      expect((c.prepare(`SELECT COUNT(*) AS n FROM ${ins.table}`).get() as { n: number }).n).toBe(before + 1);
    });
  }

  it('database_metadata.custom rejects bad JSON on update', async () => {
    const db = await freshDb();
    expect(() => db.connection.prepare(`UPDATE database_metadata SET custom = ? WHERE id = 1`).run('{oops')).toThrow(
      /CHECK constraint failed/,
    );
    db.metadata.setCustom({ note: 'fine' });
    expect(db.metadata.get().custom).toEqual({ note: 'fine' });
  });

  it('database_metadata holds exactly one row', async () => {
    const db = await freshDb();
    expect(() =>
      db.connection
        .prepare(`INSERT INTO database_metadata (id, schema_version, app_version, updated_at) VALUES (2, 1, 'x', 1)`)
        .run(),
    ).toThrow(/CHECK constraint failed/);
  });
});

describe('cascades and totals', () => {
  it('deleting a session deletes its messages and only its messages', async () => {
    const db = await freshDb();
    const a = db.sessions.create({ title: 'A' });
    const b = db.sessions.create({ title: 'B' });
    for (let i = 0; i < 5; i++) db.messages.append(a.id, { role: 'user', content: `a${i}` });
    for (let i = 0; i < 3; i++) db.messages.append(b.id, { role: 'user', content: `b${i}` });
    expect(db.sessions.delete(a.id)).toBe(true);
    expect(db.messages.countForSession(a.id)).toBe(0);
    expect(db.messages.countForSession(b.id)).toBe(3);
    expect(db.connection.prepare(`SELECT COUNT(*) AS n FROM messages`).get()).toEqual({ n: 3 });
    expect(db.connection.pragma('foreign_key_check')).toEqual([]);
  });

  it('a message for a missing session is refused', async () => {
    const db = await freshDb();
    expect(() => db.messages.append('no-such-session', { role: 'user', content: 'orphan' })).toThrow(/FOREIGN KEY/);
    expect(db.metadata.get().totalMessages).toBe(0);
  });

  it('database_metadata totals follow inserts, deletes and cascades', async () => {
    const db = await freshDb();
    const totals = () => {
      const m = db.metadata.get();
      return { sessions: m.totalSessions, messages: m.totalMessages };
    };
    const s1 = db.sessions.create({ title: 'one' });
    const s2 = db.sessions.create({ title: 'two' });
    const s3 = db.sessions.create({ title: 'three' });
    expect(totals()).toEqual({ sessions: 3, messages: 0 });
    for (let i = 0; i < 4; i++) db.messages.append(s1.id, { role: 'user', content: `x${i}` });
    for (let i = 0; i < 6; i++) db.messages.append(s2.id, { role: 'assistant', content: `y${i}` });
    expect(totals()).toEqual({ sessions: 3, messages: 10 });

    // A direct message delete, then a cascade.
    db.connection.prepare(`DELETE FROM messages WHERE session_id = ? AND sequence = 1`).run(s2.id);
    expect(totals()).toEqual({ sessions: 3, messages: 9 });
    db.sessions.delete(s1.id);
    expect(totals()).toEqual({ sessions: 2, messages: 5 });
    db.sessions.delete(s3.id);
    expect(totals()).toEqual({ sessions: 1, messages: 5 });

    // The totals match a real count.
    const counted = db.connection
      .prepare(`SELECT (SELECT COUNT(*) FROM sessions) AS sessions, (SELECT COUNT(*) FROM messages) AS messages`)
      .get();
    expect(counted).toEqual(totals());
  });

  it('a rolled-back insert leaves the totals alone', async () => {
    const db = await freshDb();
    const s = db.sessions.create({ title: 'keep' });
    const tx = db.connection.transaction(() => {
      db.messages.append(s.id, { role: 'user', content: 'gone' });
      throw new Error('abort');
    });
    expect(() => tx()).toThrow('abort');
    expect(db.metadata.get().totalMessages).toBe(0);
    expect(db.metadata.get().totalSessions).toBe(1);
  });
});
