import fs from 'node:fs';
import path from 'node:path';
import { commitTempFileSync, tempPathFor } from '../core/atomic-file';
import { newOperationId } from '../app/events';
import { openRaw } from '../db/connection';
import { assertMaterialised } from './materialise-job';
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
  id: string,
  outFile: string,
  operationId = newOperationId('export'),
): Promise<{ file: string; sizeBytes: number }> {
  const entry = ctx.store.get(id);
  const target = path.resolve(outFile);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  return ctx.withProgress('export', operationId, async (progress) => {
    try {
      const outcome = await runSnapshotJob(materialiseJobFor(entry, tmp, true), progress);
      assertMaterialised(outcome, `Snapshot ${id}`);
      if (entry.storage === 'pages') asRollbackJournalFile(tmp);
      commitTempFileSync(tmp, target);
      return { file: target, sizeBytes: fs.statSync(target).size };
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  });
}
