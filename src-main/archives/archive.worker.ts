import { hostWorkerJob as hostTransferJob } from '../core/worker-rpc';
import { exportSession, type ExportSessionJob } from './export-core';
import { importSession, type ArchiveSummary, type ImportSessionJob } from './import-core';

/** Session archive export and import, off the caller's thread. */
hostTransferJob<ExportSessionJob | ImportSessionJob>((job, progress, confirm) =>
  job.kind === 'export-session'
    ? exportSession(job, progress)
    : importSession(job, progress, (summary: ArchiveSummary) => confirm(summary)),
);
