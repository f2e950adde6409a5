import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBackupConfig } from '../../src-main/snapshots/config';
import { computeHealth, healthReportSchema, probeDisk, type HealthInput } from '../../src-main/snapshots/health';
import type { JobState, SchedulerState } from '../../src-main/snapshots/scheduler';
import { tempDir } from '../helpers/temp-dir';

const MIN = 60_000;
const GiB = 1024 ** 3;
const now = Date.parse('2026-11-23T12:00:00Z');

function jobState(patch: Partial<JobState> = {}): JobState {
  return {
    lastSuccessAt: now - 5 * MIN,
    lastAttemptAt: now - 5 * MIN,
    lastResult: 'done',
    lastError: null,
    consecutiveFailures: 0,
    nextRunAt: now + 10 * MIN,
    ...patch,
  };
}

function scheduler(jobs: Record<string, Partial<JobState>> = {}): SchedulerState {
  const all: Record<string, JobState> = { auto: jobState(), hourly: jobState({ nextRunAt: now + 60 * MIN }) };
  for (const [k, v] of Object.entries(jobs)) all[k] = jobState(v);
  return { paused: false, running: null, jobs: all };
}

function input(patch: Partial<HealthInput> = {}): HealthInput {
  return {
    now,
    config: parseBackupConfig({}),
    snapshots: [
      { id: 'a', tier: 'auto', createdAt: now - 5 * MIN, storedBytes: 1000, good: true, pinned: false },
      { id: 'h', tier: 'hourly', createdAt: now - 50 * MIN, storedBytes: 2000, good: true, pinned: false },
      {
        id: 'p',
        tier: 'pre-migration',
        createdAt: now - 3 * 24 * 60 * MIN,
        storedBytes: 3000,
        good: true,
        pinned: true,
      },
    ],
    scheduler: scheduler(),
    disk: { freeBytes: 50 * GiB, totalBytes: 100 * GiB },
    lastVerify: { at: now - 60 * MIN, ok: true, id: 'a' },
    lastDrill: { at: now - 2 * 24 * 60 * MIN, ok: true, id: 'h' },
    ...patch,
  };
}

describe('computeHealth', () => {
  it('is ok with a fresh backup and summarises the store', () => {
    const r = computeHealth(input());
    expect(r.status).toBe('ok');
    expect(r.reasons).toEqual([]);
    expect(r.snapshotCount).toBe(3);
    expect(r.totalStoredBytes).toBe(6000);
    expect(r.oldestAt).toBe(now - 3 * 24 * 60 * MIN);
    expect(r.newestAt).toBe(now - 5 * MIN);
    expect(r.newestGoodAt).toBe(now - 5 * MIN);
    expect(r.lastSuccessByTier).toMatchObject({ auto: now - 5 * MIN, hourly: now - 50 * MIN, daily: null });
    expect(r.lastSuccessByTier['pre-migration']).toBe(now - 3 * 24 * 60 * MIN);
    expect(r.nextRunByTier).toEqual({ auto: now + 10 * MIN, hourly: now + 60 * MIN });
    expect(r.freeBytes).toBe(50 * GiB);
    expect(healthReportSchema.parse(r)).toEqual(r);
  });

  it('warns when the newest good backup is older than twice the auto interval', () => {
    const r = computeHealth(
      input({
        snapshots: [
          { id: 'x', tier: 'auto', createdAt: now - 2 * MIN, storedBytes: 1, good: false, pinned: false },
          { id: 'a', tier: 'auto', createdAt: now - 47 * MIN, storedBytes: 1, good: true, pinned: false },
        ],
      }),
    );
    expect(r.status).toBe('warning');
    expect(r.reasons).toContain('The newest good backup is 47 minutes old (more than twice the 15-minute interval).');
    expect(r.reasons).toContain('1 backup failed its check and cannot be restored.');
    expect(r.newestGoodAt).toBe(now - 47 * MIN);
    expect(r.newestAt).toBe(now - 2 * MIN);
  });

  it('counts a skipped auto run (nothing changed) as current protection', () => {
    const old = [
      { id: 'a', tier: 'auto' as const, createdAt: now - 5 * 60 * MIN, storedBytes: 1, good: true, pinned: false },
    ];
    const skipped = computeHealth(
      input({
        snapshots: old,
        scheduler: scheduler({ auto: { lastResult: 'skipped', lastSuccessAt: now - 3 * MIN } }),
      }),
    );
    expect(skipped.status).toBe('ok');
    const notRun = computeHealth(input({ snapshots: old, scheduler: null }));
    expect(notRun.reasons).toEqual(['The newest good backup is 5 hours old (more than twice the 15-minute interval).']);
  });

  it('warns when there is no backup at all', () => {
    const r = computeHealth(input({ snapshots: [], scheduler: null, lastVerify: null, lastDrill: null }));
    expect(r.status).toBe('warning');
    expect(r.reasons).toEqual(['There is no backup yet.']);
    expect(r.oldestAt).toBeNull();
    expect(healthReportSchema.safeParse(r).success).toBe(true);
  });

  it('is an error when a job failed after all retries, and says so first', () => {
    const r = computeHealth(
      input({
        scheduler: scheduler({
          daily: {
            lastResult: 'failed',
            lastError: 'The disk is full',
            consecutiveFailures: 3,
            lastAttemptAt: now - MIN,
          },
        }),
        disk: { freeBytes: 0.5 * GiB, totalBytes: 100 * GiB },
      }),
    );
    expect(r.status).toBe('error');
    expect(r.reasons[0]).toBe(
      'The daily backup failed 3 times in a row: The disk is full. It will try again in 10 minutes.',
    );
    expect(r.failures).toEqual([{ job: 'daily', error: 'The disk is full', at: now - MIN, consecutive: 3 }]);
    expect(r.reasons).toContain('Disk space is low: 512.0 MiB free, and backups keep at least 5.0 GiB free.');
  });

  it('warns while a job is retrying, when paused for disk, and when the last verify or drill failed', () => {
    const r = computeHealth(
      input({
        scheduler: scheduler({ auto: { lastError: 'busy', consecutiveFailures: 1 } }),
        pausedForDisk: true,
        lastVerify: { at: now - 60 * MIN, ok: false, id: 'snap-9' },
        lastDrill: { at: now - 3 * 60 * MIN, ok: false, id: 'snap-7', message: 'record counts differ' },
      }),
    );
    expect(r.status).toBe('warning');
    expect(r.failures).toEqual([]);
    expect(r.reasons).toEqual([
      'The auto backup failed and is being retried: busy.',
      'Automatic backups are paused because the disk is almost full. Free some disk space to resume them.',
      'The last verify failed: backup snap-9 is damaged (60 minutes ago).',
      'The last restore drill (backup snap-7, 3 hours ago) failed: record counts differ.',
    ]);
  });

  it('warns when automatic backups are turned off', () => {
    const r = computeHealth(input({ config: parseBackupConfig({ enabled: false }) }));
    expect(r.status).toBe('warning');
    expect(r.reasons).toEqual(['Automatic backups are turned off in the settings.']);
  });
});

