import { spawnSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { readWalIndexHeader } from '../../src-main/continuous/wal-index';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { materialiseMoment } from '../../src-main/continuous/moment';
import { listRanges } from '../../src-main/continuous/timeline';
import { addDemo, dbFileOf, roomyDisk, strataJson } from '../helpers/snapshot-fixtures';
import { tempDir } from '../helpers/temp-dir';
import { until } from './continuous-fixtures';

const openHost = (dir: string) =>
  StrataApp.open({ dataDir: dir, owner: 'host', startBackgroundJobs: true, diskProbe: roomyDisk });

async function running(app: StrataApp): Promise<void> {
  await until(() => app.protectionStatus()?.state === 'running', 'the shipper to run');
}

function titles(file: string, like: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare(`SELECT title FROM sessions WHERE title LIKE ? ORDER BY title`).all(like) as { title: string }[]
    ).map((r) => r.title);
  } finally {
    db.close();
  }
}

async function latest(dir: string): Promise<string> {
  const out = path.join(tempDir('strata-latest-'), 'latest.db');
  await materialiseMoment(path.join(dir, 'backups', 'store'), Date.now(), out);
  return out;
}

describe('gaps are never silent', () => {
  it('goes on in the same generation when nothing touched the file while the app was closed', async () => {
    const dir = path.join(tempDir('strata-reopen-'), 'data');
    await addDemo(dir, 8, 3, 31);
    let app = await openHost(dir);
    await running(app);
    app.db.sessions.create({ title: 'kept 1' });
    await app.flushProtection();
    await app.close();
    app = await openHost(dir);
    try {
      await running(app);
      app.db.sessions.create({ title: 'kept 2' });
      await app.flushProtection();
    } finally {
      await app.close();
    }
    const ranges = listRanges(path.join(dir, 'backups', 'store'));
    expect(ranges.map((r) => r.startedBecause)).toEqual(['first-start']);
    expect(titles(await latest(dir), 'kept %')).toEqual(['kept 1', 'kept 2']);
  }, 60_000);

  it('starts a new generation when the CLI wrote while the app was closed, and protects what follows', async () => {
    const dir = path.join(tempDir('strata-closed-'), 'data');
    await addDemo(dir, 8, 3, 32);
    let app = await openHost(dir);
    await running(app);
    app.db.sessions.create({ title: 'app 1' });
    await app.flushProtection();
    await app.close();
    // Written while the app is closed: the CLI's demo command, then a sqlite3 write.
    await strataJson(dir, ['demo', '--sessions', '2', '--messages-per-session', '1', '--seed', '5']);
    const raw = spawnSync('sqlite3', [
      dbFileOf(dir),
      "INSERT INTO sessions (id, title, created_at, updated_at) SELECT 'x-closed', 'closed 1', 0, 0;",
    ]);
    const haveSqlite = raw.status === 0;
    app = await openHost(dir);
    try {
      await running(app);
      expect(app.protectionStatus()?.lastGap?.reason).toBe('changed-while-closed');
      const health = await app.health();
      expect(health.continuous?.lastGap?.reason).toBe('changed-while-closed');
      app.db.sessions.create({ title: 'app 2' });
      await app.flushProtection();
    } finally {
      await app.close();
    }
    const ranges = listRanges(path.join(dir, 'backups', 'store'));
    expect(ranges.map((r) => r.startedBecause)).toEqual(['first-start', 'changed-while-closed']);
    const out = await latest(dir);
    expect(titles(out, 'app %')).toEqual(['app 1', 'app 2']);
    if (haveSqlite) expect(titles(out, 'closed %')).toEqual(['closed 1']);
  }, 60_000);
});

