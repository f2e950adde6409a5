import type { HealthReport } from '../contract/health-schema';
import { TIERS, type BackupConfig, type Tier } from './config';
import { formatBytes, requiredFreeBytes } from './retention';
import type { SchedulerState } from './scheduler';

// The report's schema belongs to the contract (the screens validate it); re-exported here.
export { healthReportSchema, type HealthReport } from '../contract/health-schema';

export type HealthStatus = HealthReport['status'];

export interface HealthSnapshot {
  id: string;
  tier: Tier;
  createdAt: number;
  storedBytes: number;
  good: boolean;
  pinned: boolean;
  memberships?: { tier: Tier; at: number }[];
  /** When its stored bytes were last read back in full (creation, verify or drill). */
  lastReadAt?: number;
}

export interface HealthInput {
  now: number;
  config: BackupConfig;
  snapshots: HealthSnapshot[];
  scheduler: SchedulerState | null;
  disk: { freeBytes: number; totalBytes: number } | null;
  /** `status` unchecked: the verify could not run (a full disk), which says nothing about the snapshot. */
  lastVerify: { at: number; ok: boolean; id: string; status?: 'ok' | 'damaged' | 'unchecked'; message?: string } | null;
  lastDrill: { at: number; ok: boolean; id: string; message?: string } | null;
  /** The last successful restore drill, also when its snapshot has been pruned since. */
  lastDrillRunAt?: number | null;
  pausedForDisk?: boolean;
  /** strata.db is gone while snapshots of it exist: nothing is protected until it is restored. */
  databaseMissing?: boolean;
  /** Snapshots that cannot be read (metadata missing or damaged, stored file gone). */
  damaged?: { id: string; reason: string; recoverable: boolean }[];
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Pure: judges backup health from facts gathered by the engine. */
export function computeHealth(input: HealthInput): HealthReport {
  const { now, config, snapshots, scheduler, disk } = input;
  const errors: string[] = [];
  const warnings: string[] = [];
  if (input.databaseMissing) {
    errors.push(
      'The database file strata.db is missing, but backups of it exist. Nothing is being backed up until it is back: ' +
        'open Restore and pick a point in time (or run `strata restore <id>`, see `strata list`).',
    );
  }

  const lastSuccessByTier = Object.fromEntries(TIERS.map((t) => [t, null])) as Record<Tier, number | null>;
  let oldestAt: number | null = null;
  let newestAt: number | null = null;
  let newestGoodAt: number | null = null;
  let totalStoredBytes = 0;
  let failedCount = 0;
  for (const s of snapshots) {
    totalStoredBytes += s.storedBytes;
    oldestAt = oldestAt === null ? s.createdAt : Math.min(oldestAt, s.createdAt);
    newestAt = newestAt === null ? s.createdAt : Math.max(newestAt, s.createdAt);
    if (!s.good) {
      failedCount++;
      continue;
    }
    newestGoodAt = newestGoodAt === null ? s.createdAt : Math.max(newestGoodAt, s.createdAt);
    // A point that joined a calendar tier counts as that tier's success at the time it joined.
    for (const claim of [{ tier: s.tier, at: s.createdAt }, ...(s.memberships ?? [])]) {
      const prev = lastSuccessByTier[claim.tier];
      if (claim.tier in lastSuccessByTier)
        lastSuccessByTier[claim.tier] = prev == null ? claim.at : Math.max(prev, claim.at);
    }
  }

  // Failures of scheduled jobs.
  const failures: HealthReport['failures'] = [];
  const nextRunByTier: Record<string, number | null> = {};
  for (const [job, st] of Object.entries(scheduler?.jobs ?? {})) {
    nextRunByTier[job] = st.nextRunAt;
    if (st.lastResult === 'failed') {
      const error = st.lastError ?? 'unknown error';
      failures.push({ job, error, at: st.lastAttemptAt, consecutive: st.consecutiveFailures });
      const retryNote = st.nextRunAt !== null ? ` It will try again ${describeWhen(st.nextRunAt, now)}.` : '';
      errors.push(
        `The ${jobLabel(job)} failed ${plural(st.consecutiveFailures, 'time')} in a row: ${sentence(error)}${retryNote}`,
      );
    } else if (st.lastError !== null) {
      warnings.push(`The ${jobLabel(job)} failed and is being retried: ${sentence(st.lastError)}`);
    }
  }

  // Staleness: a skipped auto run means nothing changed since the newest good snapshot, so it still protects.
  const intervalMs = config.autoIntervalMinutes * MINUTE;
  const autoJob = scheduler?.jobs['auto'];
  const confirmedAt =
    !input.pausedForDisk && autoJob?.lastResult === 'skipped' && newestGoodAt !== null ? autoJob.lastSuccessAt : null;
  const protectedAt = newestGoodAt === null ? null : Math.max(newestGoodAt, confirmedAt ?? newestGoodAt);
  if (protectedAt === null) {
    warnings.push(
      snapshots.length === 0 && !(input.damaged ?? []).some((d) => d.recoverable)
        ? 'There is no backup yet.'
        : 'There is no good backup that can be read right now.',
    );
  } else if (now - protectedAt > 2 * intervalMs) {
    warnings.push(
      `The newest good backup is ${formatAge(now - protectedAt)} old (more than twice the ${config.autoIntervalMinutes}-minute interval).`,
    );
  }

  if (!config.enabled) warnings.push('Automatic backups are turned off in the settings.');
  else if (!config.tiers.auto)
    warnings.push('Backups every few minutes (the auto tier) are turned off in the settings.');

  let freeBytes: number | null = null;
  let totalBytes: number | null = null;
  if (disk) {
    freeBytes = disk.freeBytes;
    totalBytes = disk.totalBytes;
    const required = requiredFreeBytes(disk, config.retention);
    if (disk.freeBytes < required) {
      warnings.push(
        `Disk space is low: ${formatBytes(disk.freeBytes)} free, and backups keep at least ${formatBytes(required)} free.`,
      );
    }
  }
  if (input.pausedForDisk) {
    warnings.push('Automatic backups are paused because the disk is almost full. Free some disk space to resume them.');
  }

  const damaged = input.damaged ?? [];
  if (damaged.length) {
    const recoverable = damaged.filter((d) => d.recoverable).length;
    const line =
      `${damaged.length} backup${damaged.length === 1 ? '' : 's'} cannot be read (${damaged[0]!.id}: ${damaged[0]!.reason}${damaged.length > 1 ? '; …' : ''}). ` +
      (recoverable ? 'Verify them to rebuild their description from the stored data.' : 'Check the backup folder.');
    (newestGoodAt === null ? errors : warnings).push(line);
  }

  if (input.lastVerify && !input.lastVerify.ok && input.lastVerify.status === 'unchecked') {
    warnings.push(
      `The last verify of backup ${input.lastVerify.id} could not run (${describeWhen(input.lastVerify.at, now)})${input.lastVerify.message ? `: ${sentence(input.lastVerify.message)}` : '.'}`,
    );
  } else if (input.lastVerify && !input.lastVerify.ok) {
    warnings.push(
      `The last verify failed: backup ${input.lastVerify.id} is damaged (${describeWhen(input.lastVerify.at, now)}).`,
    );
  }
  if (input.lastDrill && !input.lastDrill.ok) {
    const why = input.lastDrill.message ? `: ${sentence(input.lastDrill.message)}` : '.';
    warnings.push(
      `The last restore drill (backup ${input.lastDrill.id}, ${describeWhen(input.lastDrill.at, now)}) failed${why}`,
    );
  }
  // Drills and the rolling verify only prove something if they keep running.
  const oldestGoodAt = snapshots
    .filter((s) => s.good)
    .reduce<number | null>((min, s) => (min === null ? s.createdAt : Math.min(min, s.createdAt)), null);
  if (config.enabled && config.drillIntervalDays > 0 && oldestGoodAt !== null) {
    const drillLimit = 2 * config.drillIntervalDays * DAY;
    const lastDrillAt = input.lastDrillRunAt ?? null;
    if (lastDrillAt !== null && now - lastDrillAt > drillLimit) {
      warnings.push(
        `The last successful restore drill was ${formatAge(now - lastDrillAt)} ago; drills should run every ${plural(config.drillIntervalDays, 'day')}.`,
      );
    } else if (lastDrillAt === null && now - oldestGoodAt > drillLimit) {
      warnings.push(
        `No restore drill has succeeded since the first backup ${formatAge(now - oldestGoodAt)} ago; drills should run every ${plural(config.drillIntervalDays, 'day')}.`,
      );
    }
  }
  if (config.enabled && config.verifyPeriodDays > 0) {
    const limit = config.verifyPeriodDays * DAY;
    const unread = snapshots.filter((s) => s.lastReadAt !== undefined && now - s.lastReadAt > limit);
    if (unread.length > 0) {
      warnings.push(
        `${plural(unread.length, 'backup')} ${unread.length === 1 ? 'has' : 'have'} not been read back and verified in more than ${plural(config.verifyPeriodDays, 'day')}.`,
      );
    }
  }
  if (failedCount > 0) {
    warnings.push(
      `${plural(failedCount, 'backup')} failed ${failedCount === 1 ? 'its' : 'their'} check and cannot be restored.`,
    );
  }

  const status: HealthStatus = errors.length ? 'error' : warnings.length ? 'warning' : 'ok';
  return {
    status,
    reasons: [...errors, ...warnings],
    checkedAt: now,
    lastSuccessByTier,
    nextRunByTier,
    snapshotCount: snapshots.length,
    totalStoredBytes,
    oldestAt,
    newestAt,
    newestGoodAt,
    freeBytes,
    totalBytes,
    lastVerify: input.lastVerify,
    lastDrill: input.lastDrill,
    failures,
  };
}

/** Free and total bytes of the file system holding `dir` (or its nearest existing parent). */
export async function probeDisk(dir: string): Promise<{ freeBytes: number; totalBytes: number }> {
  // Loaded lazily so this module stays importable where node:fs is not available.
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  let current = path.resolve(dir);
  for (;;) {
    try {
      const s = await fs.statfs(current);
      // bavail: blocks an unprivileged process may use, which is what our writes get.
      return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    } catch (e) {
      const parent = path.dirname(current);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw e;
      current = parent;
    }
  }
}

function jobLabel(job: string): string {
  if ((TIERS as readonly string[]).includes(job)) return `${job} backup`;
  return `${job} job`;
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / MINUTE));
  if (minutes < 120) return plural(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (hours < 48) return plural(hours, 'hour');
  return plural(Math.round(hours / 24), 'day');
}

function describeWhen(at: number, now: number): string {
  const d = at - now;
  if (Math.abs(d) < MINUTE) return 'now';
  return d > 0 ? `in ${formatAge(d)}` : `${formatAge(-d)} ago`;
}
