import fs from 'node:fs';
import { StrataError, toErrorPayload } from '../core/errors';
import { commitTempFileSync } from '../core/atomic-file';
import { diskError } from '../core/write-all';
import { APP_VERSION } from '../core/app-version';
import { openRaw } from '../db/connection';
import { assertSchemaNotNewer, readSchemaVersion } from '../db/migrator';
import { MIGRATIONS, type Migration } from '../db/migrations';
import { checkIntegrity } from '../db/online-copy';
import { StrataDatabase, tableCounts } from '../db/strata-database';
import { materialiseSnapshot, type MaterialiseJob, type MaterialiseOutcome, type Progress } from './materialise-job';
import {
  finishRestoreJournal,
  readRestoreToken,
  removeWithJournalFiles,
  RESTORE_TOKEN_KEY,
  writeRestoreJournal,
  type RestoreJournal,
} from './restore-journal';
import { openCopyGate, waitToCommit, waitToCopy, type RestoreGate } from './restore-gate';
import { copyDatabase, liveStillHolds } from './restore-copy';

/** Work that runs inside the snapshot worker thread: a restore in two steps, prepare then apply. */

export interface PrepareRestoreJob {
  op: 'restore-prepare';
  materialise: MaterialiseJob;
  /** The restore's token; null when the point is only opened to be looked at. */
  token: string | null;
  /** Shared with the apply job: its copy may start once the file is final (see restore-gate.ts). */
  gate?: RestoreGate;
}

export interface PrepareRestoreOutcome {
  materialised: MaterialiseOutcome;
  migratedFrom: number | null;
  schemaVersion: number;
  counts: Record<string, number>;
}

/**
 * Materialises and checks the snapshot into a private temp file, refuses a newer schema by what
 * the file itself says, migrates an older one forward, and stamps it with the restore's token.
 * The live database is not touched: a failing check or migration leaves everything as it was.
 */
