import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { ManualClock } from '../../src-main/core/clock';
import { generateDemoData } from '../../src-main/db';
import { tempDir } from '../helpers/temp-dir';
import { dbFileOf, integrityCheck, roomyDisk } from '../helpers/snapshot-fixtures';
import { advance, idle, openApp } from './app-helpers';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function addOldLogs(app: StrataApp, n: number, at: number): void {
  const log = app.db.connection.prepare(
    `INSERT INTO app_logs (level, message, context, logged_at) VALUES ('debug', ?, '{}', ?)`,
  );
  app.db.connection.transaction(() => {
    for (let i = 0; i < n; i++) log.run(`old line ${i} ${'x'.repeat(100)}`, at);
  })();
}

const logCount = (app: StrataApp) =>
  (app.db.connection.prepare(`SELECT count(*) AS n FROM app_logs`).get() as { n: number }).n;

async function folder(): Promise<string> {
  const dir = tempDir('strata-cleanup-');
  const app = await StrataApp.open({ dataDir: dir, owner: 'cli', diskProbe: roomyDisk });
  generateDemoData(app.db.connection, { sessions: 3, messagesPerSession: 5, seed: 4 });
  await app.close();
  return dir;
}

describe('app-data cleanup as a scheduler job', () => {
  it('runs 10 minutes after start, then daily; its last run survives a restart', async () => {
    const dir = await folder();
    const start = new Date(2026, 10, 23, 10, 5, 0).getTime();
    const clock = new ManualClock(start);
    let app = await openApp(dir, clock);
    try {
      addOldLogs(app, 50, start - 30 * DAY);
      await advance(app, clock, 9 * MIN, MIN);
      expect(logCount(app)).toBe(50);
      await advance(app, clock, 2 * MIN, MIN);
      expect(logCount(app)).toBe(0);
      expect(app.schedulerState()?.jobs.cleanup).toMatchObject({ lastResult: 'done', lastSuccessAt: start + 10 * MIN });
      expect(app.db.metadata.jobRuns().cleanup).toBe(start + 10 * MIN);
    } finally {
      await app.close();
    }

    // Two hours later the app starts again: no second run until a day after the first.
    clock.advance(2 * HOUR);
    app = await openApp(dir, clock);
    try {
      addOldLogs(app, 20, start - 30 * DAY);
      expect(app.schedulerState()?.jobs.cleanup?.nextRunAt).toBe(start + 10 * MIN + DAY);
      await advance(app, clock, start + 10 * MIN + DAY - clock.now() - MIN, HOUR);
      expect(logCount(app)).toBe(20);
      await advance(app, clock, 2 * MIN, MIN);
      expect(logCount(app)).toBe(0);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('a restore pauses it between two batches; it runs again on the restored database afterwards', async () => {
    const dir = await folder();
    const start = new Date(2026, 10, 23, 10, 5, 0).getTime();
    const clock = new ManualClock(start);
    const app = await openApp(dir, clock);
    try {
      const target = (await app.snapshots.list())[0]!;
      // 20,000 old rows: ten delete batches, so the restore arrives while the job is mid-way.
      addOldLogs(app, 20_000, start - 30 * DAY);
      clock.advance(10 * MIN);
      expect(app.schedulerState()?.running).toBe('cleanup');
      const restored = await app.snapshots.restore(target.id);
      expect(restored.restoredFrom).toBe(target.id);
      await idle(app);
      const cleanup = app.schedulerState()!.jobs.cleanup!;
      // Cut short by the pause: neither a failure nor a success; it ran again once the restore ended.
      expect(cleanup.consecutiveFailures).toBe(0);
      expect(cleanup.lastError).toBeNull();
      expect(cleanup.lastResult).not.toBe('failed');
      expect(cleanup.lastSuccessAt).toBe(start + 10 * MIN);
      expect(integrityCheck(dbFileOf(dir))).toEqual(['ok']);
      // The restored data (from before the rows were added) is what the app now has.
      expect(logCount(app)).toBe(0);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('quitting stops a running cleanup between two batches', async () => {
    const dir = await folder();
    const start = new Date(2026, 10, 23, 10, 5, 0).getTime();
    const clock = new ManualClock(start);
    const app = await openApp(dir, clock);
    addOldLogs(app, 20_000, start - 30 * DAY);
    clock.advance(10 * MIN);
    expect(app.schedulerState()?.running).toBe('cleanup');
    await app.close();
    expect(integrityCheck(dbFileOf(dir))).toEqual(['ok']);
    const reopened = await StrataApp.open({ dataDir: dir, owner: 'cli', diskProbe: roomyDisk });
    try {
      const left = logCount(reopened);
      // Some batches were committed, the rest waits for the next run; nothing half-deleted.
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThan(20_000);
      expect(left % 2000).toBe(0);
      expect(reopened.db.metadata.jobRuns().cleanup).toBeUndefined();
    } finally {
      await reopened.close();
    }
  }, 120_000);
});
