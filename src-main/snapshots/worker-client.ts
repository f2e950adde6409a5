import { runWorker } from '../core/worker-rpc';
import type { CreateJob, CreateOutcome } from './create-job';
import type { MaterialiseJob, MaterialiseOutcome, Progress } from './materialise-job';
import type { StoreCreateJob, StoreCreateOutcome } from './store-create-job';
import type { StoreJob, StoreStatsOutcome } from './store-jobs';
import type { GcResult, VerifyReport } from '../page-store';
import type { ContinuousRange } from '../continuous/timeline';
import type { ContinuousThinning } from './retention';
import type { ApplyRestoreJob, ApplyRestoreOutcome, PrepareRestoreJob, PrepareRestoreOutcome } from './restore-jobs';

export function runSnapshotJob(job: CreateJob, onProgress?: Progress): Promise<CreateOutcome>;
export function runSnapshotJob(job: StoreCreateJob, onProgress?: Progress): Promise<StoreCreateOutcome>;
export function runSnapshotJob(
  job: StoreJob & { op: 'store-stats' },
  onProgress?: Progress,
): Promise<StoreStatsOutcome>;
export function runSnapshotJob(job: StoreJob & { op: 'store-gc' }, onProgress?: Progress): Promise<GcResult>;
export function runSnapshotJob(job: StoreJob & { op: 'store-verify' }, onProgress?: Progress): Promise<VerifyReport>;
export function runSnapshotJob(job: StoreJob & { op: 'continuous-ranges' }): Promise<ContinuousRange[]>;
export function runSnapshotJob(job: StoreJob & { op: 'continuous-thinning' }): Promise<ContinuousThinning>;
export function runSnapshotJob(job: MaterialiseJob, onProgress?: Progress): Promise<MaterialiseOutcome>;
export function runSnapshotJob(job: PrepareRestoreJob, onProgress?: Progress): Promise<PrepareRestoreOutcome>;
export function runSnapshotJob(job: ApplyRestoreJob, onProgress?: Progress): Promise<ApplyRestoreOutcome>;
/** One worker thread per job: compression, hashing, checks and restores never touch the caller's loop. */
export function runSnapshotJob(
  job: CreateJob | StoreCreateJob | StoreJob | MaterialiseJob | PrepareRestoreJob | ApplyRestoreJob,
  onProgress?: Progress,
): Promise<unknown> {
  return runWorker('snapshot', job, {
    onProgress: onProgress ? (p) => onProgress(p.phase, p.done, p.total) : undefined,
  });
}
