import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { silentLogger } from '../../src-main/core/logger';
import { seededRandom } from '../../src-main/db/demo-data';
import { PageStore } from '../../src-main/page-store';
import { applyRestore } from '../../src-main/snapshots/restore-jobs';
import {
  journalPath,
  readRestoreHistory,
  recoverInterruptedRestore,
  RESTORE_TOKEN_KEY,
  type RestoreJournal,
} from '../../src-main/snapshots/restore-journal';
import { materialiseJobFor } from '../../src-main/snapshots/verify-snapshot';
import type { MaterialiseJob } from '../../src-main/snapshots/materialise-job';
import { tempDir } from '../helpers/temp-dir';
import { addDemo, contentHash, dbFileOf, leftovers, roomyDisk } from '../helpers/snapshot-fixtures';

/**
 * The pre-restore point is stored from the live database before the restore writes anything,
 * instead of from a copy kept aside. These tests prove it holds the replaced state exactly, and
 * that a restored result failing quick_check is rolled back from it (a real damaged file).
 */

const storeDirOf = (dataDir: string) => path.join(dataDir, 'backups', 'store');

/** The database image as SQLite reads it (file and WAL), split into pages. */
function livePages(dbFile: string): Buffer[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const image = db.serialize();
    const pages: Buffer[] = [];
    for (let at = 0; at < image.length; at += pageSize) pages.push(Buffer.from(image.subarray(at, at + pageSize)));
    return pages;
  } finally {
    db.close();
  }
}

