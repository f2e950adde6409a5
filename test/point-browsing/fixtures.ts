import Database from 'better-sqlite3';
import { StrataApp } from '../../src-main/app/strata-app';
import { roomyDisk } from '../helpers/snapshot-fixtures';

/** Helpers for the point-browsing tests: an app over a folder, and tables read in key order. */

export function openApp(dataDir: string, opts: { snapshotFormat?: 'pages' | 'gzip' } = {}): Promise<StrataApp> {
  return StrataApp.open({ dataDir, owner: 'cli', diskProbe: roomyDisk, ...opts });
}

/** Adds `n` sessions of `m` messages each, with text that says whose it is. */
export function seedSessions(app: StrataApp, n: number, m: number, tag: string): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = app.db.sessions.create({ title: `${tag} session ${i}` });
    for (let j = 0; j < m; j++) {
      app.db.messages.append(s.id, { role: j % 2 ? 'assistant' : 'user', content: `${tag}-${i}-message-${j}` });
    }
    ids.push(s.id);
  }
  return ids;
}

/**
 * Every row of every table in primary-key order. Left out: sqlite_sequence (SQLite's own
 * AUTOINCREMENT high-water mark, which an inserted-then-removed ledger row advances) and the
 * bookkeeping columns of database_metadata that every write or backup moves.
 */
export function tablesByKey(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = (
      db
        .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> 'sqlite_sequence' ORDER BY name`)
        .all() as {
        name: string;
      }[]
    ).map((t) => t.name);
    const out: Record<string, unknown[]> = {};
    for (const t of tables) {
      const key = t === 'settings' ? 'key' : t === 'schema_migrations' ? 'version' : 'id';
      const rows = db.prepare(`SELECT * FROM "${t}" ORDER BY ${key}`).all() as Record<string, unknown>[];
      out[t] =
        t === 'database_metadata'
          ? rows.map(({ change_count: _c, updated_at: _u, last_backup_at: _b, ...rest }) => rest)
          : rows;
    }
    return out;
  } finally {
    db.close();
  }
}

export function count(file: string, sql: string, ...params: unknown[]): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(sql).get(...params) as { n: number }).n;
  } finally {
    db.close();
  }
}
