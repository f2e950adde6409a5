import fs from 'node:fs';
import { StrataError } from '../core/errors';
import { APP_VERSION } from '../core/app-version';
import { newOperationId } from '../app/events';
import { StrataDatabase } from '../db';
import { newestGood } from './create-snapshot';
import { checkInScratch, materialiseJobFor, updateSidecar } from './verify-snapshot';
import type { DrillResult, EngineContext } from './engine-types';

/**
 * Restore drill: materialise a snapshot into scratch space, check it, open it with the app's own
 * schema code (migrating the scratch copy forward if needed) and read its sessions.
 */
export async function drillSnapshot(
  ctx: EngineContext,
  id?: string,
  operationId = newOperationId('drill'),
): Promise<DrillResult> {
  const entry = id ? ctx.store.get(id) : newestGood(ctx);
  if (!entry) throw new StrataError('no_snapshots', 'There is no good snapshot to test yet. Run a backup first.');
  return ctx.withProgress('drill', operationId, async (progress) => {
    const started = performance.now();
    let file: string | null = null;
    try {
      const outcome = await checkInScratch(
        ctx,
        entry.source.sizeBytes * 2,
        (outFile) => {
          file = outFile;
          return materialiseJobFor(entry, outFile, true);
        },
        progress,
      );
      const problems = [...outcome.problems];
      let sessionsReadable = 0;
      if (outcome.ok && file) {
        try {
          const db = await StrataDatabase.open({ file, appVersion: APP_VERSION, now: () => ctx.opts.clock.now() });
          try {
            sessionsReadable = db.sessions.list().length;
            const expected = entry.counts.sessions ?? 0;
            if (sessionsReadable !== expected) problems.push(`read ${sessionsReadable} sessions, expected ${expected}`);
          } finally {
            db.close();
          }
        } catch (e) {
          problems.push(`the app could not open the restored copy: ${(e as Error).message}`);
        }
      }
      const status = problems.length === 0 ? 'ok' : outcome.status === 'unchecked' ? 'unchecked' : 'damaged';
      const checkedAt = new Date(ctx.opts.clock.now()).toISOString();
      const durationMs = Math.round(performance.now() - started);
      await updateSidecar(ctx, entry.id, {
        lastDrill: { ok: status === 'ok', status, at: checkedAt, method: 'restore-drill', problems, durationMs },
      });
      return { id: entry.id, ok: status === 'ok', status, problems, checkedAt, durationMs, sessionsReadable };
    } finally {
      if (file) for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    }
  });
}
