import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorPayload } from '../core/errors';
import type { MainToWorker, WorkerToMain } from './worker-client';

export type Progress = (phase: string, done: number, total: number) => void;

/**
 * The worker side of runTransferWorker: progress is throttled to ~10 messages a second, and
 * `confirm` waits for the caller's go-ahead before any write.
 */
export function hostTransferJob<J>(
  handle: (job: J, progress: Progress, confirm: (summary: unknown) => Promise<void>) => Promise<unknown>,
): void {
  const port = parentPort!;
  lowerThisThreadPriority();
  const send = (m: WorkerToMain) => port.postMessage(m);
  let lastSent = 0;
  const progress: Progress = (phase, done, total) => {
    const t = Date.now();
    if (done < total && t - lastSent < 100) return;
    lastSent = t;
    send({ type: 'progress', phase, done, total });
  };
  const confirm = (summary: unknown) =>
    new Promise<void>((resolve, reject) => {
      port.once('message', (m: MainToWorker) => {
        if (m.type === 'confirmed') resolve();
        else reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
      });
      send({ type: 'confirm', summary });
    });
  handle(workerData as J, progress, confirm).then(
    (result) => send({ type: 'done', result }),
    (e: unknown) => send({ type: 'error', error: toErrorPayload(e) }),
  );
}

/**
 * Background transfers should never outcompete the UI thread for a core. On Linux a thread
 * has its own nice value (setpriority on its thread id); elsewhere this does nothing.
 */
export function lowerThisThreadPriority(): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 10);
  } catch {
    // not Linux, or not allowed: run at normal priority
  }
}
