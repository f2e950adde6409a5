import { seededRandom } from '../helpers/seeded-random';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { lastReadAt, pickSnapshotsToVerify } from '../../src-main/app/rolling-verify';
import { ManualClock } from '../../src-main/core/clock';
import { generateDemoData } from '../../src-main/db';
import { tempDir } from '../helpers/temp-dir';
import { roomyDisk } from '../helpers/snapshot-fixtures';
import { advance, idle, openApp } from './app-helpers';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

async function configured(config: unknown, seed?: number): Promise<string> {
  const dir = tempDir('strata-drill-');
  const app = await StrataApp.open({ dataDir: dir, owner: 'cli', diskProbe: roomyDisk });
  if (seed !== undefined) generateDemoData(app.db.connection, { sessions: 4, messagesPerSession: 6, seed });
  if (config) app.setBackupConfig(config);
  await app.close();
  return dir;
}

const drillState = (app: StrataApp) => app.schedulerState()?.jobs.drill;

describe('restore drills from the first snapshot on', () => {
  it('a fresh install drills right after its first snapshot, not a whole interval later', async () => {
    const dir = tempDir('strata-fresh-');
    const start = new Date(2026, 10, 23, 10, 5, 0).getTime();
    const clock = new ManualClock(start);
    const app = await openApp(dir, clock);
    try {
      await advance(app, clock, DAY, HOUR);
      const drill = drillState(app)!;
      expect(drill.lastResult).toBe('done');
      expect(drill.lastSuccessAt).not.toBeNull();
      expect(drill.lastSuccessAt! - start).toBeLessThan(DAY);
      expect(drill.nextRunAt).toBe(drill.lastSuccessAt! + 7 * DAY);
      const drilled = (await app.snapshots.list()).filter((s) => s.lastDrill?.ok);
      expect(drilled.length).toBe(1);
      const health = await app.health();
      expect(health.status, health.reasons.join(' ')).toBe('ok');
    } finally {
      await app.close();
    }
  }, 120_000);

  it('with every automatic tier off, the first manual snapshot arms the drill', async () => {
    const dir = await configured({
      tiers: { startup: false, auto: false, hourly: false, daily: false, weekly: false },
    });
    const start = new Date(2026, 10, 23, 10, 5, 0).getTime();
    const clock = new ManualClock(start);
    const app = await openApp(dir, clock);
    try {
      await advance(app, clock, 2 * DAY, HOUR);
      expect(await app.snapshots.list()).toEqual([]);
      expect(drillState(app)).toMatchObject({ lastResult: null, nextRunAt: null });

      clock.advance(5 * MIN);
      const first = await app.snapshots.create({ tier: 'manual', label: 'by hand' });
      await idle(app);
      expect(drillState(app)).toMatchObject({ lastResult: 'done', lastSuccessAt: clock.now() });
      expect(app.snapshots.get(first.id).lastDrill?.ok).toBe(true);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('the last drill survives a restart even after its snapshot was pruned', async () => {
    // Only auto snapshots, so no calendar tier keeps the drilled one as its point.
    const dir = await configured(
      { tiers: { startup: false, hourly: false, daily: false, weekly: false }, retention: { keep: { auto: 1 } } },
      5,
    );
    const start = new Date(2026, 10, 23, 10, 5, 0).getTime();
    const clock = new ManualClock(start);
    let app = await openApp(dir, clock);
    let drilledAt: number;
    try {
      await advance(app, clock, HOUR, 5 * MIN);
      drilledAt = drillState(app)!.lastSuccessAt!;
      expect(drilledAt).toBeGreaterThanOrEqual(start);
      // Changes and snapshots until the drilled one is pruned.
      for (let i = 0; i < 3; i++) {
        app.db.sessions.create({ title: `change ${i}` });
        await advance(app, clock, 16 * MIN, 4 * MIN);
      }
      expect((await app.snapshots.list()).some((s) => s.lastDrill)).toBe(false);
    } finally {
      await app.close();
    }
    clock.advance(HOUR);
    app = await openApp(dir, clock);
    try {
      expect(drillState(app)!.nextRunAt).toBe(drilledAt + 7 * DAY);
      const health = await app.health();
      expect(health.reasons.join(' ')).not.toMatch(/drill/);
    } finally {
      await app.close();
    }
  }, 120_000);
});

describe('rolling verify', () => {
  it('picks every snapshot that would pass the period, plus an even daily share, oldest read first', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    const cands = Array.from({ length: 90 }, (_, i) => ({
      id: `s${String(i).padStart(2, '0')}`,
      lastReadAt: now - i * HOUR,
    }));
    const opts = { now, periodMs: 30 * DAY, runEveryMs: DAY };
    // 90 snapshots, 30 runs per period: 3 a day, the oldest read that were not read today.
    expect(pickSnapshotsToVerify(cands, opts)).toEqual(['s89', 's88', 's87']);
    const due = [...cands.slice(0, 89), { id: 'old', lastReadAt: now - 28.5 * DAY }];
    expect(pickSnapshotsToVerify(due, opts)).toEqual(['old', 's88', 's87']);
    expect(pickSnapshotsToVerify(cands, { ...opts, periodMs: 0 })).toEqual([]);
    // Years of unverified snapshots are caught up a bounded batch at a time, oldest first.
    const backlog = cands.map((c) => ({ ...c, lastReadAt: c.lastReadAt - 400 * DAY }));
    expect(pickSnapshotsToVerify(backlog, opts)).toEqual(['s89', 's88', 's87', 's86', 's85', 's84', 's83', 's82']);

    // Simulated for 120 days with snapshots coming and going: nobody waits longer than the period.
    const rnd = seededRandom(7);
    let pool = Array.from({ length: 40 }, (_, i) => ({ id: `k${i}`, lastReadAt: now - rnd() * 10 * DAY }));
    let worst = 0;
    let reads = 0;
    for (let day = 0; day < 120; day++) {
      const t = now + day * DAY;
      for (const id of pickSnapshotsToVerify(pool, { ...opts, now: t })) {
        pool.find((c) => c.id === id)!.lastReadAt = t;
        reads++;
      }
      worst = Math.max(worst, ...pool.map((c) => t - c.lastReadAt));
      pool = pool.filter(() => rnd() > 0.02);
      pool.push({ id: `n${day}`, lastReadAt: t });
    }
    expect(worst).toBeLessThanOrEqual(30 * DAY);
    // About one period's worth of reads per snapshot, not one a day each.
    expect(reads).toBeLessThan(120 * 3);
  });

  it('a 40-day run of the app re-reads every kept snapshot within 30 days, a share each day', async () => {
    const dir = await configured(
      {
        autoIntervalMinutes: 720,
        tiers: { hourly: false },
        retention: { keep: { startup: 2, auto: 4, daily: 7, weekly: 8 }, maxAgeDays: null },
      },
      9,
    );
    const start = new Date(2026, 10, 23, 10, 5, 0).getTime();
    const clock = new ManualClock(start);
    const app = await openApp(dir, clock);
    let verifies = 0;
    app.events.on('progress', (p) => {
      if (p.kind === 'verify' && p.finished && !p.error) verifies++;
    });
    try {
      await app.snapshots.create({ tier: 'manual', label: 'kept for the whole run' });
      let worstAge = 0;
      for (let day = 0; day < 40; day++) {
        app.db.sessions.create({ title: `day ${day}` });
        // Manual snapshots are kept for good, so the store grows and the daily share has to keep up.
        if (day % 2 === 0) await app.snapshots.create({ tier: 'manual', label: `day ${day}` });
        await advance(app, clock, DAY, 2 * HOUR);
        const now = clock.now();
        for (const s of await app.snapshots.list()) worstAge = Math.max(worstAge, now - lastReadAt(s));
        const health = await app.health();
        expect(health.reasons.join(' ')).not.toMatch(/not been read back/);
      }
      const list = await app.snapshots.list();
      expect(list.some((s) => now0(s.createdAt) <= start + HOUR && s.tier === 'manual')).toBe(true);
      expect(list.filter((s) => clock.now() - now0(s.createdAt) > 30 * DAY).length).toBeGreaterThan(0);
      expect(worstAge).toBeLessThanOrEqual(30 * DAY);
      expect(verifies).toBeGreaterThan(0);
      // A share a day, not every snapshot every day.
      expect(verifies).toBeLessThan(40 * list.length * 0.25);
    } finally {
      await app.close();
    }
  }, 300_000);
});

const now0 = (iso: string) => Date.parse(iso);
