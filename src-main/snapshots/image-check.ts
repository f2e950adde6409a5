import { Worker } from 'node:worker_threads';
import { workerScriptPath } from '../core/worker-path';
import { openRaw } from '../db/connection';
import { checkIntegrity, summarizeDatabase, type DatabaseSummary } from '../db/online-copy';
import { readWalIndexHeader, sameWalIndex, type WalIndexHeader } from '../continuous/wal-index';

/** What the check thread answers: the check and counts of the image, or that it could not pin it. */
export type ImageCheckReply =
  | { ok: true; problems: string[]; summary: DatabaseSummary }
  | { ok: false; reason: 'moved' | 'failed'; message?: string };

/**
 * quick_check and the counts of the very image a snapshot stores, on a second connection, so they
 * run beside the storing instead of before it. The second read transaction sees the same image
 * exactly when the WAL index says the same committed frame and salts before and after it began
 * (the same two looks as live-image.ts); otherwise a commit landed, and the snapshot checks on
 * its own connection instead.
 */
export function checkImage(dbFile: string, at: WalIndexHeader, busyTimeoutMs: number): ImageCheckReply {
  const db = openRaw(dbFile, { readonly: true });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    const before = readWalIndexHeader(`${dbFile}-shm`);
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    const after = readWalIndexHeader(`${dbFile}-shm`);
    if (!sameWalIndex(before, at) || !sameWalIndex(after, at)) return { ok: false, reason: 'moved' };
    const problems = checkIntegrity(db, 'quick_check');
    return { ok: true, problems, summary: summarizeDatabase(db) };
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
  }
}

/**
 * Starts the check in its own thread; resolves to null when it could not be used (then the caller
 * checks on its own connection). Never rejects.
 */
export function checkImageInThread(
  dbFile: string,
  liveFds: Record<string, number> | undefined,
  at: WalIndexHeader,
  busyTimeoutMs: number,
): Promise<ImageCheckReply | null> {
  if (!liveFds) return Promise.resolve(null);
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: ImageCheckReply | null) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    try {
      const w = new Worker(workerScriptPath('image-check'), { workerData: { dbFile, liveFds, at, busyTimeoutMs } });
      w.once('message', (m: ImageCheckReply) => done(m));
      w.once('error', () => done(null));
      w.once('exit', () => done(null));
    } catch {
      done(null);
    }
  });
}