describe('computeHealth: drills, rolling verify and a missing database', () => {
  const DAY = 24 * 60 * MIN;
  const good = (id: string, ageDays: number, lastReadAgeDays = ageDays) => ({
    id,
    tier: 'manual' as const,
    createdAt: now - ageDays * DAY,
    storedBytes: 1,
    good: true,
    pinned: false,
    lastReadAt: now - lastReadAgeDays * DAY,
  });

  it('warns when the last successful drill is more than twice the drill interval ago', () => {
    const snapshots = [good('a', 0.001), good('old', 20, 1)];
    const due = computeHealth(input({ snapshots, lastDrillRunAt: now - 13 * DAY }));
    expect(due.status, due.reasons.join(' ')).toBe('ok');
    const overdue = computeHealth(input({ snapshots, lastDrillRunAt: now - 15 * DAY }));
    expect(overdue.status).toBe('warning');
    expect(overdue.reasons).toEqual([
      'The last successful restore drill was 15 days ago; drills should run every 7 days.',
    ]);
    // A drill recorded only on a pruned snapshot's sidecar is gone; the remembered run still counts.
    const never = computeHealth(input({ snapshots, lastDrill: null, lastDrillRunAt: null }));
    expect(never.reasons).toEqual([
      'No restore drill has succeeded since the first backup 20 days ago; drills should run every 7 days.',
    ]);
    const off = computeHealth(input({ snapshots, config: parseBackupConfig({ drillIntervalDays: 0 }) }));
    expect(off.status).toBe('ok');
  });

  it('warns when a kept snapshot has not been read back within the verify period', () => {
    const fresh = computeHealth(input({ snapshots: [good('a', 0.001), good('b', 60, 29)], lastDrillRunAt: now }));
    expect(fresh.status, fresh.reasons.join(' ')).toBe('ok');
    const stale = computeHealth(
      input({ snapshots: [good('a', 0.001), good('b', 60, 31), good('c', 45, 40)], lastDrillRunAt: now }),
    );
    expect(stale.reasons).toEqual(['2 backups have not been read back and verified in more than 30 days.']);
    const longer = computeHealth(
      input({
        snapshots: [good('a', 0.001), good('b', 60, 31)],
        lastDrillRunAt: now,
        config: parseBackupConfig({ verifyPeriodDays: 60 }),
      }),
    );
    expect(longer.status).toBe('ok');
  });

  it('is an error, said first, when the database is missing but backups exist', () => {
    const r = computeHealth(input({ databaseMissing: true }));
    expect(r.status).toBe('error');
    expect(r.reasons[0]).toMatch(/database file strata\.db is missing.*open Restore.*strata restore <id>/);
    expect(healthReportSchema.parse(r)).toEqual(r);
  });
});

describe('probeDisk', () => {
  it('reads free and total space, walking up from a folder that does not exist yet', async () => {
    const dir = tempDir();
    const d = await probeDisk(dir);
    expect(d.totalBytes).toBeGreaterThan(0);
    expect(d.freeBytes).toBeGreaterThanOrEqual(0);
    expect(d.freeBytes).toBeLessThanOrEqual(d.totalBytes);
    const missing = path.join(dir, 'backups', 'not-yet');
    expect(fs.existsSync(missing)).toBe(false);
    const m = await probeDisk(missing);
    expect(m.totalBytes).toBe(d.totalBytes);
  });
});
