import { describe, expect, it } from 'vitest';
import {
  AUTOMATIC_TIERS,
  BACKUP_CONFIG_KEY,
  PINNED_TIERS,
  TIERS,
  calendarPatterns,
  mergeBackupConfig,
  parseBackupConfig,
} from '../../src-main/snapshots/config';
import { StrataError } from '../../src-main/core/errors';

describe('backup config', () => {
  it('fills every default from nothing', () => {
    const c = parseBackupConfig(undefined);
    expect(c).toEqual({
      enabled: true,
      autoIntervalMinutes: 15,
      tiers: { startup: true, auto: true, hourly: true, daily: true, weekly: true },
      weeklyDay: 0,
      drillIntervalDays: 7,
      verifyPeriodDays: 30,
      retention: {
        keep: { startup: 5, auto: 10, hourly: 24, daily: 7, weekly: 4, manual: 100 },
        maxAgeDays: 30,
        maxTotalBytes: null,
        minFreeBytes: 1024 ** 3,
        minFreeRatio: 0.05,
      },
      continuous: { enabled: true, keepAllHours: 24, perMinuteDays: 7 },
      retry: { attempts: 3, baseDelayMs: 30_000, maxDelayMs: 15 * 60_000 },
    });
    expect(BACKUP_CONFIG_KEY).toBe('backup.config');
    expect(TIERS).toHaveLength(8);
    expect([...PINNED_TIERS]).toEqual(['pre-migration', 'pre-restore']);
    expect([...AUTOMATIC_TIERS]).toEqual(['startup', 'auto', 'hourly', 'daily', 'weekly']);
  });

  it('merges a partial nested object over the defaults', () => {
    const c = parseBackupConfig({ autoIntervalMinutes: 5, retention: { keep: { auto: 3 } }, tiers: { weekly: false } });
    expect(c.autoIntervalMinutes).toBe(5);
    expect(c.retention.keep).toEqual({ startup: 5, auto: 3, hourly: 24, daily: 7, weekly: 4, manual: 100 });
    expect(c.retention.minFreeBytes).toBe(1024 ** 3);
    expect(c.tiers).toEqual({ startup: true, auto: true, hourly: true, daily: true, weekly: false });
  });

  it('rejects out-of-range values with a readable StrataError', () => {
    for (const bad of [
      { autoIntervalMinutes: 0 },
      { autoIntervalMinutes: 1441 },
      { weeklyDay: 7 },
      { enabled: 'yes' },
    ]) {
      let err: unknown;
      try {
        parseBackupConfig(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StrataError);
      expect((err as StrataError).code).toBe('invalid_config');
      expect((err as StrataError).message).toMatch(/^Invalid backup settings: /);
    }
  });

  it('mergeBackupConfig changes only what the patch names', () => {
    const current = parseBackupConfig({ retention: { keep: { daily: 14 } } });
    const next = mergeBackupConfig(current, { retention: { maxTotalBytes: 5_000_000 }, weeklyDay: 1 });
    expect(next.retention.keep.daily).toBe(14);
    expect(next.retention.maxTotalBytes).toBe(5_000_000);
    expect(calendarPatterns(next).weekly).toBe('0 0 * * 1');
    expect(() => mergeBackupConfig(current, { retry: { attempts: 0 } })).toThrow(/retry\.attempts/);
  });
});
