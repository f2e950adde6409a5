import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { ManualClock } from '../../src-main/core/clock';
import { LATEST_SCHEMA_VERSION } from '../../src-main/db';
import type { DiskSpace, HealthReport, SnapshotEntry, SnapshotSidecar } from '../../src-main/snapshots';
import type { DrillResult, RestoreResult, VerifyResult } from '../../src-main/snapshots/engine';
import { readRestoreHistory } from '../../src-main/snapshots/restore-journal';
import { tempDir } from '../helpers/temp-dir';
import {
  addDemo,
  contentHash,
  dbFileOf,
  isReadableProblem,
  leftovers,
  roomyDisk,
  rowCounts,
  snapshotsDirOf,
  strata,
  strataJson,
  startWriter,
  resealSidecar,
  gzipBackup,
} from '../helpers/snapshot-fixtures';

const SQLITE3 = '/usr/bin/sqlite3';

async function demoFolder(sessions = 40, messages = 10, seed = 1): Promise<string> {
  const dir = tempDir('strata-engine-');
  await addDemo(dir, sessions, messages, seed);
  return dir;
}

/** Adds one session with one message through the app's own repositories (a user edit). */
function addSession(app: StrataApp, title: string): void {
  const s = app.db.sessions.create({ title });
  app.db.messages.append(s.id, { role: 'user', content: `hello from ${title}` });
}

function readSidecar(dir: string, id: string): SnapshotSidecar {
  return JSON.parse(fs.readFileSync(path.join(snapshotsDirOf(dir), `${id}.json`), 'utf8')) as SnapshotSidecar;
}

