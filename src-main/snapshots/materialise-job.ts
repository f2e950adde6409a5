import fs from 'node:fs';
import { StrataError, toErrorPayload } from '../core/errors';
import { openRaw } from '../db/connection';
import { checkIntegrity, summarizeDatabase, type CheckMethod, type DatabaseSummary } from '../db/online-copy';
import { decompressGzipFile } from './codec';
import { PageStore } from '../page-store';
import { acceptLiveFds, heldFd } from '../continuous/held-fd';
import { materialiseMoment } from '../continuous/moment';
import type { CheckStatus } from './sidecar';

/** Work that runs inside the snapshot worker thread (see snapshot.worker.ts). */
export type { Progress } from '../core/worker-rpc';
import type { Progress } from '../core/worker-rpc';

export interface MaterialiseJob {
  op: 'materialise';
  storedPath: string;
  /** A page-store point: its pages (each checked against its hash) instead of a gzip file. */
  point?: { storeDir: string; id: string };
  /** A moment of continuous protection: the last commit at or before `at` (ms). */
  moment?: { storeDir: string; at: number };
  /** null when the metadata is being rebuilt from the stored file: nothing to compare against. */
  expectedSha256: string | null;
  expectedCounts: Record<string, number> | null;
  expectedBytes: number | null;
  members: number[] | null;
  outFile: string;
  method: CheckMethod;
  /** Keep the checked file (restore, export); otherwise it is deleted (verify). */
  keep: boolean;
  /** A scratch copy used and deleted within the operation (a restore's source): no fsync. */
  scratch?: boolean;
  /**
   * A point's pages that are byte for byte the same in this file (the live database a restore
   * replaces: a recent point shares most of its pages) are read from it, each checked against
   * its id, instead of inflated from the store. Descriptors lent by the main thread (held-fd.ts).
   */
  sameAs?: { file: string; fds: Record<string, number> };
}

export interface MaterialiseOutcome {
  ok: boolean;
  /** damaged: the stored content is wrong. unchecked: the machine kept the check from running. */
  status: CheckStatus;
  problems: string[];
  durationMs: number;
  summary: DatabaseSummary | null;
  sha256: string | null;
  storedBytes: number | null;
  outputBytes: number | null;
  /** For a moment: the commit it resolved to. */
  resolved?: { at: number; generation: string; basePointId: string; commits: number };
}

const ENVIRONMENT_CODES = new Set(['disk_full', 'snapshot_unchecked']);
/** Reading the stored file: a missing permission is the machine's fault; EIO is damaged media. */
const ENVIRONMENT_READ_ERRORS = new Set(['EACCES', 'EPERM', 'EMFILE', 'ENFILE', 'ENOMEM']);

function isEnvironmentFailure(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (ENVIRONMENT_CODES.has(code) || ENVIRONMENT_READ_ERRORS.has(code));
}

/**
 * Decompresses a stored snapshot into `outFile` while hashing it, then opens the result and runs
 * the integrity check and the record counts. Any problem deletes the output. Problems are sorted
 * into damage (the content is wrong) and environment (the check could not run).
 */