export async function prepareRestore(
  job: PrepareRestoreJob,
  progress: Progress,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<PrepareRestoreOutcome> {
  const file = job.materialise.outFile;
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  let stamped = false;
  const gate = job.gate;
  const stampBeforeCheck = () => {
    if (!gate) return;
    stamped = stampIfFinal(file, job.token, latest);
    if (stamped) openCopyGate(gate);
  };
  try {
    const materialised = await materialiseSnapshot({ ...job.materialise, keep: true }, progress, {
      beforeCheck: stampBeforeCheck,
    });
    if (!materialised.ok) return { materialised, migratedFrom: null, schemaVersion: 0, counts: {} };
    let from: number;
    const probe = openRaw(file, { readonly: true });
    try {
      from = assertSchemaNotNewer(probe, migrations);
    } finally {
      probe.close();
    }
    // Stamped before its checks, the file they passed is the very one being written.
    if (stamped && materialised.summary)
      return { materialised, migratedFrom: null, schemaVersion: from, counts: materialised.summary.counts };
    let migratedFrom: number | null = null;
    if (from < latest) {
      progress('migrate', 0, 1);
      try {
        const db = await StrataDatabase.open({ file, appVersion: APP_VERSION, migrations });
        db.close();
      } catch (e) {
        if (e instanceof StrataError && e.code === 'schema_too_new') throw e;
        throw new StrataError(
          'migration_failed',
          `The snapshot's data (schema ${from}) could not be brought up to this version, so nothing was restored: ${toErrorPayload(e).message}`,
        );
      }
      migratedFrom = from;
    }
    const db = openRaw(file);
    try {
      db.prepare(STAMP_TOKEN).run(job.token);
      const counts = tableCounts(db);
      const schemaVersion = readSchemaVersion(db);
      db.pragma('wal_checkpoint(TRUNCATE)');
      return { materialised, migratedFrom, schemaVersion, counts };
    } finally {
      db.close();
    }
  } catch (e) {
    removeWithJournalFiles(file);
    throw diskError(e);
  }
}

const STAMP_TOKEN = `UPDATE database_metadata SET custom = json_set(custom, '$.${RESTORE_TOKEN_KEY}', ?) WHERE id = 1`;

/**
 * Stamps a freshly materialised file that needs no migration (nothing changes it after this), so
 * the write can copy it while it is checked. False when it needs a migration, or does not open
 * or update: the checks that follow then report the damage, and nothing is copied before them.
 */
function stampIfFinal(file: string, token: string | null, latest: number): boolean {
  try {
    const db = openRaw(file);
    try {
      if (readSchemaVersion(db) !== latest) return false;
      db.prepare(STAMP_TOKEN).run(token);
      db.pragma('wal_checkpoint(TRUNCATE)');
      // Two connections read it at once (the check, the write): no -wal or -shm beside it. The
      // live database stays in WAL mode: SQLite's backup keeps a WAL destination's mode.
      db.pragma('journal_mode = DELETE');
      return true;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

export interface ApplyRestoreJob {
  op: 'restore-apply';
  dbFile: string;
  backupsDir: string;
  journal: RestoreJournal;
  /**
   * The pre-restore point, stored before this job from the very data it replaces: what puts the
   * old data back if the written result fails quick_check. Null when the old database is kept
   * aside as a file instead (journal.pendingFile).
   */
  rollback: MaterialiseJob | null;
  /** Shared with the prepare job: copy once the file is final, commit once its checks passed. */
  gate?: RestoreGate;
  /**
   * The fingerprint of the live data its pre-restore point holds, and where to keep the old
   * database aside instead. Once the write holds the live database's write lock, the live data
   * is checked against it: if another program committed since the point, that commit would be
   * overwritten and be in no point, so what is live then is copied aside (under the held lock)
   * and becomes the pre-restore point in place of the stale one.
   */
  unchangedSince?: { fingerprint: string; pendingFile: string; pendingTempFile: string };
  busyTimeoutMs?: number;
}

export interface ApplyRestoreOutcome {
  keptOldDatabase: boolean;
  /** The live data moved after the stored pre-restore point: the kept file replaces that point. */
  replacesStoredPoint: boolean;
}

/**
 * Keeps the old database aside (unless its pre-restore point is already stored), then writes the
 * prepared file into the live database through SQLite's backup API. The backup holds the live database's write lock for the whole copy and
 * commits once, so other connections (other processes too) see the old content or the new, and
 * a kill mid-copy leaves a transaction SQLite rolls back. Success is only reported once a fresh
 * connection reads the restore's token back and the result passes quick_check.
 */
export async function applyRestore(job: ApplyRestoreJob, progress: Progress): Promise<ApplyRestoreOutcome> {
  const { dbFile, backupsDir, journal } = job;
  const busyTimeoutMs = job.busyTimeoutMs ?? 15_000;
  writeRestoreJournal(backupsDir, journal);
  let keptOldDatabase = false;
  let replacesStoredPoint = false;
  let current = journal;
  const keepOldAside = async (pendingTempFile: string, pendingFile: string) => {
    progress('keep-old', 0, 1);
    const live = openRaw(dbFile);
    try {
      live.pragma(`busy_timeout = ${busyTimeoutMs}`);
      await copyDatabase(live, pendingTempFile, (d, t) => progress('keep-old', d, t));
    } catch (e) {
      throw diskError(e);
    } finally {
      live.close();
    }
    fs.rmSync(`${pendingTempFile}-journal`, { force: true });
    commitTempFileSync(pendingTempFile, pendingFile);
    keptOldDatabase = true;
  };
  if (journal.pendingFile && journal.pendingTempFile && fs.existsSync(dbFile))
    await keepOldAside(journal.pendingTempFile, journal.pendingFile);
  const expected = job.unchangedSince;
  const onLocked = expected
    ? async () => {
        if (keptOldDatabase || liveStillHolds(dbFile, expected.fingerprint)) return;
        // Reading goes on under our write lock: this is exactly what the write replaces.
        await keepOldAside(expected.pendingTempFile, expected.pendingFile);
        current = { ...journal, pendingFile: expected.pendingFile, pendingTempFile: expected.pendingTempFile };
        writeRestoreJournal(backupsDir, current);
        replacesStoredPoint = true;
      }
    : undefined;
  if (job.gate) waitToCopy(job.gate);
  const gate = job.gate;
  const beforeCommit = gate ? () => waitToCommit(gate) : undefined;
  const source = openRaw(journal.tempFile, { readonly: true });
  try {
    const deadline = Date.now() + busyTimeoutMs;
    // A busy first step ends better-sqlite3's backup without copying anything; the token says so.
    for (let attempt = 1; ; attempt++) {
      progress('write', 0, 1);
      try {
        await copyDatabase(source, dbFile, (d, t) => progress('write', d, t), beforeCommit, onLocked);
      } catch (e) {
        throw diskError(e);
      }
      if (readRestoreToken(dbFile) === journal.token) break;
      if (Date.now() > deadline)
        throw new StrataError(
          'database_busy',
          'Another program kept the database locked, so nothing was restored. Close it and try again.',
        );
      await new Promise((r) => setTimeout(r, Math.min(200, 10 * attempt)));
    }
  } finally {
    source.close();
  }
  progress('verify', 0, 1);
  const live = openRaw(dbFile);
  try {
    live.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const problems = checkIntegrity(live, 'quick_check');
    if (problems.length) {
      // Never report success over a damaged result: put the old content back the same way.
      await putOldDataBack(job, keptOldDatabase ? current.pendingFile : null, replacesStoredPoint, progress);
      throw new StrataError(
        'restore_failed',
        `The restored database failed quick_check, so the previous data was put back: ${problems.slice(0, 3).join('; ')}`,
      );
    }
    try {
      // Fold the restore's WAL into the file now, while nothing else is running; harmless if busy.
      live.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // a reader still holds an old snapshot: SQLite checkpoints later
    }
  } finally {
    live.close();
  }
  removeWithJournalFiles(journal.tempFile);
  finishRestoreJournal(backupsDir, current);
  return { keptOldDatabase, replacesStoredPoint };
}

/**
 * Copies the old data back over a restored result that failed quick_check: from the kept file,
 * or from the pre-restore point, materialised and checked (hashes, integrity_check, counts) first.
 */
async function putOldDataBack(
  job: ApplyRestoreJob,
  keptFile: string | null,
  keptIsNewer: boolean,
  progress: Progress,
): Promise<void> {
  let oldFile: string | null = keptFile;
  // A file kept aside under the write's lock is newer than the stored point: it is what was replaced.
  const rollback = keptIsNewer ? null : job.rollback;
  if (rollback) {
    progress('roll-back', 0, 1);
    const outcome = await materialiseSnapshot({ ...rollback, keep: true }, progress);
    if (!outcome.ok)
      throw new StrataError(
        'restore_failed',
        `The restored database failed quick_check, and the pre-restore snapshot ${job.journal.preRestoreSnapshotId} could not be read back to put the previous data in place (${outcome.problems.slice(0, 3).join('; ')}). Restore it once the cause is fixed.`,
      );
    oldFile = rollback.outFile;
  }
  if (!oldFile) return;
  try {
    const old = openRaw(oldFile, { readonly: true });
    try {
      await copyDatabase(old, job.dbFile);
    } finally {
      old.close();
    }
  } finally {
    if (rollback) removeWithJournalFiles(rollback.outFile);
  }
}
