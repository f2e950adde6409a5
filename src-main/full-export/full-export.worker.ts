import { hostWorkerJob as hostTransferJob } from '../core/worker-rpc';
import { exportAll, type ExportAllJob } from './export-core';
import { importAll, type ImportAllJob } from './import-core';

/** Full JSON export and import, off the caller's thread. */
hostTransferJob<ExportAllJob | ImportAllJob>((job, progress) =>
  job.kind === 'export-all' ? exportAll(job, progress) : importAll(job, progress),
);
