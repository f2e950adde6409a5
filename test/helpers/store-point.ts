import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { lendLiveFds } from '../../src-main/continuous/held-fd';
import { createStorePoint, type StoreCreateOutcome } from '../../src-main/snapshots/store-create-job';

/** A live database in WAL mode that never checkpoints on its own, as the app opens it. */
export function walDatabase(dir: string): { db: string; storeDir: string; conn: Database.Database } {
  const db = path.join(dir, 'strata.db');
  const storeDir = path.join(dir, 'backups', 'store');
  fs.mkdirSync(storeDir, { recursive: true });
  const conn = new Database(db);
  conn.pragma('journal_mode = WAL');
  conn.pragma('wal_autocheckpoint = 0');
  return { db, storeDir, conn };
}

/**
 * The snapshot worker's job, run in this thread: one point of the live `db` into `storeDir`
 * (this thread holds the descriptors a worker would be lent).
 */
export function storeLivePoint(
  db: string,
  storeDir: string,
  id: string,
  opts: { foldWal: boolean; createdAt?: string; onPhase?: (phase: string) => void },
): Promise<StoreCreateOutcome> {
  const createdAt = opts.createdAt ?? '2026-12-01T12:00:00.000Z';
  return createStorePoint(
    {
      op: 'store-create',
      dbFile: db,
      liveFds: lendLiveFds(db),
      foldWal: opts.foldWal,
      storeDir,
      scratchDir: path.join(path.dirname(storeDir), 'scratch'),
      id,
      createdAt,
      point: {
        tier: 'manual',
        label: null,
        pinned: false,
        appVersion: 'test',
        sourceFile: db,
        checkedAt: createdAt,
        startedAt: 0,
      },
    },
    (phase) => opts.onPhase?.(phase),
  );
}
