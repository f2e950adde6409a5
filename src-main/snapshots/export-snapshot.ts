import fs from 'node:fs';
import path from 'node:path';
import { commitTempFileSync, tempPathFor } from '../core/atomic-file';
import { newOperationId } from '../app/events';
import { assertMaterialised } from './materialise-job';
import { materialiseJobFor } from './verify-snapshot';
import { runSnapshotJob } from './worker-client';
import type { EngineContext } from './engine-types';

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
      commitTempFileSync(tmp, target);
      return { file: target, sizeBytes: fs.statSync(target).size };
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  });
}
