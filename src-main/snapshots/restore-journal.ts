import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { fsyncDirSync, writeFileAtomicSync } from '../core/atomic-file';
import type { Logger } from '../core/logger';
import { openRaw } from '../db/connection';

/**
 * A restore writes the checked snapshot into the live database through SQLite's backup API, as
 * one transaction. The journal, written before that transaction starts, names a random token that
 * only the restored content carries (in database_metadata). After a kill at any instant the next
 * start reads the live database: the token is there (the commit happened: record the restore) or
 * it is not (SQLite rolled the half-written transaction back: the old data is in place).
 */
const journalSchema = z.object({
  token: z.string().regex(/^[0-9a-f]{32}$/),
  tempFile: z.string(),
  restoredFrom: z.string(),
  /**
   * The pinned point of the data being replaced. Normally it is stored (from the live database,
   * after the app's connection closed) before this journal is written, so it is listed from the
   * first instant the restore can commit; otherwise the old database is kept as `pendingFile`.
   */
  preRestoreSnapshotId: z.string().nullable(),
  /** Where the old database is kept until it is stored as the pre-restore snapshot; null when already stored. */
  pendingFile: z.string().nullable(),
  pendingTempFile: z.string().nullable(),
  /** Where the pre-restore point is materialised if a restored result has to be rolled back. */
  rollbackFile: z.string().nullable().optional(),
  startedAt: z.string(),
  undo: z.boolean(),
});
export type RestoreJournal = z.infer<typeof journalSchema>;

const recordSchema = z.object({
  at: z.string(),
  restoredFrom: z.string(),
  preRestoreSnapshotId: z.string().nullable(),
  undo: z.boolean(),
});
export type RestoreRecord = z.infer<typeof recordSchema>;

export const RESTORE_TOKEN_KEY = 'restoreToken';

export function journalPath(backupsDir: string): string {
  return path.join(backupsDir, 'restore-journal.json');
}

export function historyPath(backupsDir: string): string {
  return path.join(backupsDir, 'restore-history.json');
}

export function readRestoreHistory(backupsDir: string): RestoreRecord[] {
  try {
    const parsed = z.array(recordSchema).safeParse(JSON.parse(fs.readFileSync(historyPath(backupsDir), 'utf8')));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export function writeRestoreJournal(backupsDir: string, journal: RestoreJournal): void {
  writeFileAtomicSync(journalPath(backupsDir), JSON.stringify(journal));
}

/** The restore committed: it goes into the history (for undo) and the journal goes. */
export function finishRestoreJournal(backupsDir: string, journal: RestoreJournal, at = new Date()): void {
  const history = [
    ...readRestoreHistory(backupsDir),
    {
      at: at.toISOString(),
      restoredFrom: journal.restoredFrom,
      preRestoreSnapshotId: journal.preRestoreSnapshotId,
      undo: journal.undo,
    },
  ].slice(-100);
  writeFileAtomicSync(historyPath(backupsDir), JSON.stringify(history, null, 2));
  removeRestoreJournal(backupsDir);
}

export function removeRestoreJournal(backupsDir: string): void {
  fs.rmSync(journalPath(backupsDir), { force: true });
  fsyncDirSync(backupsDir);
}

/** The token of the restore that produced the live content, or null. Opens read-write so a WAL left by a kill is recovered. */
export function readRestoreToken(dbFile: string): string | null {
  if (!fs.existsSync(dbFile)) return null;
  const db = openRaw(dbFile);
  try {
    db.pragma('busy_timeout = 5000');
    const row = db
      .prepare(`SELECT json_extract(custom, '$.${RESTORE_TOKEN_KEY}') AS t FROM database_metadata WHERE id = 1`)
      .get() as { t: unknown } | undefined;
    return typeof row?.t === 'string' ? row.t : null;
  } catch {
    return null;
  } finally {
    db.close();
  }
}

export function removeWithJournalFiles(file: string | null): void {
  if (!file) return;
  for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
}

/** Run before the database is opened. Returns what it found, for the log. */
export function recoverInterruptedRestore(
  dbFile: string,
  backupsDir: string,
  logger: Logger,
): 'none' | 'rolled-back' | 'completed' {
  const jp = journalPath(backupsDir);
  if (!fs.existsSync(jp)) return 'none';
  let journal: RestoreJournal | null = null;
  try {
    const parsed = journalSchema.safeParse(JSON.parse(fs.readFileSync(jp, 'utf8')));
    journal = parsed.success ? parsed.data : null;
  } catch {
    journal = null;
  }
  if (!journal) {
    // Nothing it names can be trusted; the live database was only ever changed in one transaction.
    removeRestoreJournal(backupsDir);
    logger.warn('an unreadable restore journal was removed; the database was left as SQLite committed it');
    return 'rolled-back';
  }
  const sameFolder = (f: string | null) =>
    f === null || path.dirname(f) === path.dirname(dbFile) || path.dirname(f) === path.join(backupsDir, 'snapshots');
  if (sameFolder(journal.tempFile)) removeWithJournalFiles(journal.tempFile);
  if (sameFolder(journal.pendingTempFile)) removeWithJournalFiles(journal.pendingTempFile);
  if (sameFolder(journal.rollbackFile ?? null)) removeWithJournalFiles(journal.rollbackFile ?? null);
  if (readRestoreToken(dbFile) === journal.token) {
    finishRestoreJournal(backupsDir, journal);
    logger.warn('an interrupted restore had already committed; it is recorded as done', { from: journal.restoredFrom });
    return 'completed';
  }
  if (sameFolder(journal.pendingFile)) removeWithJournalFiles(journal.pendingFile);
  removeRestoreJournal(backupsDir);
  // A pre-restore point stored before the kill stays: pinned, it holds exactly the data still live.
  logger.warn('an interrupted restore was rolled back; the database is as it was before', {
    from: journal.restoredFrom,
    ...(journal.pendingFile === null && journal.preRestoreSnapshotId
      ? { keptPoint: journal.preRestoreSnapshotId }
      : {}),
  });
  return 'rolled-back';
}
