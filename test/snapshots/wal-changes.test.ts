import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PageStore } from '../../src-main/page-store';
import { walChangesFile, walStillHoldsChanges } from '../../src-main/snapshots/wal-changes';
import { readWalIndexHeader } from '../../src-main/continuous/wal-index';
import { tempDir } from '../helpers/temp-dir';
import { storeLivePoint, walDatabase } from '../helpers/store-point';
import { seededRandom } from '../helpers/seeded-random';
import { backupCopy, integrityCheck } from '../page-store/store-fixtures';

/**
 * With no shipper, a snapshot reads only the pages the WAL says changed since the last fold. Any
 * change it failed to see would make a point differ from the database it was taken of, so every
 * quiet point is compared page for page with a backup copy, while a real second process writes,
 * checkpoints in every mode and keeps the WAL from resetting.
 */
const hasSqlite3 = spawnSync('sqlite3', ['-version']).status === 0;
const ROOT = path.resolve(__dirname, '..', '..');

function sqlite3(file: string, sql: string): void {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', file, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
}

/** A second process committing one row at a time until it is told to stop. */
function foreignWriter(file: string): { stop(): Promise<void> } {
  const script = `const D = require(${JSON.stringify(path.join(ROOT, 'node_modules', 'better-sqlite3'))});
const db = new D(process.argv[1]); db.pragma('busy_timeout = 5000');
let stop = false; process.stdin.on('data', () => { stop = true; }); process.stdin.resume();
const ins = db.prepare('INSERT INTO t (v) VALUES (randomblob(1500))');
(function loop() { if (stop) { db.close(); process.exit(0); } ins.run(); setImmediate(loop); })();`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script, file], { stdio: ['pipe', 'ignore', 'inherit'] });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.write('stop\n');
      }),
  };
}

/**
 * The point's pages equal what SQLite sees now. A backup stamps three header fields of its own:
 * the change counter (24), version-valid-for (92) and the SQLite version that wrote it (96).
 */
async function expectPointIsDatabase(store: PageStore, id: string, db: string, dir: string): Promise<void> {
  const out = path.join(dir, `${id}.db`);
  const reference = path.join(dir, `${id}.ref.db`);
  await store.materialise(id, out);
  await backupCopy(db, reference);
  const a = fs.readFileSync(out);
  const b = fs.readFileSync(reference);
  expect(a.length, id).toBe(b.length);
  for (const at of [24, 92, 96]) a.copy(b, at, at, at + 4);
  for (let at = 0; at < a.length; at += 4096) {
    if (!a.subarray(at, at + 4096).equals(b.subarray(at, at + 4096))) {
      const bytes: number[] = [];
      for (let i = at; i < at + 4096 && bytes.length < 12; i++) if (a[i] !== b[i]) bytes.push(i - at);
      throw new Error(`${id}: page ${at / 4096 + 1} differs at bytes ${bytes.join(', ')}`);
    }
  }
  fs.rmSync(out);
  fs.rmSync(reference);
}

