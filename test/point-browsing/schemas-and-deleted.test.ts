import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, StrataDatabase } from '../../src-main/db';
import { MIGRATIONS } from '../../src-main/db/migrations';
import type { SnapshotSidecar } from '../../src-main/snapshots';
import { tempDir } from '../helpers/temp-dir';
import { dbFileOf, resealSidecar, snapshotsDirOf } from '../helpers/snapshot-fixtures';
import { ManualClock } from '../../src-main/core/clock';
import { PointBrowser } from '../../src-main/point-browsing';
import { openApp, seedSessions, tablesByKey } from './fixtures';

describe('points of other schema versions', () => {
  it('browses, diffs and restores from a point of an older schema, migrated in its private copy', async () => {
    const dir = tempDir('strata-points-older-');
    // A database as the first schema wrote it, before the app ever migrated it.
    const old = await StrataDatabase.open({
      file: dbFileOf(dir),
      appVersion: 'old',
      migrations: MIGRATIONS.slice(0, 1),
    });
    const s = old.sessions.create({ title: 'from the old schema' });
    for (let j = 0; j < 4; j++) old.messages.append(s.id, { role: 'user', content: `old ${j}` });
    old.close();
    const app = await openApp(dir); // migrates, after a pinned pre-migration snapshot of schema 1
    try {
      const pre = (await app.snapshots.list()).find((x) => x.tier === 'pre-migration')!;
      expect(pre.schemaVersion).toBe(1);
      app.db.sessions.delete(s.id);
      const browsed = await app.points.browse(pre.id);
      expect(browsed.point).toMatchObject({ schemaVersion: LATEST_SCHEMA_VERSION, migratedFrom: 1 });
      expect(browsed.sessions).toEqual([
        expect.objectContaining({ id: s.id, title: 'from the old schema', messageCount: 4 }),
      ]);
      expect((await app.points.browse(pre.id, { search: 'old 3' })).sessions.map((x) => x.id)).toEqual([s.id]);
      expect((await app.points.diff(pre.id)).deletedSince.map((x) => x.id)).toEqual([s.id]);
      await app.points.restoreSessions(pre.id, [s.id], 'replace');
      expect(app.db.messages.listForSession(s.id, { limit: 10 }).map((m) => m.content)).toEqual([
        'old 0',
        'old 1',
        'old 2',
        'old 3',
      ]);
    } finally {
      await app.close();
    }
  });

  it('refuses a point of a newer schema clearly, and changes nothing', async () => {
    const dir = tempDir('strata-points-newer-');
    // The test rewrites the stored file, so it uses the gzip format (one plain file per snapshot).
    const app = await openApp(dir, { snapshotFormat: 'gzip' });
    try {
      const [s] = seedSessions(app, 2, 3, 'n');
      const snap = await app.snapshots.create({ tier: 'manual' });
      app.db.sessions.delete(s!);
      rewriteAsNewerSchema(dir, snap);
      const before = tablesByKey(dbFileOf(dir));
      for (const attempt of [
        () => app.points.browse(snap.id),
        () => app.points.diff(snap.id),
        () => app.points.restoreSessions(snap.id, [s!], 'replace'),
      ]) {
        await expect(attempt()).rejects.toMatchObject({ code: 'schema_too_new' });
      }
      expect(tablesByKey(dbFileOf(dir))).toEqual(before);
      expect(app.points.openIds()).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

/** Rewrites the stored data as a newer Strata would have written it, with consistent metadata. */
function rewriteAsNewerSchema(dir: string, snap: SnapshotSidecar): void {
  const work = path.join(tempDir('strata-newer-work-'), 'copy.db');
  const stored = path.join(snapshotsDirOf(dir), `${snap.id}.db.gz`);
  fs.writeFileSync(work, zlib.gunzipSync(fs.readFileSync(stored)));
  const db = new Database(work);
  db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
  db.close();
  const plain = fs.readFileSync(work);
  const gz = zlib.gzipSync(plain);
  fs.writeFileSync(stored, gz);
  const sidecarFile = path.join(snapshotsDirOf(dir), `${snap.id}.json`);
  const sidecar = JSON.parse(fs.readFileSync(sidecarFile, 'utf8')) as SnapshotSidecar;
  sidecar.stored.sha256 = crypto.createHash('sha256').update(gz).digest('hex');
  sidecar.stored.sizeBytes = gz.length;
  sidecar.stored.codecOptions.members = [gz.length];
  sidecar.source.sizeBytes = plain.length;
  fs.writeFileSync(sidecarFile, JSON.stringify(resealSidecar(sidecar)));
}

describe('recently deleted', () => {
  it('names the last point holding each deleted session and the window it went in, cached until something changes', async () => {
    const dir = tempDir('strata-deleted-');
    const app = await openApp(dir);
    try {
      const [a, b, c] = seedSessions(app, 3, 4, 'r');
      const p1 = await app.snapshots.create({ tier: 'manual' });
      app.db.sessions.delete(a!);
      const p2 = await app.snapshots.create({ tier: 'manual' });
      app.db.sessions.delete(b!);

      const first = await app.points.recentlyDeleted({ days: 7 });
      expect(first.fromCache).toBe(false);
      expect(first.sessions).toEqual([
        expect.objectContaining({
          sessionId: b,
          messageCount: 4,
          lastPoint: { pointId: p2.id, at: p2.createdAt },
          goneBy: null,
        }),
        expect.objectContaining({
          sessionId: a,
          lastPoint: { pointId: p1.id, at: p1.createdAt },
          goneBy: { pointId: p2.id, at: p2.createdAt },
        }),
      ]);
      expect(first.pointsExamined).toBe(2);
      expect(app.points.openIds()).toEqual([]); // the walk let every point go
      expect(fs.readdirSync(path.join(dir, 'backups', 'point-index')).sort()).toEqual(
        [`${p1.id}.fingerprints.json`, `${p2.id}.fingerprints.json`, 'recently-deleted.json'].sort(),
      );

      const again = await app.points.recentlyDeleted({ days: 7 });
      expect(again).toEqual({ ...first, fromCache: true });

      // One action brings one back, from the point the view names; the view then leaves it out.
      await app.points.restoreSessions(first.sessions[0]!.lastPoint.pointId, [b!], 'replace');
      const after = await app.points.recentlyDeleted({ days: 7 });
      expect(after.fromCache).toBe(false);
      expect(after.sessions.map((s) => s.sessionId)).toEqual([a]);
      expect(app.db.sessions.get(c!)).not.toBeNull();
    } finally {
      await app.close();
    }
  });
});

describe('recently deleted in the background', () => {
  it('is computed a while after a new point, so the view opens from the cache', async () => {
    const dir = tempDir('strata-deleted-warm-');
    const app = await openApp(dir);
    try {
      const [a] = seedSessions(app, 2, 3, 'w');
      await app.snapshots.create({ tier: 'manual' });
      app.db.sessions.delete(a!);
      const clock = new ManualClock(Date.now());
      const browser = new PointBrowser({
        backupsDir: app.paths.backups,
        liveFile: app.paths.database,
        live: () => app.db,
        snapshots: app.snapshots,
        beforeRiskyWrite: (r) => app.beforeRiskyWrite(r),
        clock,
        events: app.events,
        logger: app.logger,
      });
      const finished = new Promise<void>((resolve) =>
        app.events.on('progress', (p) => p.kind === 'recently-deleted' && p.finished && resolve()),
      );
      browser.warmSoon(1000);
      browser.warmSoon(1000); // a burst of new points gives one run
      clock.advance(999);
      expect(fs.existsSync(path.join(dir, 'backups', 'point-index', 'recently-deleted.json'))).toBe(false);
      clock.advance(1);
      await finished;
      const r = await browser.recentlyDeleted();
      expect(r).toMatchObject({ fromCache: true, sessions: [expect.objectContaining({ sessionId: a })] });
      await browser.close();
    } finally {
      await app.close();
    }
  });
});
