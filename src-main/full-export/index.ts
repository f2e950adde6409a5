import fs from 'node:fs';
import path from 'node:path';
import { APP_VERSION } from '../core/app-version';
import { fsyncDirSync, tempPathFor } from '../core/atomic-file';
import { acquireDataLock } from '../core/data-lock';
import { StrataError } from '../core/errors';
import { dataPaths } from '../core/paths';
import { openRaw } from '../db/connection';
import { userDataRowCount } from '../db/repositories/transfer';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../archives/gzip-stream';
import { runWorker as runTransferWorker, type WorkerProgress as TransferProgress } from '../core/worker-rpc';
import type { ExportAllJob, ExportAllResult } from './export-core';
import type { ImportAllJob, ImportAllResult } from './import-core';

export type { ExportAllResult } from './export-core';
export { FULL_EXPORT_FORMAT, FULL_EXPORT_VERSION } from './format';

export interface ExportAllOptions {
  onProgress?: (p: TransferProgress) => void;
  now?: number;
}

/**
 * Writes every table of the database at `dbFile` and its schema version to `outFile`
 * (gzipped JSON, streamed in a worker, temp file + fsync + rename). Progress: 'export' rows.
 */
export function exportAllJson(dbFile: string, outFile: string, opts: ExportAllOptions = {}): Promise<ExportAllResult> {
  if (!fs.existsSync(dbFile)) return Promise.reject(new StrataError('not_found', `No database at ${dbFile}.`));
  const job: ExportAllJob = {
    kind: 'export-all',
    dbFile,
    outFile: path.resolve(outFile),
    appVersion: APP_VERSION,
    exportedAt: opts.now ?? Date.now(),
  };
  fs.mkdirSync(path.dirname(job.outFile), { recursive: true });
  return runTransferWorker<ExportAllResult>('full-export', job, opts.onProgress ? { onProgress: opts.onProgress } : {});
}

export interface ImportAllOptions {
  onProgress?: (p: TransferProgress) => void;
  maxDecompressedBytes?: number;
  now?: number;
}

export interface ImportAllSummary extends ImportAllResult {
  database: string;
}

/**
 * Rebuilds the database of the data folder `dataDir` from a full export. Refuses a folder whose
 * database already holds data, and one another Strata process is using. The new database is
 * built in a temp file and renamed into place only when complete and checked.
 */
export async function importAllJson(
  inFile: string,
  dataDir: string,
  opts: ImportAllOptions = {},
): Promise<ImportAllSummary> {
  if (!fs.existsSync(inFile)) throw new StrataError('not_found', `No file at ${inFile}.`);
  const paths = dataPaths(dataDir);
  fs.mkdirSync(paths.root, { recursive: true });
  const lock = acquireDataLock(paths.lockFile, 'import-json');
  try {
    if (fs.existsSync(paths.database)) {
      const raw = openRaw(paths.database, { readonly: true });
      let rows: number;
      try {
        rows = userDataRowCount(raw);
      } finally {
        raw.close();
      }
      if (rows > 0) {
        throw new StrataError(
          'data_folder_not_empty',
          `The data folder ${paths.root} already holds data (${rows} rows). import-json only fills an empty ` +
            'data folder; choose a new folder with --data-dir. Nothing was changed.',
        );
      }
    }
    const targetFile = tempPathFor(paths.database);
    const job: ImportAllJob = {
      kind: 'import-all',
      inFile: path.resolve(inFile),
      targetFile,
      maxDecompressedBytes: opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
      appVersion: APP_VERSION,
      now: opts.now ?? Date.now(),
    };
    const result = await runTransferWorker<ImportAllResult>(
      'full-export',
      job,
      opts.onProgress ? { onProgress: opts.onProgress } : {},
    );
    try {
      // The empty database (if any) and its WAL go; the rebuilt file takes its place.
      for (const f of [paths.database + '-wal', paths.database + '-shm']) fs.rmSync(f, { force: true });
      fs.renameSync(targetFile, paths.database);
      fsyncDirSync(paths.root);
    } catch (e) {
      fs.rmSync(targetFile, { force: true });
      throw e;
    }
    return { ...result, database: paths.database };
  } finally {
    lock.release();
  }
}
