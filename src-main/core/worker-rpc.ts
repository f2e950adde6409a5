import fs from 'node:fs';
import os from 'node:os';
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { StrataError, errorFromPayload, toErrorPayload } from './errors';
import { workerScriptPath } from './worker-path';

/**
 * One message protocol for every worker thread (snapshots, archives, full export): the caller's
 * event loop only sees small progress messages, and `confirm` lets the caller's thread run a step
 * (a safety snapshot) between a worker's checks and its writes.
 */
export type Progress = (phase: string, done: number, total: number) => void;

export interface WorkerProgress {
  phase: string;
  done: number;
  total: number;
}

export type WorkerToMain =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'confirm'; summary: unknown }
  | { type: 'done'; result: unknown }
  | { type: 'error'; error: { code: string; message: string } };

export type MainToWorker = { type: 'confirmed' } | { type: 'cancel'; error: { code: string; message: string } };

export interface RunWorkerOptions {
  onProgress?: (p: WorkerProgress) => void;
  confirm?: (summary: unknown) => Promise<void>;
}

export function runWorker<R>(workerName: string, job: unknown, opts: RunWorkerOptions = {}): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const worker = new Worker(workerScriptPath(workerName), { workerData: job });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on('message', (m: WorkerToMain) => {
      if (m.type === 'progress') {
        try {
          opts.onProgress?.({ phase: m.phase, done: m.done, total: m.total });
        } catch {
          // a failing progress listener must not break the job
        }
      } else if (m.type === 'confirm') {
        Promise.resolve()
          .then(() => opts.confirm?.(m.summary))
          .then(
            () => worker.postMessage({ type: 'confirmed' } satisfies MainToWorker),
            (e: unknown) => {
              const err =
                e instanceof StrataError
                  ? e
                  : new StrataError('aborted', `Stopped before writing: ${(e as Error)?.message ?? String(e)}`);
              worker.postMessage({ type: 'cancel', error: { code: err.code, message: err.message } });
            },
          );
      } else if (m.type === 'done') settle(() => resolve(m.result as R));
      else settle(() => reject(errorFromPayload(m.error)));
    });
    worker.on('error', (e) =>
      settle(() => reject(new StrataError('worker_failed', `A background worker failed: ${e.message}`))),
    );
    worker.on('exit', (code) =>
      settle(() =>
        reject(new StrataError('worker_failed', `A background worker stopped unexpectedly (exit ${code}).`)),
      ),
    );
  });
}

/** The worker side: progress is throttled to ~10 messages a second. */
export function hostWorkerJob<J>(
  handle: (job: J, progress: Progress, confirm: (summary: unknown) => Promise<void>) => Promise<unknown>,
  opts: { lowPriority?: boolean } = {},
): void {
  const port = parentPort!;
  if (opts.lowPriority ?? true) lowerThisThreadPriority();
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
 * Background work should never outcompete the UI thread for a core. On Linux a thread has its
 * own nice value (setpriority on its thread id); elsewhere this does nothing.
 */
export function lowerThisThreadPriority(): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 10);
  } catch {
    // not Linux, or not allowed: run at normal priority
  }
}