describe('a foreign writer', () => {
  const sqlite3 = (file: string, sql: string) => {
    const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', file, sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
    return r.stdout;
  };
  const haveSqlite = spawnSync('sqlite3', ['-version']).status === 0;

  it.skipIf(!haveSqlite)(
    'is protected like the app, and its checkpoint starts a new generation that loses nothing',
    async () => {
      const dir = path.join(tempDir('strata-foreign-'), 'data');
      await addDemo(dir, 8, 3, 33);
      const file = dbFileOf(dir);
      const insert = (title: string) =>
        `INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('${title.replace(/ /g, '-')}', '${title}', 0, 0);`;
      const app = await openHost(dir);
      let beforeCheckpoint = 0;
      try {
        await running(app);
        for (let i = 1; i <= 3; i++) {
          sqlite3(file, insert(`foreign ${i}`));
          app.db.sessions.create({ title: `app ${i}` });
        }
        await app.flushProtection();
        beforeCheckpoint = Date.now();
        while (Date.now() <= beforeCheckpoint) {
          // the checkpoint happens in a later millisecond than the moment chosen
        }
        sqlite3(file, 'PRAGMA wal_checkpoint(TRUNCATE);');
        await until(() => app.protectionStatus()?.lastGap !== null, 'the gap to be seen');
        expect(['foreign-checkpoint', 'wal-reset']).toContain(app.protectionStatus()?.lastGap?.reason);
        await running(app);
        sqlite3(file, insert('foreign 4'));
        await app.flushProtection();
        const health = await app.health();
        expect(['foreign-checkpoint', 'wal-reset']).toContain(health.continuous?.lastGap?.reason);
      } finally {
        await app.close();
      }
      const storeDir = path.join(dir, 'backups', 'store');
      // The checkpoint first copies frames into the file, then (once it gets past our reader) may
      // reset the WAL: one gap or two, each seen and each starting a generation from a full point.
      const reasons = listRanges(storeDir).map((r) => r.startedBecause);
      expect(reasons[0]).toBe('first-start');
      expect(reasons.length).toBeGreaterThanOrEqual(2);
      for (const r of reasons.slice(1)) expect(['foreign-checkpoint', 'wal-reset']).toContain(r);
      const out = await latest(dir);
      expect(titles(out, 'foreign %')).toEqual(['foreign 1', 'foreign 2', 'foreign 3', 'foreign 4']);
      expect(titles(out, 'app %')).toEqual(['app 1', 'app 2', 'app 3']);
      // The moment before the checkpoint comes from the first generation, whole.
      const before = path.join(tempDir('strata-before-'), 'before.db');
      await materialiseMoment(storeDir, beforeCheckpoint, before);
      expect(titles(before, 'foreign %')).toEqual(['foreign 1', 'foreign 2', 'foreign 3']);
    },
    60_000,
  );
});

describe('a restore while the shipper runs', () => {
  it('pauses shipping, restores, and protects what follows in a new generation', async () => {
    const dir = path.join(tempDir('strata-restore-live-'), 'data');
    await addDemo(dir, 8, 3, 34);
    const app = await openHost(dir);
    let moment = 0;
    try {
      await running(app);
      app.db.sessions.create({ title: 'kept 1' });
      await app.flushProtection();
      moment = Date.now();
      while (Date.now() <= moment) {
        // later commits land in a later millisecond
      }
      app.db.sessions.create({ title: 'undone 2' });
      await app.flushProtection();
      const result = await app.snapshots.restoreAt(moment);
      expect(result.resolvedAt).toBeDefined();
      expect(app.db.sessions.list({ search: 'undone 2' }).length).toBe(0);
      await until(() => app.protectionStatus()?.lastGap?.reason === 'restored', 'the restored gap');
      await running(app);
      app.db.sessions.create({ title: 'kept 3' });
      await app.flushProtection();
    } finally {
      await app.close();
    }
    const out = await latest(dir);
    expect(titles(out, 'kept %')).toEqual(['kept 1', 'kept 3']);
    expect(titles(out, 'undone %')).toEqual([]);
    const reasons = listRanges(path.join(dir, 'backups', 'store')).map((r) => r.startedBecause);
    expect(reasons).toEqual(['first-start', 'restored']);
  }, 60_000);
});

describe('a CLI snapshot while the app ships', () => {
  it('does not checkpoint, so it makes no gap; alone, the CLI folds the WAL in', async () => {
    const dir = path.join(tempDir('strata-cli-backup-'), 'data');
    await addDemo(dir, 8, 3, 35);
    const app = await openHost(dir);
    try {
      await running(app);
      app.db.sessions.create({ title: 'kept 1' });
      await app.flushProtection();
      const r = await strataJson<{ id: string }>(dir, ['backup', '--label', 'from the CLI']);
      expect(r.id).toBeTruthy();
      app.db.sessions.create({ title: 'kept 2' });
      await app.flushProtection();
      expect(app.protectionStatus()?.lastGap).toBeNull();
    } finally {
      await app.close();
    }
    expect(listRanges(path.join(dir, 'backups', 'store')).map((r) => r.startedBecause)).toEqual(['first-start']);
    // With no app running, a CLI snapshot folds the WAL into the file (nothing else would).
    const raw = new Database(dbFileOf(dir));
    raw.pragma('wal_autocheckpoint = 0');
    const insert = raw.prepare(`INSERT INTO sessions (id, title, created_at, updated_at) VALUES (?, ?, 0, 0)`);
    for (let i = 0; i < 300; i++) insert.run(`later-${i}`, `later ${'x'.repeat(900)} ${i}`);
    const before = readWalIndexHeader(`${dbFileOf(dir)}-shm`)!;
    expect(before.mxFrame - before.nBackfill).toBeGreaterThan(300);
    await strataJson(dir, ['backup']);
    // Every frame is in the file now; only what the backup itself records afterwards is not.
    const after = readWalIndexHeader(`${dbFileOf(dir)}-shm`)!;
    expect(after.mxFrame - after.nBackfill).toBeLessThan((before.mxFrame - before.nBackfill) / 4);
    raw.close();
  }, 60_000);
});
