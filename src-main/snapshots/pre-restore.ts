import fs from 'node:fs';
import { readRestoreHistory } from './restore-journal';
import { parseSnapshotId } from './snapshot-id';
import type { CreateOptions } from './create-snapshot';
import type { EngineContext } from './engine-types';
import type { SnapshotSidecar } from './sidecar';

export interface PreRestorePoint {
  id: string;
  /** The content fingerprint of the data it holds: the write checks the live data still has it. */
  fingerprint: string;
}

/**
 * Stores the live data as the pinned pre-restore point, read from the live database after the
 * app's connection closed (so nothing the app commits is missed) and before the restore writes
 * anything. Null when it cannot be stored: the caller then keeps the old database aside as a
 * file, which needs nothing but a copy (a live database that fails quick_check still gets kept).
 */
export async function storePreRestorePoint(
  ctx: EngineContext,
  createNow: (opts: CreateOptions) => Promise<SnapshotSidecar>,
  point: { id: string; createdAt: number; restoredFrom: string },
): Promise<PreRestorePoint | null> {
  try {
    const sidecar = await createNow({
      tier: 'pre-restore',
      id: point.id,
      createdAt: point.createdAt,
      label: `Before restoring ${point.restoredFrom}`,
      pinned: true,
    });
    return { id: point.id, fingerprint: sidecar.source.fingerprint };
  } catch (e) {
    ctx.opts.logger.warn('the pre-restore point could not be stored; the old database is kept aside instead', {
      error: (e as Error).message,
    });
    // Only a point that fully committed is listed; a half-written one is unlisted by design.
    await discardPreRestorePoint(ctx, point.id);
    return null;
  }
}

/** Removes the pre-restore point of a restore that did not happen; its pages go at the next GC. */
export async function discardPreRestorePoint(ctx: EngineContext, id: string): Promise<void> {
  try {
    await ctx.store.remove(id);
  } catch (e) {
    ctx.opts.logger.warn('could not remove the pre-restore point of a restore that did not happen', {
      id,
      error: (e as Error).message,
    });
  }
}

/**
 * Turns old databases kept aside by restores (`<id>.pending.db`) into pinned pre-restore
 * snapshots. Also runs at start-up, finishing what a crash interrupted. A file that cannot be
 * stored stays on disk: it is the only copy of the data from before the restore.
 */
export async function storePendingPreRestores(
  ctx: EngineContext,
  createNow: (opts: CreateOptions) => Promise<SnapshotSidecar>,
): Promise<string[]> {
  const done: string[] = [];
  const history = readRestoreHistory(ctx.opts.backupsDir);
  for (const { id, file } of ctx.store.pendingFiles()) {
    const createdAt = parseSnapshotId(id)?.createdAt ?? ctx.opts.clock.now();
    const restoredFrom = history.find((r) => r.preRestoreSnapshotId === id)?.restoredFrom;
    try {
      // A point of that id is older than the file (a restore that kept the data it replaced
      // after storing its point, or a crash after storing the file): the file is what counts.
      if (ctx.store.pages.has(id)) await ctx.store.remove(id);
      await createNow({
        tier: 'pre-restore',
        id,
        createdAt,
        staticSource: file,
        label: restoredFrom ? `Before restoring ${restoredFrom}` : 'Before a restore',
      });
      // 256 MiB and more: unlinking it synchronously would stall the event loop.
      await fs.promises.rm(file, { force: true });
      // Checking the kept copy read-only left SQLite's empty side files of a WAL-mode database.
      for (const side of ['-wal', '-shm']) await fs.promises.rm(file + side, { force: true });
      done.push(id);
    } catch (e) {
      ctx.opts.logger.error('could not store the pre-restore copy; it stays on disk', {
        file,
        error: (e as Error).message,
      });
    }
  }
  return done;
}
