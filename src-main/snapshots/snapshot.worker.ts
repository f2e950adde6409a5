import { parentPort, workerData } from 'node:worker_threads';
import { toErrorPayload } from '../core/errors';
import { createSnapshotFile, materialiseSnapshot, type SnapshotJob } from './snapshot-jobs';

/** Runs one snapshot job off the main thread and reports progress and the outcome. */
async function main(): Promise<void> {
  const job = workerData as SnapshotJob;
  let last = 0;
  const progress = (phase: string, done: number, total: number) => {
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    parentPort!.postMessage({ type: 'progress', phase, done, total });
  };
  try {
    const result =
      job.op === 'create' ? await createSnapshotFile(job, progress) : await materialiseSnapshot(job, progress);
    parentPort!.postMessage({ type: 'done', result });
  } catch (e) {
    parentPort!.postMessage({ type: 'error', error: toErrorPayload(e) });
  }
}

void main();
