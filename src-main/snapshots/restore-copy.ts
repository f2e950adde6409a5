import { StrataError } from '../core/errors';
import { openRaw, type SqliteDatabase } from '../db/connection';
import { summarizeDatabase } from '../db/online-copy';

/**
 * Writing a restore into the live database through SQLite's backup API. Its first step copies
 * nothing and takes the locks; after `onLocked` (which may take its time: the backup keeps the
 * locks meanwhile, stepping by zero pages) the rest goes in one step, or in two when it must wait
 * before the commit: one read (or write) transaction, so no restarts.
 */
const ALL_PAGES = 0x7fffffff;

export async function copyDatabase(
  from: SqliteDatabase,
  to: string,
  onProgress?: (done: number, total: number) => void,
  beforeCommit?: () => void,
  onLocked?: () => Promise<void> | void,
): Promise<void> {
  let phase: 'locking' | 'waiting' | 'copy' | 'commit' = 'locking';
  let settled = false;
  let failure: unknown = null;
  await from.backup(to, {
    progress: ({ totalPages, remainingPages }) => {
      onProgress?.(totalPages - remainingPages, totalPages);
      if (phase === 'locking') {
        // No other program can commit now.
        const pending = onLocked?.();
        if (pending) {
          phase = 'waiting';
          pending.then(
            () => (settled = true),
            (e: unknown) => {
              failure = e ?? new Error('keeping the old data failed');
              settled = true;
            },
          );
          return 0;
        }
        phase = 'copy';
      }
      if (phase === 'waiting') {
        if (!settled) return 0;
        if (failure) throw failure;
        phase = 'copy';
      }
      if (phase === 'copy') {
        phase = 'commit';
        // Copy all but one page: the step that copies the last one commits, so it waits for the
        // checks (an abort thrown here rolls the copy back).
        if (beforeCommit) return Math.max(0, remainingPages - 1);
        return ALL_PAGES;
      }
      beforeCommit?.();
      return ALL_PAGES;
    },
  });
}

/** Whether the live data still has `fingerprint` (what its pre-restore point holds). */
export function liveStillHolds(dbFile: string, fingerprint: string): boolean {
  const db = openRaw(dbFile, { readonly: true });
  try {
    return summarizeDatabase(db).fingerprint === fingerprint;
  } finally {
    db.close();
  }
}

export function keepAsideFailed(e: unknown): StrataError {
  return new StrataError(
    'write_failed',
    `The data being replaced could not be kept aside, so nothing was restored: ${(e as Error).message}`,
  );
}
