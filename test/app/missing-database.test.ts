import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { createHandlers } from '../../src-main/operations/handlers';
import { TransferRegistry } from '../../src-main/operations/transfer-registry';
import { ManualClock } from '../../src-main/core/clock';
import type { SnapshotSidecar } from '../../src-main/snapshots';
import { tempDir } from '../helpers/temp-dir';
import {
  addDemo,
  contentHash,
  dbFileOf,
  roomyDisk,
  rowCounts,
  sidecarFiles,
  strata,
  strataJson,
} from '../helpers/snapshot-fixtures';
import { idle } from './app-helpers';

function removeDatabase(dir: string): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(dbFileOf(dir) + suffix, { force: true });
}

async function folderWithSnapshot(): Promise<{ dir: string; snap: SnapshotSidecar; hash: string }> {
  const dir = tempDir('strata-missing-');
  await addDemo(dir, 8, 5, 31);
  const snap = await strataJson<SnapshotSidecar>(dir, ['backup', '--label', 'before the accident']);
  return { dir, snap, hash: contentHash(dbFileOf(dir)) };
}

describe('a data folder whose strata.db is gone but which has snapshots', () => {
  it('the CLI refuses, names `strata restore`, creates nothing; list and restore --yes then bring it back', async () => {
    const { dir, snap, hash } = await folderWithSnapshot();
    removeDatabase(dir);

    const r = await strata(dir, ['sessions', 'list']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/strata restore/);
    expect(r.stderr).toMatch(/strata list/);
    expect(fs.existsSync(dbFileOf(dir))).toBe(false);

    const json = await strata(dir, ['--json', 'backup']);
    expect(json.code).not.toBe(0);
    expect((json.json as { error: { code: string } }).error.code).toBe('database_missing');
    expect(fs.existsSync(dbFileOf(dir))).toBe(false);
    expect(sidecarFiles(dir)).toEqual([`${snap.id}.json`]);

    // Reading the backups still works, so the person can find what to restore.
    const list = await strataJson<SnapshotSidecar[]>(dir, ['list']);
    expect(list.map((s) => s.id)).toEqual([snap.id]);
    expect(fs.existsSync(dbFileOf(dir))).toBe(false);

    const restored = await strata(dir, ['restore', snap.id, '--yes']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(contentHash(dbFileOf(dir))).toBe(hash);
    const sessions = await strataJson<unknown[]>(dir, ['sessions', 'list']);
    expect(sessions).toHaveLength(8);
  }, 120_000);

  it('a write-ahead log left without its database is set aside (kept), so the restore can swap', async () => {
    const { dir, snap, hash } = await folderWithSnapshot();
    removeDatabase(dir);
    const leftover = Buffer.from('not replayable without its database '.repeat(100));
    fs.writeFileSync(`${dbFileOf(dir)}-wal`, leftover);
    fs.writeFileSync(`${dbFileOf(dir)}-shm`, Buffer.alloc(32_768));
    const refused = await strata(dir, ['sessions', 'list']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/strata restore/);

    const restored = await strata(dir, ['restore', snap.id, '--yes']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(contentHash(dbFileOf(dir))).toBe(hash);
    const aside = fs.readdirSync(dir).filter((n) => n.startsWith('strata.db-wal.orphaned-'));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, aside[0]!))).toEqual(leftover);
  }, 120_000);

  it('a folder with no snapshots still starts fresh (a new install)', async () => {
    const dir = tempDir('strata-new-');
    const r = await strataJson<unknown[]>(dir, ['sessions', 'list']);
    expect(r).toEqual([]);
    expect(fs.existsSync(dbFileOf(dir))).toBe(true);
  }, 60_000);

  it('the app opens without a database, health is an error that says so, and a restore brings it back', async () => {
    const { dir, snap, hash } = await folderWithSnapshot();
    removeDatabase(dir);
    const clock = new ManualClock(new Date(2026, 10, 23, 10, 5, 0).getTime());
    const app = await StrataApp.open({
      dataDir: dir,
      owner: 'app',
      clock,
      diskProbe: roomyDisk,
      startBackgroundJobs: true,
    });
    try {
      expect(() => app.db).toThrow(expect.objectContaining({ code: 'database_missing' }));
      const health = await app.health();
      expect(health.status).toBe('error');
      expect(health.reasons[0]).toMatch(/strata\.db is missing.*open Restore/);
      // No background job runs against the missing file, and no snapshot of an empty database is made.
      expect(app.schedulerState()).toBeNull();
      await expect(app.snapshots.create({ tier: 'manual' })).rejects.toMatchObject({ code: 'database_missing' });
      await expect(app.beforeRiskyWrite('Before import')).rejects.toMatchObject({ code: 'database_missing' });
      expect(fs.existsSync(dbFileOf(dir))).toBe(false);

      const r = await app.snapshots.restore(snap.id);
      expect(r.preRestoreSnapshotId).toBeNull();
      expect(contentHash(dbFileOf(dir))).toBe(hash);
      expect(rowCounts(dbFileOf(dir)).sessions).toBe(8);
      expect(app.db.sessions.count()).toBe(8);
      // With its database back, the app starts its background jobs.
      await idle(app);
      expect(app.schedulerState()).not.toBeNull();
      const after = await app.health();
      expect(after.reasons.join(' ')).not.toMatch(/missing/);
    } finally {
      await app.close();
    }
    expect(fs.readdirSync(path.join(dir, 'backups', 'snapshots')).some((n) => n.endsWith('.pending.db'))).toBe(false);
  }, 120_000);

  it('over the contract, the screens get `database_missing` for data and an explaining health report', async () => {
    const { dir, snap } = await folderWithSnapshot();
    removeDatabase(dir);
    const app = await StrataApp.open({ dataDir: dir, owner: 'host', diskProbe: roomyDisk });
    try {
      const h = createHandlers(app, { transfers: TransferRegistry.open(app.paths.transfers) });
      const sessions = await h.run('listSessions', {});
      // What App.tsx keys on to open the Restore screen with this explanation.
      expect(sessions).toMatchObject({ ok: false, error: { code: 'database_missing' } });
      expect(sessions.ok ? '' : sessions.error.message).toMatch(/strata restore/);
      const health = await h.run('getHealth', {});
      expect(health).toMatchObject({ ok: true, result: { status: 'error' } });
      const listed = await h.run('listSnapshots', {});
      expect(listed).toMatchObject({ ok: true, result: { snapshots: [{ id: snap.id }] } });
      const backup = await h.run('createSnapshot', {});
      expect(backup).toMatchObject({ ok: false, error: { code: 'database_missing' } });
      expect(fs.existsSync(dbFileOf(dir))).toBe(false);
      const restored = await h.run('restoreSnapshot', { snapshotId: snap.id });
      expect(restored.ok, JSON.stringify(restored)).toBe(true);
      expect(await h.run('listSessions', {})).toMatchObject({ ok: true, result: { totalSessions: 8 } });
    } finally {
      await app.close();
    }
  }, 120_000);
});
