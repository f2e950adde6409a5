import { runWorker, type Progress } from '../core/worker-rpc';
import type { DatabaseFingerprints, FoundSession } from './session-fingerprints';
import type { PointDiff } from './point-diff';
import type { PlannedSession, RestoreMode, RestoredSession, UndoneRestore } from './session-restore';

/** The jobs point-browsing.worker.ts runs, and typed ways to start them. */
export type BrowseJob =
  | { op: 'fingerprint'; file: string }
  | { op: 'diff'; pointId: string; pointFile: string; liveFile: string; pointFingerprints: DatabaseFingerprints | null }
  | { op: 'search'; file: string; text: string; limit: number }
  | { op: 'plan-restore'; liveFile: string; pointFile: string; sessionIds: string[]; mode: RestoreMode }
  | {
      op: 'apply-restore';
      liveFile: string;
      pointFile: string;
      pointId: string;
      sessionIds: string[];
      mode: RestoreMode;
      safetySnapshotId: string;
      at: number;
    }
  | { op: 'undo-restore'; liveFile: string };

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

/** Session restores run in the worker on a connection of its own: a 1,000-message write never blocks the caller's loop. */
export const planRestoreInWorker = (job: Omit<Extract<BrowseJob, { op: 'plan-restore' }>, 'op'>) =>
  run<PlannedSession[]>({ op: 'plan-restore', ...job });

export const applyRestoreInWorker = (job: Omit<Extract<BrowseJob, { op: 'apply-restore' }>, 'op'>) =>
  run<RestoredSession[]>({ op: 'apply-restore', ...job });

export const undoRestoreInWorker = (liveFile: string) => run<UndoneRestore>({ op: 'undo-restore', liveFile });
