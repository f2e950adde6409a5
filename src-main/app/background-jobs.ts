import type { Clock } from '../core/clock';
import { StrataError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { StrataDatabase } from '../db';
import { runAppDataCleanup } from '../app-data-cleanup';
import {
  BackupScheduler,
  calendarPatterns,
  type BackupConfig,
  type SnapshotEngine,
  type SnapshotEntry,
} from '../snapshots';
import type { JobOutcome, SchedulerJob } from '../snapshots/scheduler';
import { runRollingVerify } from './rolling-verify';

const DAY_MS = 86_400_000;
/** Housekeeping waits this long after start, so opening the app stays quick. */
const HOUSEKEEPING_START_DELAY_MS = 10 * 60_000;

export type ScheduledTier = 'auto' | 'hourly' | 'daily' | 'weekly';
const TIER_JOBS: readonly ScheduledTier[] = ['auto', 'hourly', 'daily', 'weekly'];

/** Jobs whose last success is kept in the database metadata (tiers are known from their snapshots). */
export const REMEMBERED_JOBS = ['drill', 'verify', 'cleanup'] as const;

export interface BackgroundJobDeps {
  config(): BackupConfig;
  snapshots: SnapshotEngine;
  scheduledSnapshot(tier: ScheduledTier): Promise<JobOutcome>;
  /** The live database, or null while a restore has it closed. */
  db(): StrataDatabase | null;
  clock: Clock;
  logger: Logger;
}

/** Every job the one scheduler runs: the snapshot tiers, restore drills, the rolling verify and app-data cleanup. */
export function backgroundJobs(deps: BackgroundJobDeps): SchedulerJob[] {
  const { config, snapshots } = deps;
  const tierJob = (tier: ScheduledTier): SchedulerJob => ({
    name: tier,
    get schedule() {
      return tier === 'auto'
        ? { kind: 'interval' as const, everyMs: config().autoIntervalMinutes * 60_000 }
        : { kind: 'cron' as const, pattern: calendarPatterns(config())[tier] };
    },
    enabled: () => config().enabled && config().tiers[tier],
    run: () => deps.scheduledSnapshot(tier),
  });

  /** Records the start of each successful run, which is what the scheduler counts from. */
  const remembered = (name: (typeof REMEMBERED_JOBS)[number], run: SchedulerJob['run']): SchedulerJob['run'] => {
    return async (signal) => {
      const startedAt = deps.clock.now();
      const outcome = await run(signal);
      try {
        deps.db()?.metadata.recordJobRun(name, startedAt);
      } catch (e) {
        deps.logger.warn('could not record when a background job ran', { job: name, error: (e as Error).message });
      }
      return outcome;
    };
  };

  return [
    ...TIER_JOBS.map(tierJob),
    {
      name: 'drill',
      get schedule() {
        return { kind: 'interval' as const, everyMs: config().drillIntervalDays * DAY_MS };
      },
      // Waits for the first good snapshot; the scheduler re-checks after every run, so the first
      // drill follows the first snapshot instead of a whole interval later.
      enabled: () => config().enabled && config().drillIntervalDays > 0 && snapshots.newestGood() !== null,
      run: remembered('drill', async () => {
        const r = await snapshots.drill();
        if (!r.ok) throw new StrataError('drill_failed', `Restore drill of ${r.id} failed: ${r.problems.join('; ')}`);
        return 'done';
      }),
    },
    {
      name: 'cleanup',
      schedule: { kind: 'interval', everyMs: DAY_MS },
      startDelayMs: HOUSEKEEPING_START_DELAY_MS,
      enabled: () => deps.db() !== null,
      run: remembered('cleanup', async (signal) => {
        const db = deps.db();
        if (!db) throw new StrataError('restoring', 'The database is being restored.');
        const result = await runAppDataCleanup(db, { now: deps.clock.now(), signal });
        deps.logger.info('app-data cleanup ran', {
          deleted: result.tables.map((t) => `${t.table}:${t.deleted}`).join(','),
          bytesReclaimed: result.vacuum.bytesReclaimed,
        });
        return result.tables.some((t) => t.deleted > 0) ? 'done' : 'skipped';
      }),
    },
    {
      name: 'verify',
      schedule: { kind: 'interval', everyMs: DAY_MS },
      startDelayMs: HOUSEKEEPING_START_DELAY_MS,
      enabled: () => config().enabled && config().verifyPeriodDays > 0,
      run: remembered('verify', (signal) =>
        runRollingVerify(
          {
            list: () => snapshots.list(),
            verify: (id) => snapshots.verify(id),
            now: () => deps.clock.now(),
            periodDays: () => config().verifyPeriodDays,
            logger: deps.logger,
          },
          signal,
        ),
      ),
    },
  ];
}

/** Where each job's schedule starts from after a restart: its snapshots, sidecars and the remembered runs. */
export function initialLastSuccess(list: SnapshotEntry[], jobRuns: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  const later = (job: string, at: number) => {
    if (Number.isFinite(at)) out[job] = Math.max(out[job] ?? -Infinity, at);
  };
  for (const s of list) {
    later(s.tier, Date.parse(s.createdAt));
    // A point that joined a calendar tier is that tier's last run too.
    for (const m of s.memberships ?? []) later(m.tier, Date.parse(m.at));
    if (s.lastDrill?.ok) later('drill', Date.parse(s.lastDrill.at));
  }
  for (const job of REMEMBERED_JOBS) if (jobRuns[job] !== undefined) later(job, jobRuns[job]);
  return out;
}

/** The one scheduler, with every job armed from where it left off. */
export function createBackgroundScheduler(deps: BackgroundJobDeps, jobRuns: Record<string, number>): BackupScheduler {
  return new BackupScheduler({
    clock: deps.clock,
    logger: deps.logger,
    jobs: backgroundJobs(deps),
    retry: deps.config().retry,
    initialLastSuccess: initialLastSuccess(deps.snapshots.store.list(), jobRuns),
  });
}
