import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { silentLogger } from '../../src-main/core/logger';
import { ManualClock } from '../../src-main/core/clock';
import { StrataEvents } from '../../src-main/app/events';
import { LATEST_SCHEMA_VERSION, StrataDatabase } from '../../src-main/db';
import { MIGRATIONS, type Migration } from '../../src-main/db/migrations';
import { SnapshotEngine } from '../../src-main/snapshots/engine';
import { readRestoreHistory } from '../../src-main/snapshots/restore-journal';
import type { SnapshotSidecar } from '../../src-main/snapshots';
import { tempDir } from '../helpers/temp-dir';
import {
  addDemo,
  contentHash,
  contentHashWithoutWriter,
  dbFileOf,
  halfWrittenWriterSessions,
  integrityCheck,
  leftovers,
  resealSidecar,
  roomyDisk,
  snapshotsDirOf,
  startReconnectingWriter,
  strata,
  strataJson,
  gzipBackup,
} from '../helpers/snapshot-fixtures';

/**
 * A restore writes the checked snapshot into the live database through SQLite's backup API,
 * under SQLite's locks. These tests use real foreign processes and real files.
 */

describe('restore while another process keeps opening, writing and closing the database', () => {
  it('20 restores: each result passes integrity_check and equals the snapshot plus whole foreign transactions', async () => {
    const dir = tempDir('strata-restore-writes-');
    await addDemo(dir, 25, 12, 21);
    const snap = await strataJson<SnapshotSidecar>(dir, ['backup', '--label', 'target']);
    const atSnapshot = contentHash(dbFileOf(dir));
    const writer = await startReconnectingWriter(dbFileOf(dir));
    const app = await StrataApp.open({ dataDir: dir, owner: 'cli', exclusive: true, diskProbe: roomyDisk });
    let seenForeignRows = 0;
    try {
      for (let i = 0; i < 20; i++) {
        const r = await app.snapshots.restore(snap.id);
        expect(r.restoredFrom).toBe(snap.id);
        const context = `restore #${i}`;
        expect(integrityCheck(dbFileOf(dir)), context).toEqual(['ok']);
        // Everything but the foreign program's own rows is exactly the snapshot...
        expect(contentHashWithoutWriter(dbFileOf(dir)), context).toBe(atSnapshot);
        // ...and every foreign transaction is there whole or not at all.
        expect(halfWrittenWriterSessions(dbFileOf(dir)), context).toEqual([]);
        const db = new Database(dbFileOf(dir), { readonly: true });
        seenForeignRows += (
          db.prepare("SELECT count(*) AS n FROM sessions WHERE id LIKE 'writer-%'").get() as { n: number }
        ).n;
        db.close();
        // The app's own connection reads the restored data too.
        expect(app.db.sessions.list({ limit: 1000 }).filter((s) => !s.id.startsWith('writer-')).length).toBe(
          snap.counts.sessions,
        );
      }
    } finally {
      await app.close();
    }
    const { commits, busy } = await writer.stop();
    console.log(
      `[restore-under-writes] 20 restores; foreign commits ${commits}, busy waits ${busy}, foreign rows seen on restored data ${seenForeignRows}`,
    );
    expect(commits, 'the foreign program kept committing during the restores').toBeGreaterThan(20);
    expect(seenForeignRows, 'foreign commits landed on the restored data between restores').toBeGreaterThan(0);
    expect(integrityCheck(dbFileOf(dir))).toEqual(['ok']);
    expect(readRestoreHistory(path.join(dir, 'backups'))).toHaveLength(20);
    expect(leftovers(dir)).toMatchObject({ root: [], pending: [] });
  }, 180_000);
});

/** A SnapshotEngine over a data folder with the test's own migrations, as StrataApp wires it. */
async function engineWith(dir: string, migrations: readonly Migration[]) {
  const file = dbFileOf(dir);
  const open = () => StrataDatabase.open({ file, appVersion: 'test', migrations });
  let db: StrataDatabase | null = await open();
  const engine = new SnapshotEngine({
    backupsDir: path.join(dir, 'backups'),
    clock: new ManualClock(Date.parse('2026-11-30T10:00:00Z')),
    logger: silentLogger,
    events: new StrataEvents(),
    diskProbe: roomyDisk,
    migrations,
    live: {
      file,
      current: () => db,
      close: async () => {
        db?.close();
        db = null;
      },
      reopen: async () => {
        db = await open();
      },
    },
  });
  return { engine, close: async () => (await engine.idle(), db?.close()) };
}

