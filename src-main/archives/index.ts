import fs from 'node:fs';
import path from 'node:path';
import { APP_VERSION } from '../core/app-version';
import { StrataError } from '../core/errors';
import type { ExportSessionJob, SessionExportResult } from './export-core';
import type { ArchiveSummary, ImportSessionJob, SessionImportResult } from './import-core';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from './gzip-stream';
import { runWorker as runTransferWorker, type WorkerProgress as TransferProgress } from '../core/worker-rpc';

export type { SessionExportResult } from './export-core';
export type { ArchiveSummary, SessionImportResult } from './import-core';
export type { WorkerProgress as TransferProgress } from '../core/worker-rpc';
export { ARCHIVE_FORMAT, ARCHIVE_VERSION, ARCHIVE_LIMITS } from './format';
export { RESTORED_SUFFIX } from './import-core';
export { DEFAULT_MAX_DECOMPRESSED_BYTES } from './gzip-stream';

export interface ExportSessionOptions {
  /** 'json' (default): a gzipped v1 archive. 'md': readable Markdown. */
  format?: 'json' | 'md';
  onProgress?: (p: TransferProgress) => void;
  /** Time written as archived_at (ms); defaults to now. */
  now?: number;
}

/**
 * Exports one session from the database file `dbFile` to `outFile` (temp file, fsync, rename).
 * Runs in a worker thread on its own read-only connection; progress is { phase: 'export', done, total }.
 */
export function exportSessionArchive(
  dbFile: string,
  sessionId: string,
  outFile: string,
  opts: ExportSessionOptions = {},
): Promise<SessionExportResult> {
  if (!fs.existsSync(dbFile)) return Promise.reject(new StrataError('not_found', `No database at ${dbFile}.`));
  const job: ExportSessionJob = {
    kind: 'export-session',
    dbFile,
    sessionId,
    outFile: path.resolve(outFile),
    format: opts.format ?? 'json',
    appVersion: APP_VERSION,
    archivedAt: opts.now ?? Date.now(),
  };
  fs.mkdirSync(path.dirname(job.outFile), { recursive: true });
  return runTransferWorker<SessionExportResult>('archive', job, opts.onProgress ? { onProgress: opts.onProgress } : {});
}

export interface ImportSessionOptions {
  /** Import even when an earlier import of the same archive (same content hash) exists. */
  allowDuplicate?: boolean;
  /** Stop reading once the archive unpacks to more than this (default 1 GiB). */
  maxDecompressedBytes?: number;
  onProgress?: (p: TransferProgress) => void;
  /** Runs after the whole archive validated and before anything is written (the app's safety snapshot). */
  beforeImport?: (summary: ArchiveSummary) => Promise<void>;
  now?: number;
}

/**
 * Imports a v1 archive as a new session (new ids, title + " (restored)") into the database at
 * `dbFile`. The whole file is validated before any write; the write is one transaction.
 * Progress: 'validate' (compressed bytes read / file size), then 'write' (messages).
 */
export function importSessionArchive(
  dbFile: string,
  inFile: string,
  opts: ImportSessionOptions = {},
): Promise<SessionImportResult> {
  if (!fs.existsSync(inFile)) return Promise.reject(new StrataError('not_found', `No file at ${inFile}.`));
  if (!fs.existsSync(dbFile)) return Promise.reject(new StrataError('not_found', `No database at ${dbFile}.`));
  const max = opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  if (!Number.isFinite(max) || max <= 0) {
    return Promise.reject(new StrataError('invalid_option', 'maxDecompressedBytes must be a positive number.'));
  }
  const job: ImportSessionJob = {
    kind: 'import-session',
    dbFile,
    inFile: path.resolve(inFile),
    allowDuplicate: opts.allowDuplicate ?? false,
    maxDecompressedBytes: max,
    now: opts.now ?? Date.now(),
  };
  return runTransferWorker<SessionImportResult>('archive', job, {
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    confirm: async (summary) => {
      await opts.beforeImport?.(summary as ArchiveSummary);
    },
  });
}
