import { runWorker } from '../core/worker-rpc';
import type { CreateJob, CreateOutcome } from './create-job';
import type { MaterialiseJob, MaterialiseOutcome, Progress } from './materialise-job';
import type { ApplyRestoreJob, ApplyRestoreOutcome, PrepareRestoreJob, PrepareRestoreOutcome } from './restore-jobs';

export function runSnapshotJob(job: CreateJob, onProgress?: Progress): Promise<CreateOutcome>;
export function runSnapshotJob(job: MaterialiseJob, onProgress?: Progress): Promise<MaterialiseOutcome>;
export function runSnapshotJob(job: PrepareRestoreJob, onProgress?: Progress): Promise<PrepareRestoreOutcome>;
export function runSnapshotJob(job: ApplyRestoreJob, onProgress?: Progress): Promise<ApplyRestoreOutcome>;
/** One worker thread per job: compression, hashing, checks and restores never touch the caller's loop. */
export function runSnapshotJob(
  job: CreateJob | MaterialiseJob | PrepareRestoreJob | ApplyRestoreJob,
  onProgress?: Progress,
): Promise<unknown> {
  return runWorker('snapshot', job, {
    onProgress: onProgress ? (p) => onProgress(p.phase, p.done, p.total) : undefined,
  });
}
