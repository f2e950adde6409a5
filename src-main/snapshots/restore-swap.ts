import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirSync, writeFileAtomicSync } from '../core/atomic-file';
import { StrataError } from '../core/errors';
import type { Logger } from '../core/logger';

/**
 * The crash-safe file swap at the heart of a restore. A journal names the checked temp file
 * before anything changes; the live file is only ever replaced by one rename. After a kill at
 * any instant, `recoverInterruptedRestore` finds either the old database (temp still there:
 * drop it) or the new one (temp renamed: record it), both intact.
 */
export interface RestoreJournal {
  tempFile: string;
  restoredFrom: string;
  preRestoreSnapshotId: string | null;
  /** Where the old database is kept (hard link) until it is compressed into the pre-restore snapshot. */
  pendingFile: string | null;
  startedAt: string;
  undo: boolean;
}

export interface RestoreRecord {
  at: string;
  restoredFrom: string;
  preRestoreSnapshotId: string | null;
  undo: boolean;
}

export function journalPath(backupsDir: string): string {
  return path.join(backupsDir, 'restore-journal.json');
}

export function historyPath(backupsDir: string): string {
  return path.join(backupsDir, 'restore-history.json');
}

export function readRestoreHistory(backupsDir: string): RestoreRecord[] {
  try {
    const parsed = JSON.parse(fs.readFileSync(historyPath(backupsDir), 'utf8')) as unknown;
    return Array.isArray(parsed) ? (parsed as RestoreRecord[]) : [];
  } catch {
    return [];
  }
}

function appendHistory(backupsDir: string, record: RestoreRecord): void {
  const history = [...readRestoreHistory(backupsDir), record].slice(-100);
  writeFileAtomicSync(historyPath(backupsDir), JSON.stringify(history, null, 2));
}

/** Called with the live connection already closed. Throws (changing nothing) if the WAL is not empty. */
export function swapInRestoredFile(dbFile: string, backupsDir: string, journal: RestoreJournal): void {
  const wal = `${dbFile}-wal`;
  if (fs.existsSync(wal) && fs.statSync(wal).size > 0) {
    throw new StrataError(
      'database_busy',
      'Another program still has the database open, so it cannot be replaced safely. Close other Strata windows or CLI commands and try again.',
    );
  }
  writeFileAtomicSync(journalPath(backupsDir), JSON.stringify(journal));
  // The old WAL and shared-memory index belong to the old file; SQLite would replay them onto
  // the new one. The old file was fully checkpointed, so removing them loses nothing.
  fs.rmSync(wal, { force: true });
  fs.rmSync(`${dbFile}-shm`, { force: true });
  if (journal.pendingFile && fs.existsSync(dbFile)) keepOldFile(dbFile, journal.pendingFile);
  fs.renameSync(journal.tempFile, dbFile);
  fsyncDirSync(path.dirname(dbFile));
  finishJournal(backupsDir, journal);
}

/** A hard link costs nothing and keeps the old inode alive past the rename; copy where links fail. */
function keepOldFile(dbFile: string, pendingFile: string): void {
  fs.mkdirSync(path.dirname(pendingFile), { recursive: true });
  fs.rmSync(pendingFile, { force: true });
  try {
    fs.linkSync(dbFile, pendingFile);
  } catch {
    fs.copyFileSync(dbFile, pendingFile);
    const fd = fs.openSync(pendingFile, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  fsyncDirSync(path.dirname(pendingFile));
}

function finishJournal(backupsDir: string, journal: RestoreJournal): void {
  appendHistory(backupsDir, {
    at: new Date().toISOString(),
    restoredFrom: journal.restoredFrom,
    preRestoreSnapshotId: journal.preRestoreSnapshotId,
    undo: journal.undo,
  });
  fs.rmSync(journalPath(backupsDir), { force: true });
  fsyncDirSync(backupsDir);
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
    journal = JSON.parse(fs.readFileSync(jp, 'utf8')) as RestoreJournal;
  } catch {
    journal = null;
  }
  if (!journal || typeof journal.tempFile !== 'string' || path.dirname(journal.tempFile) !== path.dirname(dbFile)) {
    fs.rmSync(jp, { force: true });
    return 'rolled-back';
  }
  if (fs.existsSync(journal.tempFile)) {
    // The rename never happened: the old database is still in place and whole.
    fs.rmSync(journal.tempFile, { force: true });
    if (journal.pendingFile) fs.rmSync(journal.pendingFile, { force: true });
    fs.rmSync(jp, { force: true });
    logger.warn('an interrupted restore was rolled back; the database is as it was before', {
      from: journal.restoredFrom,
    });
    return 'rolled-back';
  }
  finishJournal(backupsDir, journal);
  logger.warn('an interrupted restore had already swapped the file; it is recorded as done', {
    from: journal.restoredFrom,
  });
  return 'completed';
}