export async function materialiseSnapshot(
  job: MaterialiseJob,
  progress: Progress,
  hooks: { beforeCheck?: () => void } = {},
): Promise<MaterialiseOutcome> {
  const started = performance.now();
  const damage: string[] = [];
  const environment: string[] = [];
  let summary: DatabaseSummary | null = null;
  let sha256: string | null = null;
  let storedBytes: number | null = null;
  let outputBytes: number | null = null;
  let resolved: MaterialiseOutcome['resolved'];
  try {
    if (job.moment) {
      progress('materialise', 0, 1);
      const r = await materialiseMoment(job.moment.storeDir, job.moment.at, job.outFile);
      outputBytes = r.bytes;
      resolved = {
        at: r.plan.resolvedAt,
        generation: r.plan.generation.id,
        basePointId: r.plan.generation.basePointId,
        commits: r.plan.commits,
      };
    } else if (job.point) {
      progress('materialise', 0, 1);
      acceptLiveFds(job.sameAs?.fds);
      const sameAs = job.sameAs ? heldFd(job.sameAs.file) : null;
      const r = await PageStore.open(job.point.storeDir).materialise(job.point.id, job.outFile, {
        durable: !job.scratch,
        ...(sameAs !== null ? { sameAs } : {}),
      });
      outputBytes = r.bytes;
      sha256 = r.manifest.checksum;
      if (job.expectedBytes !== null && r.bytes !== job.expectedBytes)
        damage.push(`size mismatch: ${r.bytes} bytes materialised, ${job.expectedBytes} expected`);
    } else {
      const r = await decompressGzipFile(job.storedPath, job.outFile, {
        ...(job.expectedBytes !== null ? { maxOutputBytes: job.expectedBytes } : {}),
        ...(job.members ? { members: job.members } : {}),
        onProgress: (done, total) => progress('decompress', done, total),
      });
      ({ sha256, storedBytes, outputBytes } = r);
      if (job.expectedSha256 !== null && r.sha256 !== job.expectedSha256)
        damage.push('checksum mismatch: the stored file changed since it was written');
      if (job.expectedBytes !== null && r.outputBytes !== job.expectedBytes)
        damage.push(`size mismatch: ${r.outputBytes} bytes decompressed, ${job.expectedBytes} expected`);
    }
  } catch (e) {
    // Asking for a moment nothing covers is the caller's mistake, not damage.
    if (e instanceof StrataError && e.code === 'no_point_at_time') throw e;
    (isEnvironmentFailure(e) ? environment : damage).push(toErrorPayload(e).message);
  }
  if (damage.length === 0 && environment.length === 0) {
    // The file is complete: a restore stamps it here so that its write can start during the check.
    hooks.beforeCheck?.();
    progress('check', 0, 1);
    try {
      const db = openRaw(job.outFile, { readonly: true });
      try {
        damage.push(...checkIntegrity(db, job.method).map((p) => `${job.method}: ${p}`));
        summary = summarizeDatabase(db);
        for (const [table, n] of Object.entries(job.expectedCounts ?? {})) {
          if (summary.counts[table] !== n)
            damage.push(`record count of ${table} is ${summary.counts[table] ?? 'missing'}, expected ${n}`);
        }
      } finally {
        db.close();
      }
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR' || code === 'SQLITE_CANTOPEN' || isEnvironmentFailure(e))
        environment.push(`the scratch copy could not be checked: ${toErrorPayload(e).message}`);
      else damage.push(`the snapshot does not open as a database: ${toErrorPayload(e).message}`);
    }
  }
  // A point of a WAL-mode database keeps that header flag, so the read-only check left a -shm
  // (and maybe an empty -wal) beside the copy; nothing was written into them.
  for (const side of ['-wal', '-shm']) fs.rmSync(job.outFile + side, { force: true });
  const problems = [...damage, ...environment];
  if (!job.keep || problems.length) fs.rmSync(job.outFile, { force: true });
  const status: CheckStatus = damage.length ? 'damaged' : environment.length ? 'unchecked' : 'ok';
  return {
    ok: status === 'ok',
    status,
    problems,
    durationMs: performance.now() - started,
    summary,
    sha256,
    storedBytes,
    outputBytes,
    ...(resolved ? { resolved } : {}),
  };
}

/** For callers that need a checked file or nothing: damage and environment each get their own code. */
export function assertMaterialised(
  outcome: MaterialiseOutcome,
  what: string,
  consequence = 'nothing was changed',
): void {
  if (outcome.ok) return;
  if (outcome.status === 'unchecked') {
    const full = outcome.problems.some((p) => /disk is full|ENOSPC|no space/i.test(p));
    throw new StrataError(
      full ? 'disk_full' : 'snapshot_unchecked',
      `${what} could not be checked, so ${consequence}: ${outcome.problems.join('; ')}`,
    );
  }
  throw new StrataError(
    'snapshot_damaged',
    `${what} failed its checks, so ${consequence}: ${outcome.problems.join('; ')}`,
  );
}

/** The job that writes (and checks) the database as it was at a moment of continuous protection. */
export function momentMaterialiseJob(storeDir: string, at: number, outFile: string, keep: boolean): MaterialiseJob {
  return {
    op: 'materialise',
    storedPath: storeDir,
    moment: { storeDir, at },
    expectedSha256: null,
    expectedCounts: null,
    expectedBytes: null,
    members: null,
    outFile,
    method: 'integrity_check',
    keep,
  };
}
