import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import type { SnapshotSidecar } from '../../src-main/snapshots';
import { tempDir } from '../helpers/temp-dir';
import { addDemo, contentHash, dbFileOf, roomyDisk, snapshotsDirOf, strataJson } from '../helpers/snapshot-fixtures';

describe('opening a point read-only', () => {
  it('materialises a checked private copy, leaves the store and the live data alone, and cleans up', async () => {
    const dir = tempDir('strata-open-point-');
    await addDemo(dir, 6, 5, 71);
    const snap = await strataJson<SnapshotSidecar>(dir, ['backup']);
    await addDemo(dir, 2, 2, 72);
    const live = contentHash(dbFileOf(dir));
    const storeBefore = fs
      .readdirSync(snapshotsDirOf(dir))
      .map((n) => [n, fs.statSync(path.join(snapshotsDirOf(dir), n)).mtimeMs]);
    const app = await StrataApp.open({ dataDir: dir, owner: 'cli', diskProbe: roomyDisk });
    try {
      const point = await app.snapshots.openPoint(snap.id);
      expect((fs.statSync(point.dir).mode & 0o777).toString(8)).toBe('700');
      expect(point.counts.sessions).toBe(snap.counts.sessions);
      const db = new Database(point.file, { readonly: true, fileMustExist: true });
      expect((db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n).toBe(snap.counts.sessions);
      db.close();
      point.close();
      expect(fs.existsSync(point.dir)).toBe(false);
    } finally {
      await app.close();
    }
    expect(contentHash(dbFileOf(dir))).toBe(live);
    const storeAfter = fs
      .readdirSync(snapshotsDirOf(dir))
      .map((n) => [n, fs.statSync(path.join(snapshotsDirOf(dir), n)).mtimeMs]);
    expect(storeAfter).toEqual(storeBefore);
  });
});
