import { Worker } from 'node:worker_threads';
import { StrataError, errorFromPayload } from '../core/errors';
import { workerScriptPath } from '../core/worker-path';
import type { CreateJob, CreateOutcome, MaterialiseJob, MaterialiseOutcome, Progress } from './snapshot-jobs';

type Message =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'done'; result: unknown }
  | { type: 'error'; error: { code: string; message: string } };

export function runSnapshotJob(job: CreateJob, onProgress?: Progress): Promise<CreateOutcome>;
export function runSnapshotJob(job: MaterialiseJob, onProgress?: Progress): Promise<MaterialiseOutcome>;
/** Starts a worker thread for one job: compression, hashing and checks never touch the caller's loop. */
export function runSnapshotJob(job: CreateJob | MaterialiseJob, onProgress?: Progress): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerScriptPath('snapshot'), { workerData: job });
    let settled = false;
    worker.on('message', (m: Message) => {
      if (m.type === 'progress') onProgress?.(m.phase, m.done, m.total);
      else if (m.type === 'done') {
        settled = true;
        resolve(m.result);
      } else {
        settled = true;
        reject(errorFromPayload(m.error));
      }
    });
    worker.on('error', (e) => {
      if (!settled) reject(new StrataError('worker_failed', `Snapshot worker failed: ${e.message}`));
      settled = true;
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new StrataError('worker_failed', `Snapshot worker stopped unexpectedly (exit ${code}).`));
    });
  });
}
