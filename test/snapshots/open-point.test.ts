import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import type { SnapshotSidecar } from '../../src-main/snapshots';
import { tempDir } from '../helpers/temp-dir';
import { addDemo, contentHash, dbFileOf, roomyDisk, snapshotsDirOf, strataJson } from '../helpers/snapshot-fixtures';

/** Every file of both stores (page store and gzip snapshots) with its mtime: opening writes none. */
function storeFiles(dir: string): [string, number][] {
  const out: [string, number][] = [];
  for (const root of [snapshotsDirOf(dir), path.join(dir, 'backups', 'store')]) {
    if (!fs.existsSync(root)) continue;
    for (const rel of fs.readdirSync(root, { recursive: true }) as string[]) {
      const st = fs.statSync(path.join(root, rel));
      if (st.isFile()) out.push([path.join(root, rel), st.mtimeMs]);
    }
  }
  return out.sort(([a], [b]) => (a < b ? -1 : 1));
}

describe('opening a point read-only', () => {
  it('materialises a checked private copy, leaves the store and the live data alone, and cleans up', async () => {
    const dir = tempDir('strata-open-point-');
    await addDemo(dir, 6, 5, 71);
    const snap = await strataJson<SnapshotSidecar>(dir, ['backup']);
    await addDemo(dir, 2, 2, 72);
    const live = contentHash(dbFileOf(dir));
    const storeBefore = storeFiles(dir);
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
    const storeAfter = storeFiles(dir);
    expect(storeAfter.length).toBeGreaterThan(0);
    expect(storeAfter).toEqual(storeBefore);
  });
});