function writeSidecar(dir: string, sidecar: SnapshotSidecar): void {
  fs.writeFileSync(
    path.join(snapshotsDirOf(dir), `${sidecar.id}.json`),
    JSON.stringify(resealSidecar(sidecar), null, 2),
  );
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('create, list, verify, delete', () => {
  it('lists a new snapshot with its sidecar, verifies it, and deletes it', async () => {
    const dir = await demoFolder();
    const counts = rowCounts(dbFileOf(dir));
    const created = await strataJson<SnapshotSidecar>(dir, ['backup', '--label', '  before the trip  ']);
    expect(created).toMatchObject({ formatVersion: 1, tier: 'manual', label: 'before the trip', pinned: false });
    expect(created.check.ok).toBe(true);
    expect(created.counts).toMatchObject(counts);
    expect(created.stored.codec).toBe('pages');
    expect(created.source.sizeBytes).toBe(fs.statSync(dbFileOf(dir)).size);

    const list = await strataJson<(SnapshotSidecar & { storage: string; addedBytes: number; size: number })[]>(dir, [
      'list',
    ]);
    expect(list.map((s) => s.id)).toEqual([created.id]);
    expect(list[0]).toMatchObject({ storage: 'pages', size: created.source.sizeBytes });
    // The first point adds every page, compressed: more than nothing, less than the database.
    expect(list[0]!.addedBytes).toBe(created.stored.sizeBytes);
    expect(list[0]!.addedBytes).toBeGreaterThan(0);
    expect(list[0]!.addedBytes).toBeLessThan(created.source.sizeBytes);

    const verified = await strataJson<{ ok: boolean; results: VerifyResult[] }>(dir, ['verify', created.id]);
    expect(verified.ok).toBe(true);
    expect(verified.results.map((r) => [r.id, r.ok])).toEqual([[created.id, true]]);
    expect((await strataJson<SnapshotSidecar[]>(dir, ['list']))[0]!.lastVerify?.ok).toBe(true);

    const app = await StrataApp.open({ dataDir: dir, owner: 'cli', diskProbe: roomyDisk });
    try {
      await app.snapshots.delete(created.id);
      expect(await app.snapshots.list()).toEqual([]);
    } finally {
      await app.close();
    }
    expect(fs.readdirSync(path.join(dir, 'backups', 'store', 'manifests'))).toEqual([]);
    const again = await strata(dir, ['--json', 'verify', created.id]);
    expect(again.code).not.toBe(0);
    expect((again.json as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('refuses to delete a pinned snapshot unless forced, and lists snapshots newest first', async () => {
    const dir = await demoFolder(10, 3);
    const app = await StrataApp.open({ dataDir: dir, owner: 'cli', diskProbe: roomyDisk });
    try {
      const pinned = await app.snapshots.create({ tier: 'pre-migration', label: 'before an upgrade' });
      addSession(app, 'later');
      const manual = await app.snapshots.create({ tier: 'manual' });
      expect(pinned.pinned).toBe(true);
      expect((await app.snapshots.list()).map((s) => s.id)).toEqual([manual.id, pinned.id]);

      await expect(app.snapshots.delete(pinned.id)).rejects.toMatchObject({ code: 'pinned' });
      expect((await app.snapshots.list()).map((s) => s.id)).toContain(pinned.id);
      expect((await app.snapshots.verify(pinned.id)).ok).toBe(true);

      await app.snapshots.delete(pinned.id, { force: true });
      expect((await app.snapshots.list()).map((s) => s.id)).toEqual([manual.id]);
    } finally {
      await app.close();
    }
  });
});

describe('snapshot export', () => {
  it('writes a plain SQLite file that the sqlite3 tool opens, with the recorded counts', async () => {
    const dir = await demoFolder(30, 12, 3);
    const snap = await strataJson<SnapshotSidecar>(dir, ['backup']);
    const out = path.join(tempDir('strata-export-'), 'nested', 'copy.db');
    const r = await strataJson<{ file: string; sizeBytes: number }>(dir, ['snapshot', 'export', snap.id, '--out', out]);
    expect(r.file).toBe(out);
    expect(fs.statSync(out).size).toBe(r.sizeBytes);

    const q = spawnSync(
      SQLITE3,
      [out, 'PRAGMA integrity_check;', 'SELECT count(*) FROM sessions;', 'SELECT count(*) FROM messages;'],
      {
        encoding: 'utf8',
      },
    );
    expect(q.status, q.stderr).toBe(0);
    expect(q.stdout.trim().split('\n')).toEqual(['ok', String(snap.counts.sessions), String(snap.counts.messages)]);
    // The export is the snapshot's data, equal to the live data it was taken from.
    expect(contentHash(out)).toBe(contentHash(dbFileOf(dir)));
    expect(fs.readdirSync(path.dirname(out))).toEqual(['copy.db']);
  });
});

describe('restore and undo', () => {
  it('restores a snapshot and undo brings back exactly what was replaced', async () => {
    const dir = await demoFolder(30, 8, 4);
    const atSnapshot = contentHash(dbFileOf(dir));
    const snap = await strataJson<SnapshotSidecar>(dir, ['backup', '--label', 'good state']);
    // Changes a person would regret: a deleted session and new ones.
    const app = await StrataApp.open({ dataDir: dir, owner: 'cli', diskProbe: roomyDisk });
    const victim = app.db.sessions.list({ limit: 1 })[0]!;
    app.db.sessions.delete(victim.id);
    addSession(app, 'new work');
    await app.close();
    const changed = contentHash(dbFileOf(dir));
    expect(changed).not.toBe(atSnapshot);

    const restored = await strataJson<RestoreResult>(dir, ['restore', snap.id, '--yes']);
    expect(restored.restoredFrom).toBe(snap.id);
    expect(contentHash(dbFileOf(dir))).toBe(atSnapshot);
    expect(restored.counts.sessions).toBe(snap.counts.sessions);

    const list = await strataJson<SnapshotEntry[]>(dir, ['list']);
    const pre = list.find((s) => s.id === restored.preRestoreSnapshotId);
    expect(pre).toMatchObject({ tier: 'pre-restore', pinned: true });
    expect(pre?.label).toContain(snap.id);

    const undone = await strataJson<RestoreResult>(dir, ['restore', '--undo', '--yes']);
    expect(undone.restoredFrom).toBe(restored.preRestoreSnapshotId);
    expect(contentHash(dbFileOf(dir))).toBe(changed);
    expect(readRestoreHistory(path.join(dir, 'backups')).map((r) => r.undo)).toEqual([false, true]);
    expect(leftovers(dir)).toMatchObject({ root: [], pending: [] });

    // An undo is not itself undoable twice over: there is nothing left to undo.
    const twice = await strata(dir, ['--json', 'restore', '--undo', '--yes']);
    expect(twice.code).not.toBe(0);
    expect((twice.json as { error: { code: string } }).error.code).toBe('nothing_to_undo');
    expect(contentHash(dbFileOf(dir))).toBe(changed);
  });

  it('refuses a snapshot made by a newer schema and leaves the live database as it was', async () => {
    const dir = await demoFolder(20, 5, 5);
    const snap = await gzipBackup(dir);
    await addDemo(dir, 2, 2, 6);
    const live = contentHash(dbFileOf(dir));
    writeSidecar(dir, { ...readSidecar(dir, snap.id), schemaVersion: LATEST_SCHEMA_VERSION + 1 });

    const r = await strata(dir, ['restore', snap.id, '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^error: .*newer Strata/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(contentHash(dbFileOf(dir))).toBe(live);
    expect(readRestoreHistory(path.join(dir, 'backups'))).toEqual([]);
    expect((await strataJson<SnapshotEntry[]>(dir, ['list'])).map((s) => s.id)).toEqual([snap.id]);
    expect(leftovers(dir)).toMatchObject({ root: [], pending: [] });
  });

  it('does not lose what another open connection commits after a CLI restore (or refuses the restore)', async () => {
    const dir = await demoFolder(30, 5, 13);
    const snap = await strataJson<SnapshotSidecar>(dir, ['backup']);
    // Another program (not holding the data-folder lock) has the database open, idle, in WAL mode.
    const other = new Database(dbFileOf(dir));
    try {
      other.pragma('journal_mode = WAL');
      const add = other.prepare(
        "INSERT INTO sessions (id, title, model, created_at, updated_at) VALUES (?, 'typed elsewhere', '', 1, 1)",
      );
      add.run('before-restore');
      const restore = await strata(dir, ['--json', 'restore', snap.id, '--yes']);
      // It commits a session after the restore returned, and SQLite reports success.
      add.run('after-restore');
      const live = new Database(dbFileOf(dir), { readonly: true });
      const found = live.prepare("SELECT count(*) AS n FROM sessions WHERE id = 'after-restore'").get() as {
        n: number;
      };
      live.close();
      if (restore.code === 0) {
        expect(found.n, 'a session committed after the restore vanished').toBe(1);
      } else {
        expect((restore.json as { error: { message: string } }).error.message).toMatch(/open|in use|busy/i);
      }
    } finally {
      other.close();
    }
  });

  it('refuses a CLI restore with a clear "in use" error while the host has the data folder open', async () => {
    const dir = await demoFolder(20, 5, 7);
    const snap = await strataJson<SnapshotSidecar>(dir, ['backup']);
    const host = await StrataApp.open({ dataDir: dir, owner: 'host', diskProbe: roomyDisk });
    addSession(host, 'typed in the host');
    const live = contentHash(dbFileOf(dir));
    try {
      const plain = await strata(dir, ['restore', snap.id, '--yes']);
      expect(plain.code).not.toBe(0);
      expect(plain.stderr).toMatch(new RegExp(`^error: .*in use by the Strata host \\(pid ${process.pid}\\)`, 'm'));
      const json = await strata(dir, ['--json', 'restore', snap.id, '--yes']);
      expect((json.json as { error: { code: string } }).error.code).toBe('data_folder_in_use');
      expect(contentHash(dbFileOf(dir))).toBe(live);
      // The host still works normally on its own connection.
      expect(host.db.sessions.list({ search: 'typed in the host' }).length).toBe(1);
    } finally {
      await host.close();
    }
    // Once the host has quit, the same command goes through.
    const r = await strata(dir, ['restore', snap.id, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(rowCounts(dbFileOf(dir)).sessions).toBe(snap.counts.sessions);
  });
});

describe('a snapshot while another process writes', () => {
  it('completes, verifies, and holds a consistent point in time', async () => {
    const dir = await demoFolder(60, 20, 8);
    const base = rowCounts(dbFileOf(dir));
    const writer = await startWriter(dbFileOf(dir));
    try {
      const during = rowCounts(dbFileOf(dir));
      const snap = await strataJson<SnapshotSidecar>(dir, ['backup', '--label', 'under load']);
      const afterBackup = rowCounts(dbFileOf(dir));
      // The writer really kept writing while the snapshot was taken.
      expect(afterBackup.sessions).toBeGreaterThan(during.sessions);

      const s = snap.counts.sessions!;
      expect(s).toBeGreaterThanOrEqual(during.sessions);
      expect(s).toBeLessThanOrEqual(afterBackup.sessions);
      expect(snap.counts.messages! - base.messages).toBe(2 * (s - base.sessions));
      expect(snap.check.ok).toBe(true);

      const v = await strataJson<{ ok: boolean; results: VerifyResult[] }>(dir, ['verify', snap.id]);
      expect(v.results[0]).toMatchObject({ ok: true, problems: [] });
    } finally {
      await writer.stop();
    }
    const written = await writer.stop();
    // Nothing the writer committed was lost by the snapshot.
    expect(rowCounts(dbFileOf(dir)).sessions).toBe(base.sessions + written);
  });
});

describe('restore drill (backup-test)', () => {
  it('passes on a good snapshot and records lastDrill; fails and says why on a damaged one', async () => {
    const dir = await demoFolder(25, 6, 9);
    const snap = await gzipBackup(dir);
    const drill = await strataJson<DrillResult>(dir, ['backup-test']);
    expect(drill).toMatchObject({ id: snap.id, ok: true, problems: [], sessionsReadable: snap.counts.sessions });
    expect(readSidecar(dir, snap.id).lastDrill).toMatchObject({ ok: true, method: 'restore-drill', problems: [] });

    const stored = path.join(snapshotsDirOf(dir), snap.stored.file);
    const bytes = fs.readFileSync(stored);
    const middle = bytes.length >> 1;
    bytes[middle] = bytes[middle]! ^ 0xff;
    fs.writeFileSync(stored, bytes);
    const bad = await strata(dir, ['--json', 'backup-test', snap.id]);
    expect(bad.code).toBe(1);
    const badResult = bad.json as DrillResult;
    expect(badResult.ok).toBe(false);
    expect(badResult.problems.every(isReadableProblem)).toBe(true);
    expect(badResult.problems.join(' ')).toMatch(/checksum mismatch|could not be decompressed/);
    expect(readSidecar(dir, snap.id).lastDrill?.ok).toBe(false);

    const stats = await strataJson<HealthReport>(dir, ['stats']);
    expect(stats.status).not.toBe('ok');
    expect(stats.reasons.join(' ')).toMatch(/restore drill .* failed/);
  });
});

describe('scheduled snapshots on StrataApp', () => {
  it('skips an auto run when nothing changed since the newest good snapshot, runs after a change', async () => {
    const dir = await demoFolder(15, 4, 10);
    const app = await StrataApp.open({ dataDir: dir, owner: 'cli', diskProbe: roomyDisk });
    try {
      expect(await app.scheduledSnapshot('auto')).toBe('done');
      expect(await app.scheduledSnapshot('auto')).toBe('skipped');
      expect(await app.scheduledSnapshot('hourly')).toBe('skipped');
      expect((await app.snapshots.list()).length).toBe(1);

      addSession(app, 'a change');
      expect(await app.scheduledSnapshot('auto')).toBe('done');
      const list = await app.snapshots.list();
      expect(list.map((s) => s.tier)).toEqual(['auto', 'auto']);
      expect(list[0]!.counts.sessions).toBe(list[1]!.counts.sessions! + 1);

      // An edit that keeps the counts (a rename) is a change too.
      const s = app.db.sessions.list({ limit: 1 })[0]!;
      await new Promise((r) => setTimeout(r, 5)); // a later updated_at
      app.db.sessions.rename(s.id, 'renamed');
      expect(await app.scheduledSnapshot('auto')).toBe('done');
    } finally {
      await app.close();
    }
  });

  it('pauses backups instead of filling a nearly full disk, says so in health, and resumes', async () => {
    const dir = await demoFolder(15, 4, 11);
    const GiB = 1024 ** 3;
    let disk: DiskSpace = { freeBytes: 200 * 1024 ** 2, totalBytes: 100 * GiB };
    const app = await StrataApp.open({ dataDir: dir, owner: 'cli', diskProbe: async () => disk });
    try {
      expect(await app.scheduledSnapshot('auto')).toBe('skipped');
      expect(await app.snapshots.list()).toEqual([]);
      const health = await app.health();
      expect(health.status).toBe('warning');
      expect(health.reasons.join(' ')).toMatch(/paused because the disk is almost full/);
      expect(health.reasons.join(' ')).toMatch(/Disk space is low/);
      expect(health.freeBytes).toBe(disk.freeBytes);

      disk = { freeBytes: 60 * GiB, totalBytes: 100 * GiB };
      expect(await app.scheduledSnapshot('auto')).toBe('done');
      expect((await app.snapshots.list()).length).toBe(1);
      const after = await app.health();
      expect(after.reasons.join(' ')).not.toMatch(/paused|Disk space is low/);
    } finally {
      await app.close();
    }
  });
});

describe('background jobs with an injected clock', () => {
  it('takes a startup snapshot, an auto snapshot after the interval, and health goes stale after 2x', async () => {
    const dir = await demoFolder(15, 4, 12);
    const start = new Date(2026, 10, 23, 10, 5, 0).getTime(); // local time, away from hour boundaries
    const clock = new ManualClock(start);
    const app = await StrataApp.open({
      dataDir: dir,
      owner: 'app',
      clock,
      diskProbe: roomyDisk,
      startBackgroundJobs: true,
      // The scheduler runs on the manual clock; the shipper's real-time points would blur the counts.
      continuousProtection: false,
    });
    const settled = async () => {
      await app.snapshots.idle();
      return app.schedulerState()?.running === null && app.snapshots.busyWith === null;
    };
    try {
      const interval = app.backupConfig().autoIntervalMinutes * 60_000;
      await waitUntil('the startup snapshot is listed', async () =>
        (await app.snapshots.list()).some((s) => s.tier === 'startup'),
      );
      await waitUntil('start-up jobs settled', settled);
      const startup = (await app.snapshots.list()).find((s) => s.tier === 'startup')!;
      expect(Date.parse(startup.createdAt)).toBe(start);
      expect(startup.check.ok).toBe(true);
      const countAfterStart = (await app.snapshots.list()).length;

      // No change: the interval passes and nothing new is stored.
      clock.advance(interval);
      await waitUntil('the unchanged auto run settled', async () => {
        return app.schedulerState()?.jobs.auto?.lastSuccessAt === start + interval && (await settled());
      });
      expect(app.schedulerState()?.jobs.auto?.lastResult).toBe('skipped');
      expect((await app.snapshots.list()).length).toBe(countAfterStart);

      // A change, then the interval: an auto snapshot holding it.
      addSession(app, 'written at 10:20');
      clock.advance(interval);
      const at = start + 2 * interval;
      await waitUntil('the auto snapshot after the change', async () =>
        (await app.snapshots.list()).some((s) => s.tier === 'auto' && Date.parse(s.createdAt) === at),
      );
      await waitUntil('jobs settled', settled);
      const auto = (await app.snapshots.list()).find((s) => Date.parse(s.createdAt) === at)!;
      expect(auto.counts.sessions).toBe(startup.counts.sessions! + 1);
      const ok = await app.health();
      expect(ok.status, ok.reasons.join(' ')).toBe('ok');
      expect(ok.newestGoodAt).toBe(at);
      expect(ok.lastSuccessByTier.auto).toBe(at);
      expect(ok.nextRunByTier.auto).toBe(at + interval);

      // The machine sleeps past twice the interval: no new snapshot, so health warns.
      clock.jump(2 * interval + 60_000);
      const stale = await app.health();
      expect(stale.status).toBe('warning');
      expect(stale.reasons.join(' ')).toMatch(/newest good backup is .* old/);
    } finally {
      await app.close();
    }
  }, 60_000);
});
