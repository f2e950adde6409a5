import fs from 'node:fs';
import { readRestoreHistory } from './restore-journal';
import { parseSnapshotId } from './snapshot-id';
import type { CreateOptions } from './create-snapshot';
import type { EngineContext } from './engine-types';
import type { SnapshotSidecar } from './sidecar';

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
