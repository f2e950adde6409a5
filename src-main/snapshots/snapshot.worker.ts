import { hostWorkerJob } from '../core/worker-rpc';
import { createSnapshotFile, type CreateJob } from './create-job';
import { createStorePoint, type StoreCreateJob } from './store-create-job';
import { runStoreJob, type StoreJob } from './store-jobs';
import { materialiseSnapshot, type MaterialiseJob } from './materialise-job';
import { applyRestore, prepareRestore, type ApplyRestoreJob, type PrepareRestoreJob } from './restore-jobs';

export type SnapshotJob = CreateJob | StoreCreateJob | StoreJob | MaterialiseJob | PrepareRestoreJob | ApplyRestoreJob;

/** Runs one snapshot job off the main thread and reports progress and the outcome. */
hostWorkerJob<SnapshotJob>(
  (job, progress) => {
    switch (job.op) {
      case 'create':
        return createSnapshotFile(job, progress);
      case 'store-create':
        return createStorePoint(job, progress);
      case 'store-stats':
      case 'store-gc':
      case 'store-verify':
      case 'continuous-ranges':
      case 'continuous-thinning':
        return runStoreJob(job);
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
