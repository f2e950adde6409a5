import crypto from 'node:crypto';
import type { SqliteDatabase } from './connection';
import { ensurePrivateFile } from '../core/private-files';
import { readSchemaVersion } from './migrator';
import { tableCounts } from './strata-database';
import { readChangeCount } from './migrations/002-change-counter';

/**
 * A consistent copy of a live database taken from any connection. VACUUM INTO runs as one
 * statement inside one read transaction, so in WAL mode writers on other connections or
 * processes keep going and the copy still completes (the online backup API, by contrast,
 * restarts whenever another connection writes).
 */
export function vacuumInto(db: SqliteDatabase, target: string): void {
  // VACUUM INTO accepts an empty file, and keeps its owner-only mode (it would create one 0644).
  ensurePrivateFile(target);
  db.prepare('VACUUM INTO ?').run(target);
}

export type CheckMethod = 'quick_check' | 'integrity_check';

/** Returns the problems SQLite reports; an empty list means the file is sound. */
export function checkIntegrity(db: SqliteDatabase, method: CheckMethod): string[] {
  const rows = db.pragma(method) as Record<string, string>[];
  const lines = rows.map((r) => Object.values(r)[0] ?? '');
  if (lines.length === 1 && lines[0] === 'ok') return [];
  const fk = db.pragma('foreign_key_check') as unknown[];
  return [...lines.filter((l) => l !== 'ok'), ...(fk.length ? [`${fk.length} foreign key violations`] : [])];
}

export interface DatabaseSummary {
  schemaVersion: number;
  pageSize: number;
  pageCount: number;
  counts: Record<string, number>;
  fingerprint: string;
}

/**
 * The change counter that every write to a user table advances (schema 2 on), plus counts per
 * table; for files from before the counter existed, also the highest rowid and newest timestamp
 * where tables have them. The counter is what catches an edit that keeps counts and timestamps
 * (a message's content, two edits in one millisecond).
 */
export function summarizeDatabase(db: SqliteDatabase): DatabaseSummary {
  const counts = tableCounts(db);
  const changes = readChangeCount(db);
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify(counts));
  // With the counter, the highest rowids and timestamps add nothing, and finding them scans whole
  // tables (no index on the timestamps): a fifth of a snapshot's check at 256 MiB.
  for (const table of changes === null ? Object.keys(counts) : []) {
    // Bookkeeping written after each backup must not make the data look changed.
    if (table === 'database_metadata') continue;
    const cols = (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map(
      (c) => c.name,
    );
    const q = `"${table.replace(/"/g, '""')}"`;
    const parts = [`(SELECT MAX(rowid) FROM ${q})`];
    for (const c of ['updated_at', 'created_at', 'logged_at', 'occurred_at']) {
      if (cols.includes(c)) parts.push(`(SELECT MAX(${c}) FROM ${q})`);
    }
    hash.update(
      JSON.stringify(
        db
          .prepare(`SELECT ${parts.join(', ')}`)
          .raw()
          .get(),
      ),
    );
  }
  hash.update(`schema:${readSchemaVersion(db)}`);
  hash.update(`changes:${changes ?? 'none'}`);
  return {
    schemaVersion: readSchemaVersion(db),
    pageSize: db.pragma('page_size', { simple: true }) as number,
    pageCount: db.pragma('page_count', { simple: true }) as number,
    counts,
    fingerprint: hash.digest('hex').slice(0, 32),
  };
}
