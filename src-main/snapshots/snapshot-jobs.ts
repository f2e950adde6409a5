import fs from 'node:fs';
import { StrataError, toErrorPayload } from '../core/errors';
import { commitTempFileSync, tempPathFor } from '../core/atomic-file';
import { openRaw } from '../db/connection';
import {
  checkIntegrity,
  summarizeDatabase,
  vacuumInto,
  type CheckMethod,
  type DatabaseSummary,
} from '../db/online-copy';
import { compressFileToGzipMembers, decompressGzipFile, GZIP_LEVEL, MEMBER_BYTES } from './codec';

/** Work that runs inside the snapshot worker thread (see snapshot.worker.ts). */

export type Progress = (phase: string, done: number, total: number) => void;

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

export async function createSnapshotFile(job: CreateJob, progress: Progress): Promise<CreateOutcome> {
  const copyPath = job.staticSource ? job.dbFile : tempPathFor(job.storedPath.replace(/\.db\.gz$/, '.copy.db'));
  const gzPath = tempPathFor(job.storedPath);
  try {
    if (!job.staticSource) {
      progress('copy', 0, 1);
      const live = openRaw(job.dbFile, { readonly: false });
      try {
        live.pragma(`busy_timeout = ${job.busyTimeoutMs ?? 10_000}`);
        vacuumInto(live, copyPath);
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
    commitTempFileSync(gzPath, job.storedPath);
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

export interface MaterialiseJob {
  op: 'materialise';
  storedPath: string;
  expectedSha256: string;
  expectedCounts: Record<string, number>;
  expectedBytes: number;
  members: number[];
  outFile: string;
  method: CheckMethod;
  /** Keep the checked file (restore, export); otherwise it is deleted (verify). */
  keep: boolean;
}

export interface MaterialiseOutcome {
  ok: boolean;
  problems: string[];
  durationMs: number;
  summary: DatabaseSummary | null;
}

/**
 * Decompresses a stored snapshot into `outFile` while hashing it, then opens the result and runs
 * the integrity check and the record counts. Any problem deletes the output.
 */
export async function materialiseSnapshot(job: MaterialiseJob, progress: Progress): Promise<MaterialiseOutcome> {
  const started = performance.now();
  const problems: string[] = [];
  let summary: DatabaseSummary | null = null;
  try {
    const r = await decompressGzipFile(job.storedPath, job.outFile, {
      maxOutputBytes: job.expectedBytes,
      members: job.members,
      onProgress: (done, total) => progress('decompress', done, total),
    });
    if (r.sha256 !== job.expectedSha256)
      problems.push('checksum mismatch: the stored file changed since it was written');
    if (r.outputBytes !== job.expectedBytes)
      problems.push(`size mismatch: ${r.outputBytes} bytes decompressed, ${job.expectedBytes} expected`);
  } catch (e) {
    problems.push(toErrorPayload(e).message);
  }
  if (problems.length === 0) {
    progress('check', 0, 1);
    try {
      const db = openRaw(job.outFile, { readonly: true });
      try {
        problems.push(...checkIntegrity(db, job.method).map((p) => `${job.method}: ${p}`));
        summary = summarizeDatabase(db);
        for (const [table, n] of Object.entries(job.expectedCounts)) {
          if (summary.counts[table] !== n)
            problems.push(`record count of ${table} is ${summary.counts[table] ?? 'missing'}, expected ${n}`);
        }
      } finally {
        db.close();
      }
    } catch (e) {
      problems.push(`the snapshot does not open as a database: ${toErrorPayload(e).message}`);
    }
  }
  if (!job.keep || problems.length) fs.rmSync(job.outFile, { force: true });
  return { ok: problems.length === 0, problems, durationMs: performance.now() - started, summary };
}

export type SnapshotJob = CreateJob | MaterialiseJob;
