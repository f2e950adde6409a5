import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StrataDatabase } from '../../src-main/db';
import type { Migration } from '../../src-main/db/migrations';

/** Helpers for the data-layer tests: open, dump and fingerprint SQLite files without the app. */

export const TEST_APP_VERSION = '0.0.0-test';

/** A fixed clock that moves forward 1 ms per call, so orderings by time are predictable. */
export function steppingClock(start = Date.UTC(2026, 10, 23, 9, 0, 0)): () => number {
  let t = start;
  return () => t++;
}

export function openTestDb(
  dir: string,
  opts: { migrations?: readonly Migration[]; now?: () => number; name?: string } = {},
): Promise<StrataDatabase> {
  return StrataDatabase.open({
    file: path.join(dir, opts.name ?? 'strata.db'),
    appVersion: TEST_APP_VERSION,
    now: opts.now ?? steppingClock(),
    ...(opts.migrations ? { migrations: opts.migrations } : {}),
  });
}

export function openReadonly(file: string): Database.Database {
  return new Database(file, { readonly: true, fileMustExist: true });
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface DatabaseDump {
  userVersion: number;
  schema: { type: string; name: string; tbl_name: string; sql: string | null }[];
  rows: Record<string, unknown[]>;
}

/** Every schema object and every row of every table (sqlite_sequence too), in a stable order. */
export function dumpDatabase(file: string): DatabaseDump {
  const db = openReadonly(file);
  try {
    const schema = db
      .prepare(`SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name`)
      .all() as DatabaseDump['schema'];
    const rows: Record<string, unknown[]> = {};
    for (const t of schema.filter((s) => s.type === 'table')) {
      rows[t.name] = db.prepare(`SELECT * FROM ${quote(t.name)} ORDER BY rowid`).all();
    }
    return { userVersion: db.pragma('user_version', { simple: true }) as number, schema, rows };
  } finally {
    db.close();
  }
}

export function integrityCheck(file: string): string[] {
  const db = openReadonly(file);
  try {
    return (db.pragma('integrity_check') as Record<string, string>[]).map((r) => String(Object.values(r)[0]));
  } finally {
    db.close();
  }
}

export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Rows per table as a person would count them. */
export function countRows(file: string, tables: string[]): Record<string, number> {
  const db = openReadonly(file);
  try {
    const out: Record<string, number> = {};
    for (const t of tables) out[t] = (db.prepare(`SELECT COUNT(*) AS n FROM ${quote(t)}`).get() as { n: number }).n;
    return out;
  } finally {
    db.close();
  }
}

/** sessions and messages rows, by id, hashed: equal hashes mean a person sees the same chats. */
export function chatContentHash(file: string): string {
  const db = openReadonly(file);
  try {
    const hash = crypto.createHash('sha256');
    for (const table of ['sessions', 'messages']) {
      hash.update(`#${table}\n`);
      for (const row of db.prepare(`SELECT * FROM ${table} ORDER BY id`).iterate()) hash.update(JSON.stringify(row));
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}
