import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { lendLiveFds } from '../../src-main/continuous/held-fd';
import { readWalIndexHeader } from '../../src-main/continuous/wal-index';
import { PageStore } from '../../src-main/page-store';
import { checkImage } from '../../src-main/snapshots/image-check';
import { tempDir } from '../helpers/temp-dir';
import { storeLivePoint } from '../helpers/store-point';

/**
 * A snapshot is checked: quick_check runs on the very image stored (beside the storing, in its
 * own thread, or on the pinning connection), and a database that fails it gets no point.
 */
function damagedDatabase(): { dir: string; db: string } {
  const dir = tempDir('strata-check-');
  const db = path.join(dir, 'strata.db');
  const w = new Database(db);
  w.pragma('journal_mode = WAL');
  w.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t (v); CREATE TABLE other (x)');
  const ins = w.prepare('INSERT INTO t (v) VALUES (?)');
  w.transaction(() => {
    for (let i = 0; i < 3000; i++) ins.run(`value ${i} ${'x'.repeat(i % 50)}`);
  })();
  const leaf = w
    .prepare("SELECT pageno FROM dbstat WHERE name = 't_v' AND pagetype = 'leaf' LIMIT 1 OFFSET 3")
    .get() as {
    pageno: number;
  };
  w.pragma('wal_checkpoint(TRUNCATE)');
  w.close();
  // Scramble the cells of one index page: the file still opens, the index no longer holds up.
  const fd = fs.openSync(db, 'r+');
  const junk = Buffer.alloc(2000, 0x41);
  fs.writeSync(fd, junk, 0, junk.length, (leaf.pageno - 1) * 4096 + 1500);
  fs.closeSync(fd);
  return { dir, db };
}

function snapshot(dir: string, db: string) {
  const storeDir = path.join(dir, 'backups', 'store');
  fs.mkdirSync(storeDir, { recursive: true });
  const run = storeLivePoint(db, storeDir, 'p1', { foldWal: false });
  return { run, store: () => PageStore.open(storeDir) };
}

describe('a snapshot of a damaged database', () => {
  it('is refused with snapshot_check_failed and lists no point, with the WAL in use or not', async () => {
    for (const walInUse of [true, false]) {
      const { dir, db } = damagedDatabase();
      const w = walInUse ? new Database(db) : null;
      w?.pragma('wal_autocheckpoint = 0');
      w?.prepare('INSERT INTO other (x) VALUES (1)').run();
      const { run, store } = snapshot(dir, db);
      await expect(run).rejects.toMatchObject({ code: 'snapshot_check_failed' });
      expect(store().listManifests().manifests).toEqual([]);
      w?.close();
    }
  });
});

describe('the check beside the storing', () => {
  it('checks only the image it was given: after a commit it says so, and the snapshot checks on its own', async () => {
    const dir = tempDir('strata-check-');
    const db = path.join(dir, 'strata.db');
    const w = new Database(db);
    w.pragma('journal_mode = WAL');
    w.pragma('wal_autocheckpoint = 0');
    w.exec('CREATE TABLE t (x)');
    w.prepare('INSERT INTO t (x) VALUES (1)').run();
    lendLiveFds(db); // this thread holds the descriptors the reader of -shm uses
    const at = readWalIndexHeader(`${db}-shm`)!;
    const same = checkImage(db, at, 1000);
    expect(same.ok && same.problems).toEqual([]);
    expect(same.ok && same.summary.counts.t).toBe(1);
    w.prepare('INSERT INTO t (x) VALUES (2)').run();
    expect(checkImage(db, at, 1000)).toEqual({ ok: false, reason: 'moved' });
    w.close();
  });
});