describe('an older snapshot is migrated before it replaces anything', () => {
  it('a failing migration aborts the restore with the live database, history and store untouched', async () => {
    const dir = tempDir('strata-restore-migrate-');
    await addDemo(dir, 10, 5, 31);
    const snap = await strataJson<SnapshotSidecar>(dir, ['backup']);
    await addDemo(dir, 2, 2, 32);
    // The test's app knows one more schema step than the snapshot, and that step fails.
    const failing: Migration = {
      version: LATEST_SCHEMA_VERSION + 1,
      name: 'deliberately failing',
      up: () => {
        throw new Error('this step fails on purpose');
      },
      verify: () => [],
    };
    const working: Migration = {
      version: LATEST_SCHEMA_VERSION + 1,
      name: 'adds a table',
      up: (db) => db.exec('CREATE TABLE test_added (id INTEGER PRIMARY KEY)'),
      verify: (db) => (db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'test_added'").get() ? [] : ['missing']),
    };
    // The live database is first brought to the test's schema by the working step...
    const upgraded = await engineWith(dir, [...MIGRATIONS, working]);
    await upgraded.close();
    const live = contentHash(dbFileOf(dir));
    const listBefore = fs.readdirSync(snapshotsDirOf(dir)).sort();

    // ...then an app whose next step fails tries to restore the older snapshot.
    const broken = await engineWith(dir, [...MIGRATIONS, failing]);
    await expect(broken.engine.restore(snap.id)).rejects.toMatchObject({ code: 'migration_failed' });
    await broken.close();
    expect(contentHash(dbFileOf(dir))).toBe(live);
    expect(readRestoreHistory(path.join(dir, 'backups'))).toEqual([]);
    expect(fs.readdirSync(snapshotsDirOf(dir)).sort()).toEqual(listBefore);
    expect(leftovers(dir)).toMatchObject({ root: [], pending: [] });

    // With a working step the same restore goes through, migrated, and can be undone.
    const ok = await engineWith(dir, [...MIGRATIONS, working]);
    const r = await ok.engine.restore(snap.id);
    expect(r.migratedFrom).toBe(LATEST_SCHEMA_VERSION);
    const db = new Database(dbFileOf(dir), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 1);
    expect((db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n).toBe(snap.counts.sessions);
    db.close();
    await ok.engine.undoRestore();
    expect(contentHash(dbFileOf(dir))).toBe(live);
    await ok.close();
  }, 60_000);
});

describe('the newer-schema refusal reads the snapshot content, not only its sidecar', () => {
  it('refuses a snapshot whose data says a newer schema even when its metadata says otherwise', async () => {
    const dir = tempDir('strata-restore-newer-');
    await addDemo(dir, 8, 4, 41);
    const snap = await gzipBackup(dir);
    await addDemo(dir, 2, 2, 42);
    const live = contentHash(dbFileOf(dir));
    // Rewrite the stored data as a newer Strata would have written it, with consistent metadata.
    const work = path.join(tempDir('strata-newer-work-'), 'copy.db');
    fs.writeFileSync(work, zlib.gunzipSync(fs.readFileSync(path.join(snapshotsDirOf(dir), `${snap.id}.db.gz`))));
    const db = new Database(work);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    const plain = fs.readFileSync(work);
    const stored = zlib.gzipSync(plain);
    fs.writeFileSync(path.join(snapshotsDirOf(dir), `${snap.id}.db.gz`), stored);
    const sidecarFile = path.join(snapshotsDirOf(dir), `${snap.id}.json`);
    const sidecar = JSON.parse(fs.readFileSync(sidecarFile, 'utf8')) as SnapshotSidecar;
    sidecar.stored.sha256 = crypto.createHash('sha256').update(stored).digest('hex');
    sidecar.stored.sizeBytes = stored.length;
    sidecar.stored.codecOptions.members = [stored.length];
    sidecar.source.sizeBytes = plain.length;
    fs.writeFileSync(sidecarFile, JSON.stringify(resealSidecar(sidecar)));

    const r = await strata(dir, ['--json', 'restore', snap.id, '--yes']);
    expect(r.code).not.toBe(0);
    expect((r.json as { error: { code: string; message: string } }).error).toMatchObject({ code: 'schema_too_new' });
    expect(contentHash(dbFileOf(dir))).toBe(live);
    expect(readRestoreHistory(path.join(dir, 'backups'))).toEqual([]);
    expect(leftovers(dir)).toMatchObject({ root: [], pending: [] });
  }, 60_000);
});
