import { runWorker, type Progress } from '../core/worker-rpc';
import type { DatabaseFingerprints, FoundSession } from './session-fingerprints';
import type { PointDiff } from './point-diff';

/** The jobs point-browsing.worker.ts runs, and typed ways to start them. */
export type BrowseJob =
  | { op: 'fingerprint'; file: string }
  | { op: 'diff'; pointId: string; pointFile: string; liveFile: string; pointFingerprints: DatabaseFingerprints | null }
  | { op: 'search'; file: string; text: string; limit: number };

const run = <R>(job: BrowseJob, progress?: Progress) =>
  runWorker<R>('point-browsing', job, {
    onProgress: progress ? (p) => progress(p.phase, p.done, p.total) : undefined,
  });

export const fingerprintInWorker = (file: string, progress?: Progress) =>
  run<DatabaseFingerprints>({ op: 'fingerprint', file }, progress);

export const diffInWorker = (job: Omit<Extract<BrowseJob, { op: 'diff' }>, 'op'>, progress?: Progress) =>
  run<{ diff: PointDiff; pointFingerprints: DatabaseFingerprints }>({ op: 'diff', ...job }, progress);

export const searchInWorker = (file: string, text: string, limit: number) =>
  run<FoundSession[]>({ op: 'search', file, text, limit });