/** Scribbles over the root pages of the messages table's indexes: quick_check fails, the rows still read. */
function damageMessageIndexes(file: string, seed: number): void {
  const db = new Database(file);
  let roots: number[];
  let pageSize: number;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    roots = (
      db.prepare("SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'").all() as {
        rootpage: number;
      }[]
    ).map((r) => r.rootpage);
    pageSize = db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
  expect(roots.length).toBeGreaterThan(0);
  const random = seededRandom(seed);
  const fd = fs.openSync(file, 'r+');
  try {
    for (const root of roots) {
      const junk = Buffer.alloc(pageSize - 200);
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(random() * 256);
      fs.writeSync(fd, junk, 0, junk.length, (root - 1) * pageSize + 100);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Random edits a person would make: new sessions and messages, deleted ones. */
function editRandomly(app: StrataApp, seed: number): void {
  const random = seededRandom(seed);
  for (let i = 0; i < 5; i++) {
    const s = app.db.sessions.create({ title: `edit ${seed}-${i}` });
    for (let m = 0; m < 1 + Math.floor(random() * 20); m++)
      app.db.messages.append(s.id, { role: 'user', content: `text ${seed}-${i}-${m} ${'x'.repeat(random() * 900)}` });
  }
  const all = app.db.sessions.list({ limit: 1000 });
  app.db.sessions.delete(all[Math.floor(random() * all.length)]!.id);
}

describe('the pre-restore point', () => {
  it('equals the replaced database page for page, is listed at once, and undo brings that data back', async () => {
    const dir = tempDir('strata-pre-restore-');
    await addDemo(dir, 40, 15, 7);
    const app = await StrataApp.open({ dataDir: dir, owner: 'cli', exclusive: true, diskProbe: roomyDisk });
    try {
      const target = await app.snapshots.create({ tier: 'manual', label: 'target' });
      for (let round = 0; round < 3; round++) {
        editRandomly(app, 100 + round);
        const replaced = livePages(dbFileOf(dir));
        const replacedHash = contentHash(dbFileOf(dir));
        const r = await app.snapshots.restore(target.id);
        expect(r.preRestoreSnapshotId, `round ${round}`).not.toBeNull();
        // Listed the moment the restore returns: undo does not wait for a background step.
        const pre = app.snapshots.store.get(r.preRestoreSnapshotId!);
        expect(pre).toMatchObject({ tier: 'pre-restore', pinned: true, label: `Before restoring ${target.id}` });
        const point = PageStore.open(storeDirOf(dir)).openPoint(r.preRestoreSnapshotId!);
        expect(point.pageCount, `round ${round}: page count`).toBe(replaced.length);
        for (let n = 1; n <= point.pageCount; n++) {
          if (!point.readPage(n).equals(replaced[n - 1]!)) expect.fail(`round ${round}: page ${n} differs`);
        }
        expect(leftovers(dir), `round ${round}`).toMatchObject({ root: [], pending: [] });

        await app.snapshots.undoRestore();
        expect(contentHash(dbFileOf(dir)), `round ${round}: undo`).toBe(replacedHash);
      }
      expect(readRestoreHistory(path.join(dir, 'backups')).map((h) => h.undo)).toEqual([
        false,
        true,
        false,
        true,
        false,
        true,
      ]);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('puts the old data back from the point when the written result fails quick_check', async () => {
    const dir = tempDir('strata-pre-restore-rollback-');
    await addDemo(dir, 30, 20, 8);
    const app = await StrataApp.open({ dataDir: dir, owner: 'cli', exclusive: true, diskProbe: roomyDisk });
    const rollbackFile = path.join(dir, '.strata.db.rollback.tmp');
    let preId: string;
    let rollback: MaterialiseJob;
    try {
      // The live data as it stands is the pre-restore point the rollback reads.
      preId = (await app.snapshots.create({ tier: 'pre-restore', label: 'before' })).id;
      rollback = { ...materialiseJobFor(app.snapshots.store.get(preId), rollbackFile, true), scratch: true };
    } finally {
      await app.close();
    }
    const dbFile = dbFileOf(dir);
    const before = contentHash(dbFile);
    const backupsDir = path.join(dir, 'backups');

    // A prepared source that carries the token but whose index pages are damaged: the write
    // copies it verbatim, the token reads back, and quick_check on the live result fails.
    const token = 'ab'.repeat(16);
    const source = path.join(dir, '.strata.db.source.tmp');
    const src = new Database(dbFile, { readonly: true });
    await src.backup(source);
    src.close();
    const db = new Database(source);
    try {
      db.prepare(
        `UPDATE database_metadata SET custom = json_set(custom, '$.${RESTORE_TOKEN_KEY}', ?) WHERE id = 1`,
      ).run(token);
    } finally {
      db.close();
    }
    damageMessageIndexes(source, 9);

    const journal: RestoreJournal = {
      token,
      tempFile: source,
      restoredFrom: 'a damaged source',
      preRestoreSnapshotId: preId,
      pendingFile: null,
      pendingTempFile: null,
      rollbackFile,
      startedAt: new Date().toISOString(),
      undo: false,
    };

    await expect(
      applyRestore({ op: 'restore-apply', dbFile, backupsDir, journal, rollback }, () => undefined),
    ).rejects.toMatchObject({ code: 'restore_failed', message: expect.stringMatching(/previous data was put back/) });
    expect(contentHash(dbFile), 'the old data is back').toBe(before);
    expect(fs.existsSync(rollbackFile), 'the rollback copy is gone').toBe(false);
    expect(fs.existsSync(journalPath(backupsDir)), 'the journal waits for the caller').toBe(true);
    expect(recoverInterruptedRestore(dbFile, backupsDir, silentLogger)).toBe('rolled-back');
    expect(readRestoreHistory(backupsDir)).toEqual([]);
    fs.rmSync(source, { force: true });
  }, 60_000);

  it('over a live database that fails quick_check: the old file is kept aside instead, and the restore goes ahead', async () => {
    const dir = tempDir('strata-pre-restore-damaged-live-');
    await addDemo(dir, 30, 20, 10);
    let app = await StrataApp.open({ dataDir: dir, owner: 'cli', exclusive: true, diskProbe: roomyDisk });
    const target = await app.snapshots.create({ tier: 'manual', label: 'target' });
    const atTarget = contentHash(dbFileOf(dir));
    editRandomly(app, 11);
    await app.close();
    damageMessageIndexes(dbFileOf(dir), 12);
    const damaged = livePages(dbFileOf(dir));

    app = await StrataApp.open({ dataDir: dir, owner: 'cli', exclusive: true, diskProbe: roomyDisk });
    try {
      const r = await app.snapshots.restore(target.id);
      expect(contentHash(dbFileOf(dir)), 'the snapshot is live').toBe(atTarget);
      // The damaged data cannot become a checked point, so it stays on disk as the only copy.
      await app.snapshots.completePendingPreRestores();
      const pending = app.snapshots.store.pendingFiles();
      expect(pending.map((p) => p.id)).toEqual([r.preRestoreSnapshotId]);
      const kept = livePages(pending[0]!.file);
      expect(kept.length).toBe(damaged.length);
      // A backup copy's header carries its own change counter, schema cookie and journal-mode bytes.
      const header = (p: Buffer) =>
        Buffer.concat([p.subarray(0, 18), p.subarray(20, 24), p.subarray(28, 40), p.subarray(44, 92), p.subarray(100)]);
      expect(header(kept[0]!).equals(header(damaged[0]!)), 'page 1').toBe(true);
      for (let n = 1; n < kept.length; n++) if (!kept[n]!.equals(damaged[n]!)) expect.fail(`page ${n + 1} differs`);
      expect(() => app.snapshots.store.get(r.preRestoreSnapshotId!)).toThrow();
    } finally {
      await app.close();
    }
  }, 60_000);
});
