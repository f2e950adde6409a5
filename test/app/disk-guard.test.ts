import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { estimateRunBytesFor, estimateSnapshotRunBytes } from '../../src-main/app/disk-guard';
import { generateDemoData } from '../../src-main/db';
import type { DiskSpace } from '../../src-main/snapshots';
import { tempDir } from '../helpers/temp-dir';
import { dbFileOf } from '../helpers/snapshot-fixtures';

const GiB = 1024 ** 3;

describe('what a snapshot run needs on disk', () => {
  it('is the uncompressed copy (database plus WAL) plus the compressed file', () => {
    expect(estimateSnapshotRunBytes({ dbBytes: 450, walBytes: 50, newestStoredBytes: 100 })).toBe(600);
    // Without a previous snapshot, a quarter of the database stands in for the compressed size.
    expect(estimateSnapshotRunBytes({ dbBytes: 1000, walBytes: 0, newestStoredBytes: null })).toBe(1250);
    expect(estimateSnapshotRunBytes({ dbBytes: 0, walBytes: 0, newestStoredBytes: null })).toBe(0);
  });

  it('reads the live file and its WAL from the folder', async () => {
    const dir = tempDir('strata-disk-');
    const app = await StrataApp.open({ dataDir: dir, owner: 'cli' });
    try {
      generateDemoData(app.db.connection, { sessions: 5, messagesPerSession: 20, seed: 2 });
      const db = fs.statSync(dbFileOf(dir)).size;
      const wal = fs.statSync(`${dbFileOf(dir)}-wal`).size;
      expect(wal).toBeGreaterThan(0);
      expect(estimateRunBytesFor(dbFileOf(dir), 1234)).toBe(db + wal + 1234);
      expect(estimateRunBytesFor(dbFileOf(dir), null)).toBe(db + wal + Math.ceil(db / 4));
    } finally {
      await app.close();
    }
  });

  it('pauses a scheduled run when the copy would not fit, even though the compressed file would', async () => {
    const dir = tempDir('strata-disk-');
    let disk: DiskSpace = { freeBytes: 500 * GiB, totalBytes: 1000 * GiB };
    const app = await StrataApp.open({ dataDir: dir, owner: 'cli', diskProbe: async () => disk });
    try {
      generateDemoData(app.db.connection, { sessions: 20, messagesPerSession: 40, seed: 3 });
      const first = await app.snapshots.create({ tier: 'manual' });
      app.db.sessions.create({ title: 'a change' });
      // What VACUUM INTO reads: the file and the committed pages still in its WAL.
      const dbBytes = fs.statSync(dbFileOf(dir)).size + fs.statSync(`${dbFileOf(dir)}-wal`).size;
      expect(dbBytes).toBeGreaterThan(3 * first.stored.sizeBytes);
      // The minimum to keep free is 1 GiB here; room for the compressed file, not for the copy.
      disk = { freeBytes: GiB + 2 * first.stored.sizeBytes, totalBytes: 10 * GiB };
      expect(await app.scheduledSnapshot('auto')).toBe('skipped');
      const paused = await app.health();
      expect(paused.reasons.join(' ')).toMatch(/paused because the disk is almost full/);
      expect((await app.snapshots.list()).length).toBe(1);

      disk = { freeBytes: GiB + 2 * dbBytes + 2 * first.stored.sizeBytes, totalBytes: 10 * GiB };
      expect(await app.scheduledSnapshot('auto')).toBe('done');
      expect((await app.health()).reasons.join(' ')).not.toMatch(/paused/);
    } finally {
      await app.close();
    }
  });
});

describe('safety snapshots before risky writes', () => {
  it('are pinned, returned to the caller, and survive a prune with every keep count at 0', async () => {
    const dir = tempDir('strata-risky-');
    const app = await StrataApp.open({ dataDir: dir, owner: 'cli', exclusive: true });
    try {
      generateDemoData(app.db.connection, { sessions: 2, messagesPerSession: 3, seed: 8 });
      const safety = await app.beforeRiskyWrite('Before settings import');
      expect(safety).toMatchObject({ tier: 'manual', label: 'Before settings import', pinned: true });
      expect(app.snapshots.get(safety.id).pinned).toBe(true);
      const plain = await app.snapshots.create({ tier: 'manual', label: 'ordinary' });
      expect(plain.pinned).toBe(false);
      app.setBackupConfig({ retention: { keep: { startup: 0, auto: 0, hourly: 0, daily: 0, weekly: 0, manual: 0 } } });
      const plan = await app.prune({ dryRun: false });
      expect(plan.remove).not.toContain(safety.id);
      expect((await app.snapshots.list()).map((s) => s.id)).toContain(safety.id);
    } finally {
      await app.close();
    }
  });
});
