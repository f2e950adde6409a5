import { Worker } from 'node:worker_threads';
import { StrataError, errorFromPayload } from '../core/errors';
import { workerScriptPath } from '../core/worker-path';

/** Progress of a transfer: `phase` is 'export', 'validate' (bytes read) or 'write' (rows written). */
export interface TransferProgress {
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

/**
 * Runs one job in a worker thread: the caller's event loop only sees small progress messages.
 * `confirm` runs on the caller's thread between validation and writing (the app's safety
 * snapshot); if it throws, the worker stops without writing.
 */
export function runTransferWorker<R>(
  workerName: string,
  job: unknown,
  opts: { onProgress?: (p: TransferProgress) => void; confirm?: (summary: unknown) => Promise<void> } = {},
): Promise<R> {
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
          // a failing progress listener must not break the transfer
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
                  : new StrataError('aborted', `Import stopped before writing: ${(e as Error)?.message ?? String(e)}`);
              worker.postMessage({ type: 'cancel', error: { code: err.code, message: err.message } });
            },
          );
      } else if (m.type === 'done') settle(() => resolve(m.result as R));
      else settle(() => reject(errorFromPayload(m.error)));
    });
    worker.on('error', (e) =>
      settle(() => reject(new StrataError('worker_failed', `The transfer worker failed: ${e.message}`))),
    );
    worker.on('exit', (code) =>
      settle(() =>
        reject(new StrataError('worker_failed', `The transfer worker stopped unexpectedly (exit ${code}).`)),
      ),
    );
  });
}
