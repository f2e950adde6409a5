import type { SqliteDatabase } from '../connection';

/** SQL for app-data cleanup (src-main/app-data-cleanup). Sessions and messages are never touched. */

export type CleanupTable = 'app_logs' | 'analytics_events';

const TIME_COLUMN: Record<CleanupTable, string> = { app_logs: 'logged_at', analytics_events: 'occurred_at' };

export function countOlderThan(db: SqliteDatabase, table: CleanupTable, cutoff: number): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${TIME_COLUMN[table]} < ?`).get(cutoff) as { n: number })
    .n;
}

/** Deletes at most `limit` rows older than `cutoff` (oldest first); short transactions keep writers moving. */
export function deleteOlderThanBatch(db: SqliteDatabase, table: CleanupTable, cutoff: number, limit: number): number {
  return db
    .prepare(
      `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${TIME_COLUMN[table]} < ?
       ORDER BY ${TIME_COLUMN[table]} LIMIT ?)`,
    )
    .run(cutoff, limit).changes;
}

/** 0 none, 1 full, 2 incremental. */
export function autoVacuumMode(db: SqliteDatabase): number {
  return db.pragma('auto_vacuum', { simple: true }) as number;
}

export function freelistPages(db: SqliteDatabase): number {
  return db.pragma('freelist_count', { simple: true }) as number;
}

export function pageSize(db: SqliteDatabase): number {
  return db.pragma('page_size', { simple: true }) as number;
}

/** Returns free pages to the file system, at most `pages` of them in this step. */
export function incrementalVacuumStep(db: SqliteDatabase, pages: number): void {
  db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
}
