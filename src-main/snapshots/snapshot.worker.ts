import { hostWorkerJob } from '../core/worker-rpc';
import { createSnapshotFile, type CreateJob } from './create-job';
import { materialiseSnapshot, type MaterialiseJob } from './materialise-job';
import { applyRestore, prepareRestore, type ApplyRestoreJob, type PrepareRestoreJob } from './restore-jobs';

export type SnapshotJob = CreateJob | MaterialiseJob | PrepareRestoreJob | ApplyRestoreJob;

/** Runs one snapshot job off the main thread and reports progress and the outcome. */
hostWorkerJob<SnapshotJob>(
  (job, progress) => {
    switch (job.op) {
      case 'create':
        return createSnapshotFile(job, progress);
      case 'materialise':
        return materialiseSnapshot(job, progress);
      case 'restore-prepare':
        return prepareRestore(job, progress);
      case 'restore-apply':
        return applyRestore(job, progress);
    }
  },
  // Snapshots protect data; they run at normal priority so they finish before a quit.
  { lowPriority: false },
);
