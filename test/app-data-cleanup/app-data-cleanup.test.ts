import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { richFolder } from '../helpers/rich-folder';
import { CLEANUP_SETTING_KEY, runAppDataCleanup } from '../../src-main/app-data-cleanup';

const DAY = 86_400_000;

describe('app-data cleanup', () => {
  const now = Date.UTC(2026, 10, 23, 12);

  it('dry run counts, real run deletes old logs and analytics only, and reclaims space in steps', async () => {
    const dir = tempDir();
    const db = await richFolder(path.join(dir, 'd'));
    // Enough old log rows to free many pages.
    const log = db.connection.prepare(`INSERT INTO app_logs (level, message, context, logged_at) VALUES (?, ?, ?, ?)`);
    db.connection.transaction(() => {
      for (let i = 0; i < 3000; i++) log.run('debug', 'x'.repeat(500), '{}', now - 30 * DAY);
    })();
    const sessionsBefore = db.connection.prepare(`SELECT * FROM messages ORDER BY rowid`).all();
    const countsBefore = db.tableCounts();

    const dry = await runAppDataCleanup(db, { now, dryRun: true });
    const logs = dry.tables.find((t) => t.table === 'app_logs')!;
    const analytics = dry.tables.find((t) => t.table === 'analytics_events')!;
    // Rows sit at midnight minus whole days and `now` is noon, so a row i days back is i + 0.5 days old.
    // Logs: i = 7..29 are older than 7 days (23), plus the 3000 at 30 days.
    expect(logs.eligible).toBe(3023);
    // Analytics every 5 days: i*5 + 0.5 > 90 for i = 18..29 (12).
    expect(analytics.eligible).toBe(12);
    expect(db.tableCounts()).toEqual(countsBefore);

    const real = await runAppDataCleanup(db, { now, batchRows: 500, vacuumStepPages: 16 });
    expect(real.tables.map((t) => t.deleted)).toEqual([3023, 12]);
    expect(db.tableCounts().app_logs).toBe(countsBefore.app_logs! - 3023);
    expect(db.tableCounts().analytics_events).toBe(countsBefore.analytics_events! - 12);
    expect(db.connection.prepare(`SELECT * FROM messages ORDER BY rowid`).all()).toEqual(sessionsBefore);
    expect(real.vacuum.mode).toBe('incremental');
    expect(real.vacuum.freePagesBefore).toBeGreaterThan(16);
    expect(real.vacuum.steps).toBeGreaterThan(1);
    expect(real.vacuum.freePagesAfter).toBe(0);
    expect(real.vacuum.bytesReclaimed).toBeGreaterThan(0);
    db.close();
  });

  it('follows the appData.retention setting; an invalid one falls back to defaults with a warning', async () => {
    const dir = tempDir();
    const db = await richFolder(path.join(dir, 'd'));
    db.settings.set(CLEANUP_SETTING_KEY, { logsDays: 0, analyticsDays: 30 });
    const r = await runAppDataCleanup(db, { now, dryRun: true });
    expect(r.tables[0]).toMatchObject({ table: 'app_logs', cutoff: null, eligible: 0 });
    expect(r.tables[1]!.eligible).toBe(24); // i*5 + 0.5 > 30 for i = 6..29
    db.settings.set(CLEANUP_SETTING_KEY, { logsDays: 'soon' });
    const bad = await runAppDataCleanup(db, { now, dryRun: true });
    expect(bad.warning).toMatch(/appData\.retention is invalid/);
    expect(bad.policy).toEqual({ logsDays: 7, analyticsDays: 90 });
    db.close();
  });
});
