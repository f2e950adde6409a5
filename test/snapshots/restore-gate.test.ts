import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src-main/core/logger';
import { summarizeDatabase } from '../../src-main/db/online-copy';
import { newRestoreGate, openCopyGate, settleRestoreGate } from '../../src-main/snapshots/restore-gate';
import {
  readRestoreHistory,
  readRestoreToken,
  recoverInterruptedRestore,
  RESTORE_TOKEN_KEY,
  type RestoreJournal,
} from '../../src-main/snapshots/restore-journal';
import { runSnapshotJob } from '../../src-main/snapshots/worker-client';
import { tempDir } from '../helpers/temp-dir';
import { addDemo, contentHash, dbFileOf, integrityCheck } from '../helpers/snapshot-fixtures';

/**
 * The write of a restore copies its pages while the prepared file is still being checked, and
 * commits only once the checks passed. These tests drive the real apply worker through the
 * shared gate: an abort mid-copy leaves the live database exactly as it was, an open gate commits.
 */

async function preparedFolder(seed: number) {
  const dir = tempDir('strata-restore-gate-');
  await addDemo(dir, 60, 30, seed);
  const dbFile = dbFileOf(dir);
  const backupsDir = path.join(dir, 'backups');
  fs.mkdirSync(backupsDir, { recursive: true });
  const token = 'cd'.repeat(16);
  const tempFile = path.join(dir, '.strata.db.prepared.tmp');
  const live = new Database(dbFile);
  await live.backup(tempFile);
  live.pragma('wal_checkpoint(TRUNCATE)');
  live.close();
  const prepared = new Database(tempFile);
  prepared
    .prepare(`UPDATE database_metadata SET custom = json_set(custom, '$.${RESTORE_TOKEN_KEY}', ?) WHERE id = 1`)
    .run(token);
  // Different content from the live database, so a wrongful commit would show.
  prepared.exec("DELETE FROM messages WHERE rowid % 3 = 0; UPDATE sessions SET title = 'restored'");
  prepared.pragma('journal_mode = DELETE');
  prepared.close();
  const journal: RestoreJournal = {
    token,
    tempFile,
    restoredFrom: 'a prepared file',
    preRestoreSnapshotId: null,
    pendingFile: null,
    pendingTempFile: null,
    rollbackFile: null,
    startedAt: new Date().toISOString(),
    undo: false,
  };
  return { dir, dbFile, backupsDir, journal, tempFile };
}

/**
 * Resolves once the write holds the live database's write lock: its copy is under way and it has
 * not committed (another connection cannot start a write transaction).
 */
