import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { ManualClock } from '../../src-main/core/clock';
import type { SnapshotEntry } from '../../src-main/snapshots';
import { tempDir } from '../helpers/temp-dir';
import { addDemo, roomyDisk } from '../helpers/snapshot-fixtures';

/**
 * Hourly, daily and weekly runs that find nothing changed still get their point in time: the
 * unchanged newest snapshot joins the tier. A month of scheduled runs on an injected clock, with
 * two edits a day, must end with every tier at its configured count.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Runs every queued job to the end; the clock does not move meanwhile. */
async function settle(app: StrataApp): Promise<void> {
  for (;;) {
    await app.snapshots.idle();
    await new Promise((r) => setImmediate(r));
    const state = app.schedulerState();
    if (state?.running === null && app.snapshots.busyWith === null) {
      await app.snapshots.idle();
      if (app.schedulerState()?.running === null) return;
    }
  }
}

function claimsByTier(list: SnapshotEntry[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const s of list) {
    (out[s.tier] ??= []).push(Date.parse(s.createdAt));
    for (const m of s.memberships ?? []) (out[m.tier] ??= []).push(Date.parse(m.at));
  }
  return out;
}

describe('tier memberships over 30 simulated days', () => {
  it('ends with the configured count in every tier, and history as old as the weekly tier promises', async () => {
    const dir = tempDir('strata-membership-');
    await addDemo(dir, 4, 3, 61);
    // Local time, half past midnight on a Monday, so hours and days start on the clock.
    const start = new Date(2026, 10, 2, 0, 30, 0).getTime();
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
    try {
      // Hourly auto runs at half past (the clock started at 00:30), calendar runs on the hour:
      // 1,440 half-hour steps; every count keeps its default.
      app.setBackupConfig({ autoIntervalMinutes: 60, drillIntervalDays: 0, verifyPeriodDays: 0 });
      const keep = app.backupConfig().retention.keep;
      await settle(app);
      for (let step = 1; step <= 30 * 48; step++) {
        clock.advance(HOUR / 2);
        await settle(app);
        const h = step / 2;
        const at = new Date(clock.now());
        if (at.getMinutes() === 0 && (at.getHours() === 9 || at.getHours() === 17)) {
          const s = app.db.sessions.create({ title: `edit at hour ${h}` });
          app.db.messages.append(s.id, { role: 'user', content: `written at hour ${h}` });
        }
      }
      await app.prune({ dryRun: false });
      const list = await app.snapshots.list();
      const claims = claimsByTier(list);
      // What retention keeps each point for, as `prune --dry-run` says it.
      const plan = await app.prune({ dryRun: true });
      expect(plan.remove).toEqual([]);
      const keptFor = (tier: string) =>
        plan.decisions.flatMap((d) => d.reasons).filter((r) => r.startsWith(`keep: newest in ${tier} bucket`)).length;
      expect(keptFor('hourly'), 'hourly points').toBe(keep.hourly);
      expect(keptFor('daily'), 'daily points').toBe(keep.daily);
      expect(keptFor('weekly'), 'weekly points').toBe(keep.weekly);
      const autoKept = plan.decisions
        .flatMap((d) => d.reasons)
        .filter((r) => /newest auto snapshots/.test(r) && r.startsWith('keep')).length;
      expect(autoKept, 'auto points').toBe(keep.auto);
      // Memberships no rule keeps were dropped, so sidecars stay small.
      expect(list.every((s) => (s.memberships?.length ?? 0) <= keep.hourly + keep.daily + keep.weekly)).toBe(true);
      // The oldest point is as old as four weekly buckets promise: more than three weeks.
      const oldest = Math.min(...list.map((s) => Date.parse(s.createdAt)));
      expect(clock.now() - oldest).toBeGreaterThan(21 * DAY);
      // Distinct weekly claims fall in distinct weeks.
      const weeks = new Set(claims.weekly!.map((t) => Math.floor((t - start) / (7 * DAY))));
      expect(weeks.size).toBeGreaterThanOrEqual(keep.weekly);
      const health = await app.health();
      expect(health.lastSuccessByTier.weekly).not.toBeNull();
    } finally {
      await app.close();
    }
  }, 300_000);
});
