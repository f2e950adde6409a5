import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { newOperationId } from '../app/events';
import { momentOfId } from '../point-browsing/point-ref';
import { assertMaterialised, momentMaterialiseJob } from './materialise-job';
import { prepareRestore } from './restore-jobs';
import { assertScratchRoom, scratchDir } from './scratch';
import { materialiseJobFor } from './verify-snapshot';
import { runSnapshotJob } from './worker-client';
import type { EngineContext } from './engine-types';

/** A point in time, materialised once into a private folder, checked, and brought to this schema. */
export interface OpenedPoint {
  id: string;
  /** A plain SQLite file only this process uses; open it read-only. */
  file: string;
  /** Its private folder (0700); removed by `close()`. */
  dir: string;
  createdAt: string;
  counts: Record<string, number>;
  schemaVersion: number;
  /** The schema the point was migrated from in the copy, if it was older. */
  migratedFrom: number | null;
  close(): void;
}

/**
 * Materialises a point into `<backups>/scratch/points/<random>/point.db` in the worker: the same
 * checks as a restore (checksum, gunzip, integrity_check, counts), a newer schema refused by the
 * file's own version, an older one migrated in the copy. The store itself is never written.
 */
export async function openPoint(
  ctx: EngineContext,
  id: string,
  operationId = newOperationId('open'),
): Promise<OpenedPoint> {
  const at = momentOfId(id);
  const entry = at === null ? ctx.store.get(id) : null;
  const root = path.join(scratchDir(ctx.opts.backupsDir), 'points');
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const dir = fs.mkdtempSync(path.join(root, `${crypto.randomBytes(3).toString('hex')}-`));
  fs.chmodSync(dir, 0o700);
  const file = path.join(dir, 'point.db');
  const close = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    return await ctx.withProgress('open', operationId, async (progress) => {
      const expected = entry ? entry.source.sizeBytes : liveSize(ctx.opts.live.file);
      await assertScratchRoom(dir, expected, ctx.opts.diskProbe);
      const materialise = entry
        ? materialiseJobFor(entry, file, true)
        : momentMaterialiseJob(ctx.store.pages.dir, at!, file, true);
      const job = { op: 'restore-prepare' as const, materialise, token: null };
      const prepared = await (ctx.opts.migrations
        ? prepareRestore(job, progress, ctx.opts.migrations)
        : runSnapshotJob(job, progress));
      assertMaterialised(prepared.materialised, entry ? `Snapshot ${id}` : 'That moment', 'it was not opened');
      fs.chmodSync(file, 0o600);
      const resolved = prepared.materialised.resolved;
      return {
        id,
        file,
        dir,
        createdAt: entry ? entry.createdAt : new Date(resolved?.at ?? at!).toISOString(),
        counts: prepared.counts,
        schemaVersion: prepared.schemaVersion,
        migratedFrom: prepared.migratedFrom,
        close,
      };
    });
  } catch (e) {
    close();
    throw e;
  }
}

/** A moment's copy is about as big as the live database. */
function liveSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Opened points left behind by a crash or a kill: they are private copies, safe to remove. */
export function removeStaleOpenedPoints(backupsDir: string): void {
  fs.rmSync(path.join(backupsDir, 'scratch', 'points'), { recursive: true, force: true });
}