async function copyUnderway(dbFile: string, applying: Promise<unknown>): Promise<void> {
  let settled = false;
  void applying.then(
    () => (settled = true),
    () => (settled = true),
  );
  const probe = new Database(dbFile);
  try {
    probe.pragma('busy_timeout = 0');
    while (!settled) {
      try {
        probe.exec('BEGIN IMMEDIATE');
        probe.exec('ROLLBACK');
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_BUSY') return;
        throw e;
      }
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    probe.close();
  }
  throw new Error('the write ended before it held the database');
}

/** The content fingerprint a pre-restore point of the live data would carry. */
function fingerprintOf(dbFile: string): string {
  const probe = new Database(dbFile, { readonly: true });
  try {
    return summarizeDatabase(probe).fingerprint;
  } finally {
    probe.close();
  }
}

/** The write of a restore whose pre-restore point holds `fingerprint`, gates open. */
function applyAfterPoint(f: Awaited<ReturnType<typeof preparedFolder>>, fingerprint: string, pendingFile: string) {
  const gate = newRestoreGate();
  const applying = runSnapshotJob({
    op: 'restore-apply',
    dbFile: f.dbFile,
    backupsDir: f.backupsDir,
    journal: f.journal,
    rollback: null,
    gate,
    unchangedSince: { fingerprint, pendingFile, pendingTempFile: `${pendingFile}.tmp` },
  });
  openCopyGate(gate);
  settleRestoreGate(gate, true);
  return applying;
}

describe('the restore gate', () => {
  it('an abort while the write is copying rolls the copy back: the live database is exactly as it was', async () => {
    const { dbFile, backupsDir, journal } = await preparedFolder(31);
    const before = contentHash(dbFile);
    const gate = newRestoreGate();
    const applying = runSnapshotJob({ op: 'restore-apply', dbFile, backupsDir, journal, rollback: null, gate });
    applying.catch(() => undefined);
    openCopyGate(gate);
    await copyUnderway(dbFile, applying);
    // A reader meanwhile sees the old data: nothing is committed while the gate is shut.
    expect(readRestoreToken(dbFile)).toBeNull();
    settleRestoreGate(gate, false);
    await expect(applying).rejects.toMatchObject({ code: 'aborted' });
    expect(contentHash(dbFile)).toBe(before);
    expect(integrityCheck(dbFile)).toEqual(['ok']);
    expect(recoverInterruptedRestore(dbFile, backupsDir, silentLogger)).toBe('rolled-back');
    expect(readRestoreHistory(backupsDir)).toEqual([]);
  }, 120_000);

  it('once the checks pass, the held copy commits the prepared file', async () => {
    const { dbFile, backupsDir, journal, tempFile } = await preparedFolder(32);
    const expected = contentHash(tempFile);
    const gate = newRestoreGate();
    const applying = runSnapshotJob({ op: 'restore-apply', dbFile, backupsDir, journal, rollback: null, gate });
    applying.catch(() => undefined);
    openCopyGate(gate);
    await copyUnderway(dbFile, applying);
    expect(readRestoreToken(dbFile)).toBeNull();
    settleRestoreGate(gate, true);
    await applying;
    expect(readRestoreToken(dbFile)).toBe(journal.token);
    expect(contentHash(dbFile)).toBe(expected);
    expect(integrityCheck(dbFile)).toEqual(['ok']);
    const reopened = new Database(dbFile, { readonly: true });
    expect(reopened.pragma('journal_mode', { simple: true }), 'the live database stays in WAL mode').toBe('wal');
    reopened.close();
    expect(readRestoreHistory(backupsDir).map((r) => r.restoredFrom)).toEqual(['a prepared file']);
  }, 120_000);
  it.skipIf(spawnSync('sqlite3', ['-version']).status !== 0)(
    'keeps what it replaces when another program committed after the pre-restore point, under its own lock',
    async () => {
      const folder = await preparedFolder(33);
      const { dir, dbFile, backupsDir, tempFile } = folder;
      const expected = contentHash(tempFile);
      // What the pre-restore point held, then a commit by a real second process after it.
      const pointFingerprint = fingerprintOf(dbFile);
      const r = spawnSync('sqlite3', [
        '-cmd',
        '.timeout 5000',
        dbFile,
        "UPDATE sessions SET title = 'written meanwhile' WHERE rowid = 1;",
      ]);
      expect(r.status).toBe(0);
      const replaced = contentHash(dbFile);
      const pendingFile = path.join(backupsDir, 'snapshots', 'p.pending.db');
      fs.mkdirSync(path.dirname(pendingFile), { recursive: true });
      const applying = applyAfterPoint(folder, pointFingerprint, pendingFile);
      const outcome = await applying;
      expect(outcome).toEqual({ keptOldDatabase: true, replacesStoredPoint: true });
      // The other program's commit is in the kept file, and the restore went in whole.
      expect(contentHash(pendingFile)).toBe(replaced);
      expect(contentHash(dbFile)).toBe(expected);
      expect(integrityCheck(dbFile)).toEqual(['ok']);
      expect(readRestoreHistory(backupsDir).map((h) => h.restoredFrom)).toEqual(['a prepared file']);
      expect(fs.existsSync(path.join(dir, 'backups', 'restore-journal.json'))).toBe(false);
    },
    120_000,
  );

  it('goes straight on when the live data is still what the pre-restore point holds', async () => {
    const folder = await preparedFolder(34);
    const expected = contentHash(folder.tempFile);
    const pendingFile = path.join(folder.backupsDir, 'snapshots', 'p.pending.db');
    const applying = applyAfterPoint(folder, fingerprintOf(folder.dbFile), pendingFile);
    expect(await applying).toEqual({ keptOldDatabase: false, replacesStoredPoint: false });
    expect(fs.existsSync(pendingFile)).toBe(false);
    expect(contentHash(folder.dbFile)).toBe(expected);
  }, 120_000);
});
