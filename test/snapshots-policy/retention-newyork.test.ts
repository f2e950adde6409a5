// Local-time rules: pin the zone before any Date is created (Node honours TZ changes at runtime).
process.env.TZ = 'America/New_York';

import { describe, expect, it } from 'vitest';
import { parseBackupConfig, type Tier } from '../../src-main/snapshots/config';
import { bucketKey, planRetention, type RetentionCandidate } from '../../src-main/snapshots/retention';

const MIN = 60_000;
const HOUR = 60 * MIN;

function series(tier: Tier, from: string, to: string, stepMs: number): RetentionCandidate[] {
  const out: RetentionCandidate[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += stepMs) {
    out.push({ id: `${tier}-${t}`, tier, createdAt: t, storedBytes: 1, pinned: false, good: true });
  }
  return out;
}

describe('retention (America/New_York)', () => {
  it('runs in the New York zone', () => {
    expect(new Date('2026-07-01T12:00:00Z').getTimezoneOffset()).toBe(240);
  });

  it('gives one hourly bucket per real hour across both DST changes', () => {
    // Every 10 minutes from March 1 to November 30 2026: spans 2026-03-08 and 2026-11-01.
    const list = series('hourly', '2026-03-01T00:05:00Z', '2026-11-30T23:55:00Z', 10 * MIN);
    const config = parseBackupConfig({ retention: { keep: { hourly: 100_000 }, maxAgeDays: null } }).retention;
    const plan = planRetention(list, config, { now: Date.parse('2026-12-01T00:00:00Z') });
    const keptList = plan.decisions.filter((d) => d.action === 'keep');
    const realHours = new Set(list.map((s) => Math.floor(s.createdAt / HOUR)));
    // New York offsets are whole hours, so local clock hours and real hours match one to one.
    expect(keptList).toHaveLength(realHours.size);
    // Each kept snapshot is the last one of its hour (minute :55).
    for (const d of keptList) expect(new Date(d.createdAt).getUTCMinutes()).toBe(55);
  });

  it('labels the repeated 01:00 hour of 2026-11-01 with both offsets', () => {
    expect(bucketKey('hourly', Date.parse('2026-11-01T05:30:00Z'))).toBe('2026-11-01 01:00 -04:00');
    expect(bucketKey('hourly', Date.parse('2026-11-01T06:30:00Z'))).toBe('2026-11-01 01:00 -05:00');
    expect(bucketKey('daily', Date.parse('2026-11-02T04:59:00Z'))).toBe('2026-11-01');
    expect(bucketKey('daily', Date.parse('2026-11-02T05:00:00Z'))).toBe('2026-11-02');
  });

  it('keeps 7 local days and 4 ISO weeks over the fall-back weekend', () => {
    const daily = series('daily', '2026-10-20T12:00:00Z', '2026-11-05T12:00:00Z', 6 * HOUR);
    const weekly = series('weekly', '2026-10-01T16:00:00Z', '2026-11-05T16:00:00Z', 24 * HOUR);
    const plan = planRetention([...daily, ...weekly], parseBackupConfig({}).retention, {
      now: Date.parse('2026-11-05T18:00:00Z'),
    });
    const keptDaily = plan.decisions.filter((d) => d.tier === 'daily' && d.action === 'keep');
    expect(keptDaily.map((d) => bucketKey('daily', d.createdAt))).toEqual([
      '2026-11-05',
      '2026-11-04',
      '2026-11-03',
      '2026-11-02',
      '2026-11-01',
      '2026-10-31',
      '2026-10-30',
    ]);
    const keptWeekly = plan.decisions.filter((d) => d.tier === 'weekly' && d.action === 'keep');
    expect(keptWeekly.map((d) => d.reasons.find((r) => r.includes('weekly bucket')))).toEqual([
      'keep: newest in weekly bucket 2026-W45',
      'keep: newest in weekly bucket 2026-W44',
      'keep: newest in weekly bucket 2026-W43',
      'keep: newest in weekly bucket 2026-W42',
    ]);
    // Each weekly keeper is the last snapshot of its ISO week: a Sunday, or the newest overall.
    for (const d of keptWeekly.slice(1)) expect(new Date(d.createdAt).getDay()).toBe(0);
  });
});
