import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../core/errors';
import { fsyncDirSync, tempPathFor } from '../core/atomic-file';
import { diskError } from '../core/write-all';
import { openRaw } from '../db/connection';
import {
  checkIntegrity,
  summarizeDatabase,
  vacuumInto,
  type CheckMethod,
  type DatabaseSummary,
} from '../db/online-copy';
import { compressFileToGzipMembers, GZIP_LEVEL, hashFileOnDisk, MEMBER_BYTES } from './codec';
import type { Progress } from './materialise-job';

export interface CreateJob {
  op: 'create';
  dbFile: string;
  /** The source is a closed, private file (a restore's old database): compress it as it is. */
  staticSource?: boolean;
  storedPath: string;
  busyTimeoutMs?: number;
}

export interface CreateOutcome {
  summary: DatabaseSummary;
  sourceBytes: number;
  stored: { sizeBytes: number; sha256: string; level: number; memberBytes: number; members: number[] };
  check: { ok: boolean; method: CheckMethod; problems: string[]; durationMs: number };
}

/**
 * Copies the live database (VACUUM INTO: one statement in one read transaction, so it completes
 * while other connections write), checks the copy, compresses it, and reads the stored bytes back
 * from disk before the file gets its final name: what is listed is what is on disk.
 */
export async function createSnapshotFile(job: CreateJob, progress: Progress): Promise<CreateOutcome> {
  const copyPath = job.staticSource ? job.dbFile : tempPathFor(job.storedPath.replace(/\.db\.gz$/, '.copy.db'));
  const gzPath = tempPathFor(job.storedPath);
  try {
    if (!job.staticSource) {
      progress('copy', 0, 1);
      // Never create an empty database where the live one has gone missing.
      const live = openRaw(job.dbFile, { readonly: false, fileMustExist: true });
      try {
        live.pragma(`busy_timeout = ${job.busyTimeoutMs ?? 10_000}`);
        vacuumInto(live, copyPath);
      } catch (e) {
        throw diskError(e);
      } finally {
        live.close();
      }
    }
    progress('check', 0, 1);
    const copy = openRaw(copyPath, { readonly: true });
    let summary: DatabaseSummary;
    let problems: string[];
    const checkStarted = performance.now();
    try {
      problems = checkIntegrity(copy, 'quick_check');
      summary = summarizeDatabase(copy);
    } finally {
      copy.close();
    }
    const check = {
      ok: problems.length === 0,
      method: 'quick_check' as const,
      problems,
      durationMs: performance.now() - checkStarted,
    };
    if (!check.ok)
      throw new StrataError(
        'snapshot_check_failed',
        `The snapshot copy failed quick_check: ${problems.slice(0, 3).join('; ')}`,
      );
    const sourceBytes = fs.statSync(copyPath).size;
    const compressed = await compressFileToGzipMembers(copyPath, gzPath, {
      onProgress: (done, total) => progress('compress', done, total),
    });
    progress('read-back', 0, 1);
    const onDisk = await hashFileOnDisk(gzPath);
    if (onDisk.sha256 !== compressed.sha256 || onDisk.sizeBytes !== compressed.sizeBytes) {
      throw new StrataError(
        'disk_full',
        `The snapshot did not read back as written (${onDisk.sizeBytes} of ${compressed.sizeBytes} bytes). Nothing was listed.`,
      );
    }
    fs.renameSync(gzPath, job.storedPath);
    fsyncDirSync(path.dirname(job.storedPath));
    return {
      summary,
      sourceBytes,
      stored: { ...compressed, level: GZIP_LEVEL, memberBytes: MEMBER_BYTES },
      check,
    };
  } finally {
    if (!job.staticSource) fs.rmSync(copyPath, { force: true });
    fs.rmSync(gzPath, { force: true });
  }
}
