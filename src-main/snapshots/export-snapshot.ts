import fs from 'node:fs';
import path from 'node:path';
import { commitTempFileSync, tempPathFor } from '../core/atomic-file';
import { newOperationId } from '../app/events';
import { openRaw } from '../db/connection';
import { assertMaterialised, momentMaterialiseJob } from './materialise-job';
import { materialiseJobFor } from './verify-snapshot';
import { runSnapshotJob } from './worker-client';
import type { EngineContext } from './engine-types';

/**
 * A point keeps the live database's WAL-mode header flag; an exported file is for any SQLite
 * tool, which must not need a -wal and -shm beside it to read it (read-only media, for one).
 * Only the header's journal-mode bytes and change counter differ from the point's page 1.
 */
function asRollbackJournalFile(file: string): void {
  const db = openRaw(file);
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
  for (const side of ['-wal', '-shm', '-journal']) fs.rmSync(file + side, { force: true });
}

/** Writes a checked, plain SQLite file that any SQLite tool opens. */
export async function exportSnapshot(
  ctx: EngineContext,
  source: string | { at: number },
  outFile: string,
  operationId = newOperationId('export'),
): Promise<{ file: string; sizeBytes: number; resolvedAt?: string }> {
  const entry = typeof source === 'string' ? ctx.store.get(source) : null;
  const target = path.resolve(outFile);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  return ctx.withProgress('export', operationId, async (progress) => {
    try {
      const job = entry
        ? materialiseJobFor(entry, tmp, true)
        : momentMaterialiseJob(ctx.store.pages.dir, (source as { at: number }).at, tmp, true);
      const outcome = await runSnapshotJob(job, progress);
      assertMaterialised(outcome, entry ? `Snapshot ${entry.id}` : 'That moment');
      if (!entry || entry.storage === 'pages') asRollbackJournalFile(tmp);
      if (outcome.resolved) {
        commitTempFileSync(tmp, target);
        return {
          file: target,
          sizeBytes: fs.statSync(target).size,
          resolvedAt: new Date(outcome.resolved.at).toISOString(),
        };
      }
      commitTempFileSync(tmp, target);
      return { file: target, sizeBytes: fs.statSync(target).size };
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  });
}