describe('snapshots that read only what the WAL says changed', () => {
  it.skipIf(!hasSqlite3)('are page for page the database, under foreign writes, checkpoints and readers', async () => {
    const dir = tempDir('strata-walchg-');
    const { db, storeDir, conn: w } = walDatabase(dir);
    w.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
    const rand = seededRandom(5);
    const blob = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 8)));
    const insert = w.prepare('INSERT INTO t (v) VALUES (?)');
    w.transaction(() => {
      for (let i = 0; i < 1500; i++) insert.run(blob(500 + Math.floor(rand() * 2500)));
    })();
    const store = PageStore.open(storeDir);
    let reader: Database.Database | null = null;
    let n = 0;
    const tally = {
      points: 0,
      fromWal: 0,
      everyPage: 0,
      compared: 0,
      duringWrites: 0,
      betweenPinAndFold: 0,
      checkedBeside: 0,
    };
    const writeSome = () =>
      w.transaction(() => {
        const k = 1 + Math.floor(rand() * 20);
        for (let i = 0; i < k; i++) {
          const op = rand();
          const row = 1 + Math.floor(rand() * 1500);
          if (op < 0.4) insert.run(blob(200 + Math.floor(rand() * 3000)));
          else if (op < 0.85)
            w.prepare('UPDATE t SET v = ? WHERE id = ?').run(blob(100 + Math.floor(rand() * 3000)), row);
          else w.prepare('DELETE FROM t WHERE id = ?').run(row);
        }
      })();

    const snapshot = async (whileStoring?: () => void) => {
      const id = `p${String(n++).padStart(3, '0')}`;
      const out = await storeLivePoint(db, storeDir, id, {
        foldWal: true,
        createdAt: new Date(Date.UTC(2026, 11, 1, 12, 0, n)).toISOString(),
        onPhase: (phase) => {
          if (phase === 'commit') whileStoring?.();
        },
      });
      tally.points++;
      if (out.checkedBeside) tally.checkedBeside++;
      if (out.pagesHashed < out.summary.pageCount) tally.fromWal++;
      else tally.everyPage++;
      return id;
    };

    for (let step = 0; step < 70; step++) {
      const r = rand();
      if (r < 0.35) {
        writeSome();
      } else if (r < 0.45) {
        sqlite3(
          db,
          `UPDATE t SET v = randomblob(${300 + Math.floor(rand() * 2000)}) WHERE id % 97 = ${Math.floor(rand() * 97)};`,
        );
      } else if (r < 0.55) {
        const mode = ['PASSIVE', 'FULL', 'RESTART', 'TRUNCATE'][Math.floor(rand() * 4)]!;
        sqlite3(db, `PRAGMA wal_checkpoint(${mode});`);
      } else if (r < 0.65) {
        // A reader keeps its snapshot across what follows, so the WAL cannot reset behind it.
        if (reader) {
          reader.exec('COMMIT');
          reader.close();
          reader = null;
        } else {
          reader = new Database(db, { readonly: true });
          reader.exec('BEGIN');
          reader.prepare('SELECT count(*) FROM t').get();
        }
      } else if (r < 0.72) {
        // A commit after the point's image was pinned and before the WAL is folded: the next
        // point must take it from the record, since the fold moves it into the file.
        if (reader) {
          reader.exec('COMMIT');
          reader.close();
          reader = null;
        }
        // A commit first, so the point reads through the WAL and the WAL cannot reset under it.
        writeSome();
        await snapshot(writeSome);
        // No record when the write reset the WAL under a point that read the file alone.
        const recorded = fs.existsSync(walChangesFile(storeDir));
        const pending = recorded
          ? (JSON.parse(fs.readFileSync(walChangesFile(storeDir), 'utf8')).pending as number[])
          : [];
        if (pending.length) tally.betweenPinAndFold++;
        // The next commit resets the WAL: the folded frames are gone from it, only the record has them.
        writeSome();
        const next = await snapshot();
        await expectPointIsDatabase(store, next, db, dir);
        tally.compared++;
      } else if (r < 0.78) {
        // Commits land while the point is read and before the WAL is folded: the next point must see them.
        const writer = foreignWriter(db);
        await snapshot();
        await writer.stop();
        tally.duringWrites++;
      } else {
        const id = await snapshot();
        await expectPointIsDatabase(store, id, db, dir);
        tally.compared++;
      }
    }
    if (reader) (reader as Database.Database).close();
    const last = await snapshot();
    await expectPointIsDatabase(store, last, db, dir);
    w.close();
    console.log(`[wal-changes] ${JSON.stringify(tally)}`);
    // Both ways were taken: the shortcut most of the time, and every page after a foreign checkpoint.
    expect(tally.fromWal).toBeGreaterThan(5);
    expect(tally.everyPage).toBeGreaterThan(1);
    expect(tally.betweenPinAndFold).toBeGreaterThanOrEqual(3);
    // With nothing committing meanwhile, quick_check ran beside the storing.
    expect(tally.checkedBeside).toBeGreaterThan(tally.compared / 2);
    expect(integrityCheck(db)).toBe('ok');
    expect(fs.existsSync(walChangesFile(storeDir))).toBe(true);
  });
  it.skipIf(!hasSqlite3)('trust a WAL reset only after a fold that left frames, by the real WAL index', async () => {
    // The file check alone would catch what follows on this filesystem (mtime in nanoseconds);
    // the WAL rule must catch it too, for filesystems whose timestamps are coarse.
    const { db, storeDir, conn: x } = walDatabase(tempDir('strata-walchg-'));
    x.exec('CREATE TABLE t (v BLOB)');
    x.exec('INSERT INTO t VALUES (randomblob(3000))');
    const fold = (id: string) => storeLivePoint(db, storeDir, id, { foldWal: true });
    const record = () => JSON.parse(fs.readFileSync(walChangesFile(storeDir), 'utf8'));
    const header = () => readWalIndexHeader(`${db}-shm`)!;

    // An empty WAL at the fold: the next writes keep its salts, a foreign checkpoint copies them,
    // and a later write resets the WAL. salt1 is one higher and nothing is backfilled, yet the
    // copied pages are in no frame any more.
    x.pragma('wal_checkpoint(TRUNCATE)');
    await fold('p0');
    expect(record().backfilled).toBe(0);
    x.exec('INSERT INTO t VALUES (randomblob(3000))');
    sqlite3(db, 'PRAGMA wal_checkpoint(PASSIVE);');
    x.exec('INSERT INTO t VALUES (1)');
    const afterEmpty = header();
    expect(afterEmpty.salt1).toBe((record().salt1 + 1) >>> 0);
    expect(afterEmpty.nBackfill).toBe(0);
    expect(walStillHoldsChanges(record(), afterEmpty)).toBe(false);

    // A fold that left frames: the first write after it must reset the WAL, so a reset with
    // nothing backfilled does mean every change since is in the new WAL.
    x.exec('INSERT INTO t VALUES (randomblob(3000))');
    await fold('p1');
    expect(record().backfilled).toBeGreaterThan(0);
    x.exec('INSERT INTO t VALUES (2)');
    expect(walStillHoldsChanges(record(), header())).toBe(true);
    // ...until a checkpoint copies something.
    sqlite3(db, 'PRAGMA wal_checkpoint(PASSIVE);');
    expect(walStillHoldsChanges(record(), header())).toBe(false);
    x.close();
  });
});
