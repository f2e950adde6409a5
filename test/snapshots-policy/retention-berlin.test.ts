// Local-time rules: pin the zone before any Date is created (Node honours TZ changes at runtime).
process.env.TZ = 'Europe/Berlin';

import { describe, expect, it } from 'vitest';
import { parseBackupConfig, type Tier } from '../../src-main/snapshots/config';
import {
  planRetention,
  shouldPauseForDisk,
  type DiskSpace,
  type RetentionCandidate,
  type RetentionPlan,
} from '../../src-main/snapshots/retention';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

let seq = 0;
function snap(tier: Tier, iso: string | number, extra: Partial<RetentionCandidate> = {}): RetentionCandidate {
  const createdAt = typeof iso === 'number' ? iso : Date.parse(iso);
  return {
    id: `${tier}-${seq++}-${createdAt}`,
    tier,
    createdAt,
    storedBytes: MiB,
    pinned: false,
    good: true,
    ...extra,
  };
}
const retention = (patch: object = {}) => parseBackupConfig({ retention: patch }).retention;
const kept = (plan: RetentionPlan) => plan.decisions.filter((d) => d.action === 'keep').map((d) => d.id);
const decision = (plan: RetentionPlan, id: string) => plan.decisions.find((d) => d.id === id)!;

describe('retention (Europe/Berlin)', () => {
  it('runs in the Berlin zone', () => {
    expect(new Date('2026-07-01T12:00:00Z').getTimezoneOffset()).toBe(-120);
    expect(new Date('2026-12-01T12:00:00Z').getTimezoneOffset()).toBe(-60);
  });

  it('keeps the repeated fall-back hour as two hourly buckets', () => {
    // 2026-10-25: clocks go from 03:00 CEST back to 02:00 CET; 00:30Z and 01:30Z are both 02:30 local.
    const list: RetentionCandidate[] = [];
    for (let t = Date.parse('2026-10-24T22:00:00Z'); t <= Date.parse('2026-10-25T03:30:00Z'); t += 30 * MIN) {
      list.push(snap('hourly', t));
    }
    const plan = planRetention(list, retention(), { now: Date.parse('2026-10-25T04:00:00Z') });
    const keptTimes = plan.decisions.filter((d) => d.action === 'keep').map((d) => new Date(d.createdAt).toISOString());
    expect(keptTimes).toEqual([
      '2026-10-25T03:30:00.000Z',
      '2026-10-25T02:30:00.000Z',
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-24T23:30:00.000Z',
      '2026-10-24T22:30:00.000Z',
    ]);
    const cet = plan.decisions.find((d) => d.createdAt === Date.parse('2026-10-25T01:30:00Z'))!;
    const cest = plan.decisions.find((d) => d.createdAt === Date.parse('2026-10-25T00:30:00Z'))!;
    expect(cet.reasons).toContain('keep: newest in hourly bucket 2026-10-25 02:00 +01:00');
    expect(cest.reasons).toContain('keep: newest in hourly bucket 2026-10-25 02:00 +02:00');
    const older = plan.decisions.find((d) => d.createdAt === Date.parse('2026-10-25T01:00:00Z'))!;
    expect(older.action).toBe('remove');
    expect(older.reasons).toEqual(['remove: a newer hourly snapshot covers bucket 2026-10-25 02:00 +01:00']);
  });

  it('keeps only the N newest hourly buckets that have snapshots', () => {
    const list = [
      snap('hourly', '2026-10-25T03:10:00Z'),
      snap('hourly', '2026-10-25T01:10:00Z'), // 02:10 CET
      snap('hourly', '2026-10-25T00:10:00Z'), // 02:10 CEST
      snap('hourly', '2026-10-24T18:10:00Z'),
    ];
    const plan = planRetention(list, retention({ keep: { hourly: 3 } }), { now: Date.parse('2026-10-25T04:00:00Z') });
    expect(kept(plan)).toEqual([list[0]!.id, list[1]!.id, list[2]!.id]);
    expect(decision(plan, list[3]!.id).reasons).toEqual([
      'remove: hourly bucket 2026-10-24 20:00 +02:00 is beyond the 3 newest hourly buckets',
    ]);
  });

  it('handles the spring-forward gap', () => {
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00Z.
    const list = [
      snap('hourly', '2026-03-29T01:45:00Z'),
      snap('hourly', '2026-03-29T01:15:00Z'),
      snap('hourly', '2026-03-29T00:45:00Z'),
      snap('hourly', '2026-03-29T00:15:00Z'),
    ];
    const plan = planRetention(list, retention(), { now: Date.parse('2026-03-29T02:00:00Z') });
    expect(kept(plan)).toEqual([list[0]!.id, list[2]!.id]);
    expect(decision(plan, list[0]!.id).reasons).toContain('keep: newest in hourly bucket 2026-03-29 03:00 +02:00');
    expect(decision(plan, list[2]!.id).reasons).toContain('keep: newest in hourly bucket 2026-03-29 01:00 +01:00');
  });

  it('puts the whole 25-hour local day in one daily bucket', () => {
    const lateOct25 = snap('daily', '2026-10-25T22:55:00Z'); // 23:55 CET, Oct 25
    const earlyOct25 = snap('daily', '2026-10-24T22:05:00Z'); // 00:05 CEST, Oct 25 (UTC says Oct 24)
    const lateOct24 = snap('daily', '2026-10-24T21:55:00Z'); // 23:55 CEST, Oct 24
    const plan = planRetention([earlyOct25, lateOct24, lateOct25], retention(), {
      now: Date.parse('2026-10-26T08:00:00Z'),
    });
    expect(decision(plan, lateOct25.id).reasons).toContain('keep: newest in daily bucket 2026-10-25');
    expect(decision(plan, earlyOct25.id).reasons).toEqual(['remove: a newer daily snapshot covers bucket 2026-10-25']);
    expect(decision(plan, lateOct24.id).reasons).toEqual(['keep: newest in daily bucket 2026-10-24']);
  });

  it('keeps the newest per day for the last 7 days that have snapshots', () => {
    const list: RetentionCandidate[] = [];
    // Two per day for 10 days around the fall-back change, with a gap on Oct 27.
    for (let day = 20; day <= 30; day++) {
      if (day === 27) continue;
      list.push(snap('daily', `2026-10-${day}T08:00:00Z`), snap('daily', `2026-10-${day}T20:00:00Z`));
    }
    const plan = planRetention(list, retention(), { now: Date.parse('2026-10-31T00:00:00Z') });
    const keptDays = plan.decisions
      .filter((d) => d.action === 'keep')
      .map((d) => new Date(d.createdAt).toISOString().slice(0, 16));
    expect(keptDays).toEqual([
      '2026-10-30T20:00',
      '2026-10-29T20:00',
      '2026-10-28T20:00',
      '2026-10-26T20:00',
      '2026-10-25T20:00',
      '2026-10-24T20:00',
      '2026-10-23T20:00',
    ]);
    const oct22 = plan.decisions.find((d) => d.createdAt === Date.parse('2026-10-22T20:00:00Z'))!;
    expect(oct22.reasons).toEqual(['remove: daily bucket 2026-10-22 is beyond the 7 newest daily buckets']);
  });

  it('uses local ISO weeks for the weekly tier, across the year end', () => {
    const sunLate = snap('weekly', '2026-11-22T22:30:00Z'); // Sun 23:30 local, W47
    const monEarly = snap('weekly', '2026-11-22T23:30:00Z'); // Mon 00:30 local, W48
    const dec31 = snap('weekly', '2026-12-31T10:00:00Z'); // Thu, 2026-W53
    const jan1 = snap('weekly', '2027-01-01T10:00:00Z'); // Fri, still 2026-W53
    const plan = planRetention([sunLate, monEarly, dec31, jan1], retention({ maxAgeDays: null }), {
      now: Date.parse('2027-01-02T00:00:00Z'),
    });
    expect(decision(plan, jan1.id).reasons).toContain('keep: newest in weekly bucket 2026-W53');
    expect(decision(plan, dec31.id).reasons).toEqual(['remove: a newer weekly snapshot covers bucket 2026-W53']);
    expect(decision(plan, monEarly.id).reasons).toEqual(['keep: newest in weekly bucket 2026-W48']);
    expect(decision(plan, sunLate.id).reasons).toEqual(['keep: newest in weekly bucket 2026-W47']);
  });

  it('keeps the newest N of auto, startup and manual snapshots', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    const autos = Array.from({ length: 12 }, (_, i) => snap('auto', now - i * 15 * MIN));
    const startups = Array.from({ length: 7 }, (_, i) => snap('startup', now - i * HOUR - 5 * MIN));
    const manuals = Array.from({ length: 3 }, (_, i) => snap('manual', now - i * DAY - 7 * MIN));
    const plan = planRetention([...autos, ...startups, ...manuals], retention(), { now });
    expect(plan.remove.sort()).toEqual([autos[10]!.id, autos[11]!.id, startups[5]!.id, startups[6]!.id].sort());
    expect(decision(plan, autos[11]!.id).reasons).toEqual(['remove: beyond the 10 newest auto snapshots']);
    expect(decision(plan, autos[9]!.id).reasons).toEqual(['keep: one of the 10 newest auto snapshots']);
    expect(decision(plan, startups[6]!.id).reasons).toEqual(['remove: beyond the 5 newest startup snapshots']);
    expect(decision(plan, manuals[2]!.id).action).toBe('keep');
    expect(plan.freedBytes).toBe(4 * MiB);
  });

  it('applies the maximum age to automatic tiers only', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    const fresh = snap('auto', now - MIN);
    const oldAuto = snap('auto', now - 31 * DAY);
    const oldDaily = snap('daily', now - 40 * DAY);
    const oldManual = snap('manual', now - 60 * DAY);
    const oldPinned = snap('pre-migration', now - 90 * DAY);
    const plan = planRetention([fresh, oldAuto, oldDaily, oldManual, oldPinned], retention(), { now });
    expect(plan.remove.sort()).toEqual([oldAuto.id, oldDaily.id].sort());
    expect(decision(plan, oldDaily.id).reasons).toEqual([
      'remove: older than the 30-day maximum age for automatic snapshots',
    ]);
    expect(decision(plan, oldManual.id).action).toBe('keep');
    expect(decision(plan, oldPinned.id).reasons).toEqual(['keep: pinned pre-migration snapshot (never pruned)']);

    const noLimit = planRetention([fresh, oldAuto], retention({ maxAgeDays: null }), { now });
    expect(noLimit.remove).toEqual([]);
  });

  it('removes the oldest unprotected snapshots to respect the size cap, automatic before manual', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    const newest = snap('auto', now - MIN, { storedBytes: 100 * MiB });
    const auto2 = snap('auto', now - 20 * MIN, { storedBytes: 100 * MiB });
    const auto3 = snap('auto', now - 40 * MIN, { storedBytes: 100 * MiB });
    const oldManual = snap('manual', now - 5 * DAY, { storedBytes: 100 * MiB });
    const pinned = snap('pre-restore', now - 10 * DAY, { storedBytes: 100 * MiB });
    const all = [newest, auto2, auto3, oldManual, pinned];

    const plan = planRetention(all, retention({ maxTotalBytes: 300 * MiB }), { now });
    expect(plan.remove).toEqual([auto3.id, auto2.id]);
    expect(decision(plan, auto3.id).reasons[0]).toMatch(/^remove: .* over the 300\.0 MiB size cap/);
    expect(plan.warnings).toEqual([]);

    const tight = planRetention(all, retention({ maxTotalBytes: 150 * MiB }), { now });
    expect(tight.remove).toEqual([oldManual.id, auto3.id, auto2.id]);
    expect(kept(tight).sort()).toEqual([newest.id, pinned.id].sort());
    expect(tight.warnings.join(' ')).toMatch(/more than the 150\.0 MiB size cap/);
  });

  it('thins the oldest automatic snapshots when free disk is below the guard (probe injected)', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    const autos = Array.from({ length: 10 }, (_, i) => snap('auto', now - i * 15 * MIN, { storedBytes: 100 * MiB }));
    const manual = snap('manual', now - 3 * DAY, { storedBytes: 500 * MiB });
    const probe = (): DiskSpace => ({ freeBytes: 600 * MiB, totalBytes: 10 * GiB });
    const plan = planRetention([...autos, manual], retention(), { now, disk: probe() });
    // Needs 1 GiB free (5 % of 10 GiB is less): 600 MiB + 5 × 100 MiB.
    expect(plan.remove).toEqual([autos[9]!.id, autos[8]!.id, autos[7]!.id, autos[6]!.id, autos[5]!.id]);
    expect(decision(plan, autos[9]!.id).reasons).toEqual([
      'remove: thinned to keep at least 1.0 GiB free on disk (free-disk guard)',
    ]);
    expect(decision(plan, manual.id).action).toBe('keep');
    expect(plan.diskGuard).toEqual({
      requiredFreeBytes: GiB,
      freeBytes: 600 * MiB,
      freeAfterBytes: 1100 * MiB,
      ok: true,
    });
    expect(plan.warnings).toEqual([]);
  });

  it('warns that backups pause when thinning cannot free enough', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    const disk = { freeBytes: 2 * GiB, totalBytes: 100 * GiB }; // guard: 5 GiB
    const list = [snap('auto', now - MIN, { storedBytes: GiB }), snap('auto', now - HOUR, { storedBytes: GiB })];
    const plan = planRetention(list, retention(), { now, disk });
    expect(plan.remove).toEqual([list[1]!.id]);
    expect(plan.diskGuard).toMatchObject({ requiredFreeBytes: 5 * GiB, freeAfterBytes: 3 * GiB, ok: false });
    expect(plan.warnings.join(' ')).toMatch(/Automatic backups are paused/);

    const cfg = retention();
    expect(shouldPauseForDisk(disk, cfg, 0)).toBe(true);
    expect(shouldPauseForDisk({ freeBytes: 6 * GiB, totalBytes: 100 * GiB }, cfg, 500 * MiB)).toBe(false);
    expect(shouldPauseForDisk({ freeBytes: 6 * GiB, totalBytes: 100 * GiB }, cfg, 1.5 * GiB)).toBe(true);
    expect(shouldPauseForDisk(null, cfg, GiB)).toBe(false);
  });

  it('never removes pinned snapshots or the newest good one; a failed one goes first, once a newer one is good', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    // Newer than every good snapshot: it may hold data nothing else has, so it stays.
    const failedNewest = snap('auto', now - MIN, { good: false, storedBytes: 10 * MiB });
    const failedOlder = snap('auto', now - 220 * DAY, { good: false, storedBytes: 10 * MiB });
    const newestGood = snap('hourly', now - 200 * DAY, { storedBytes: 10 * MiB });
    const pinnedManual = snap('manual', now - 300 * DAY, { pinned: true, storedBytes: 10 * MiB });
    const pinnedFailed = snap('pre-migration', now - 400 * DAY, { good: false, storedBytes: 10 * MiB });
    const plainOld = snap('daily', now - 250 * DAY, { storedBytes: 10 * MiB });
    const strict = retention({
      keep: { startup: 0, auto: 0, hourly: 0, daily: 0, weekly: 0, manual: 0 },
      maxAgeDays: 1,
      maxTotalBytes: 0,
    });
    const plan = planRetention([plainOld, pinnedFailed, newestGood, failedNewest, failedOlder, pinnedManual], strict, {
      now,
      disk: { freeBytes: 0, totalBytes: GiB },
    });
    expect(plan.remove).toEqual([failedOlder.id, plainOld.id]);
    expect(decision(plan, failedOlder.id).reasons).toEqual(['remove: failed its check, and a newer snapshot is good']);
    expect(decision(plan, failedNewest.id).action).toBe('keep');
    expect(decision(plan, failedNewest.id).reasons).toEqual([
      'keep: failed its check, but no newer snapshot is good yet',
    ]);
    expect(decision(plan, newestGood.id).action).toBe('keep');
    expect(decision(plan, newestGood.id).reasons[0]).toBe('keep: newest good snapshot (never pruned)');
    expect(decision(plan, newestGood.id).reasons[1]).toMatch(/^would otherwise be removed: /);
    expect(decision(plan, pinnedManual.id).reasons).toEqual(['keep: pinned manual snapshot (never pruned)']);
    expect(decision(plan, pinnedFailed.id).action).toBe('keep');
    expect(plan.warnings.some((w) => w.includes(pinnedFailed.id))).toBe(true);
    expect(plan.diskGuard?.ok).toBe(false);
  });

  it('gives every decision a reason that matches its action', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    const tiers: Tier[] = ['startup', 'auto', 'hourly', 'daily', 'weekly', 'manual', 'pre-migration', 'pre-restore'];
    const list: RetentionCandidate[] = [];
    for (let i = 0; i < 400; i++) {
      list.push(snap(tiers[i % tiers.length]!, now - i * 97 * MIN, { good: i % 37 !== 5, storedBytes: (i % 7) * MiB }));
    }
    const plan = planRetention(list, retention({ maxTotalBytes: 100 * MiB }), {
      now,
      disk: { freeBytes: GiB / 2, totalBytes: 8 * GiB },
    });
    expect(plan.decisions).toHaveLength(400);
    for (const d of plan.decisions) {
      expect(d.reasons.length).toBeGreaterThan(0);
      expect(d.reasons[0]!.startsWith(`${d.action}:`)).toBe(true);
    }
    expect(new Set(plan.remove).size).toBe(plan.remove.length);
    expect(
      plan.decisions
        .filter((d) => d.action === 'remove')
        .map((d) => d.id)
        .sort(),
    ).toEqual([...plan.remove].sort());
    // Input order does not change the plan.
    const shuffled = [...list].reverse();
    expect(planRetention(shuffled, retention({ maxTotalBytes: 100 * MiB }), { now }).remove.sort()).toEqual(
      planRetention(list, retention({ maxTotalBytes: 100 * MiB }), { now }).remove.sort(),
    );
  });
});
