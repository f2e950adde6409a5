import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { dbFileOf, addDemo, roomyDisk, strata, strataJson } from '../helpers/snapshot-fixtures';
import { tempDir } from '../helpers/temp-dir';
import { until } from './continuous-fixtures';

interface Points {
  snapshots: { id: string }[];
  continuous: {
    from: string;
    to: string;
    commits: number;
    startedBecause: string;
    perMinute: { minute: string; commits: number }[];
  }[];
}

function titles(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare(`SELECT title FROM sessions WHERE title LIKE 'cli %' ORDER BY title`).all() as { title: string }[]
    ).map((r) => r.title);
  } finally {
    db.close();
  }
}

describe('the CLI and moments', () => {
  it('lists ranges, browses, diffs, exports and restores the database as it was at a time', async () => {
    const dir = path.join(tempDir('strata-cli-at-'), 'data');
    await addDemo(dir, 6, 2, 61);
    const app = await StrataApp.open({ dataDir: dir, owner: 'host', startBackgroundJobs: true, diskProbe: roomyDisk });
    let moment = 0;
    let deletedId = '';
    try {
      await until(() => app.protectionStatus()?.state === 'running');
      const kept = app.db.sessions.create({ title: 'cli kept' });
      app.db.messages.append(kept.id, { role: 'user', content: 'hello' });
      deletedId = app.db.sessions.create({ title: 'cli deleted later' }).id;
      await app.flushProtection();
      moment = Date.now();
      while (Date.now() <= moment) {
        // what follows is recorded after the moment
      }
      app.db.sessions.delete(deletedId);
      app.db.sessions.create({ title: 'cli after' });
      await app.flushProtection();
    } finally {
      await app.close();
    }
    const at = new Date(moment).toISOString();

    const points = await strataJson<Points>(dir, ['points']);
    expect(points.continuous.length).toBe(1);
    expect(points.continuous[0]!.startedBecause).toBe('first-start');
    expect(points.continuous[0]!.commits).toBeGreaterThanOrEqual(4);
    expect(points.continuous[0]!.perMinute.reduce((n, m) => n + m.commits, 0)).toBe(points.continuous[0]!.commits);

    const prune = await strataJson<{
      continuous: { keepAllHours: number; perMinuteDays: number; commitsFolded: number };
    }>(dir, ['prune', '--dry-run']);
    expect(prune.continuous).toMatchObject({ keepAllHours: 24, perMinuteDays: 7, commitsFolded: 0 });
    const browse = await strataJson<{ sessions: { id: string; title: string }[] }>(dir, ['browse', '--at', at]);
    expect(browse.sessions.map((s) => s.title)).toContain('cli deleted later');
    expect(browse.sessions.map((s) => s.title)).not.toContain('cli after');
    // A time back from now, written as people write it (a leading dash, not an option).
    const now = await strataJson<{ sessions: { title: string }[] }>(dir, ['browse', '--at', '-0s']);
    expect(now.sessions.map((s) => s.title)).toContain('cli after');
    const diff = await strataJson<{ totals: { deletedSince: number; createdSince: number } }>(dir, [
      'diff',
      '--at',
      at,
    ]);
    expect(diff.totals).toMatchObject({ deletedSince: 1, createdSince: 1 });

    const out = path.join(tempDir('strata-cli-at-out-'), 'then.db');
    const exported = await strataJson<{ file: string; resolvedAt: string }>(dir, [
      'snapshot',
      'export',
      '--at',
      at,
      '--out',
      out,
    ]);
    expect(Date.parse(exported.resolvedAt)).toBeLessThanOrEqual(moment);
    expect(titles(out)).toEqual(['cli deleted later', 'cli kept']);

    // One session back from the moment, nothing else changes.
    const one = await strataJson<{ sessions: { title: string }[] }>(dir, [
      'restore-session',
      '--at',
      at,
      deletedId,
      '--yes',
    ]);
    expect(one.sessions.map((s) => s.title)).toEqual(['cli deleted later']);
    expect(titles(dbFileOf(dir))).toEqual(['cli after', 'cli deleted later', 'cli kept']);

    // The whole database back to the moment, and undo.
    const restored = await strataJson<{ restoredFrom: string; resolvedAt: string }>(dir, [
      'restore',
      '--at',
      at,
      '--yes',
    ]);
    expect(restored.restoredFrom).toContain('moment');
    expect(titles(dbFileOf(dir))).toEqual(['cli deleted later', 'cli kept']);
    await strataJson(dir, ['restore', '--undo', '--yes']);
    expect(titles(dbFileOf(dir))).toEqual(['cli after', 'cli deleted later', 'cli kept']);

    // Bad times are refused clearly, and change nothing.
    for (const bad of ['yesterday', '2026-02-31 10:00:00', '-5x']) {
      const r = await strata(dir, ['--json', 'restore', '--at', bad, '--yes']);
      expect(r.code).not.toBe(0);
      expect((r.json as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'usage',
        message: expect.stringMatching(/ISO time/),
      });
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const early = await strata(dir, ['--json', 'restore', '--at', '2001-01-01T00:00:00Z', '--yes']);
    expect((early.json as { error: { code: string } }).error.code).toBe('no_point_at_time');
    expect(titles(dbFileOf(dir))).toEqual(['cli after', 'cli deleted later', 'cli kept']);
  }, 120_000);
});
