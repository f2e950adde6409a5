import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import {
  computeHealth,
  type BackupConfig,
  type DiskSpace,
  type HealthReport,
  type SchedulerState,
  type SnapshotEngine,
  type SnapshotEntry,
} from '../snapshots';
import { isGoodSnapshot } from '../snapshots/good';
import type { StrataEvents } from './events';
import { lastReadAt } from './rolling-verify';
import { continuousHealth, withContinuous } from './continuous-health';
import type { ShipperStatus } from '../continuous/shipper-types';

export interface HealthSources {
  snapshots: SnapshotEngine;
  clock: Clock;
  config(): BackupConfig;
  scheduler(): SchedulerState | null;
  disk(): Promise<DiskSpace | null>;
  pausedForDisk(): boolean;
  /** When each remembered job last succeeded (database metadata); empty without a database. */
  jobRuns(): Record<string, number>;
  databaseMissing(): boolean;
  /** The running shipper's status; null in a process without one (the CLI). */
  protection?(): ShipperStatus | null;
  closing?(): boolean;
}

type CheckPick = (
  s: SnapshotEntry,
) => { ok: boolean; status?: 'ok' | 'damaged' | 'unchecked'; at: string; problems: string[] } | null;

/** The most recent check of one kind (verify, drill) across every listed snapshot. */
function latestCheck(list: SnapshotEntry[], pick: CheckPick) {
  let best: { at: number; ok: boolean; id: string; status?: 'ok' | 'damaged' | 'unchecked'; message?: string } | null =
    null;
  for (const s of list) {
    const r = pick(s);
    if (!r) continue;
    const at = Date.parse(r.at);
    if (best && best.at >= at) continue;
    best = {
      at,
      ok: r.ok,
      id: s.id,
      ...(r.status ? { status: r.status } : {}),
      ...(r.problems.length ? { message: r.problems[0]! } : {}),
    };
  }
  return best;
}

function maxOrNull(...values: (number | null | undefined)[]): number | null {
  const known = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return known.length ? Math.max(...known) : null;
}

/** Gathers the facts health is judged on (pure judgement: snapshots/health.ts). */
export async function gatherHealth(src: HealthSources): Promise<HealthReport> {
  const list = await src.snapshots.list();
  const scheduler = src.scheduler();
  const lastDrill = latestCheck(list, (s) => s.lastDrill);
  const config = src.config();
  const report = computeHealth({
    now: src.clock.now(),
    config,
    snapshots: list.map((s) => ({
      id: s.id,
      tier: s.tier,
      createdAt: Date.parse(s.createdAt),
      storedBytes: s.stored.sizeBytes,
      good: isGoodSnapshot(s),
      pinned: s.pinned,
      lastReadAt: lastReadAt(s),
      memberships: (s.memberships ?? []).map((m) => ({ tier: m.tier, at: Date.parse(m.at) })),
    })),
    scheduler,
    disk: await src.disk(),
    lastVerify: latestCheck(list, (s) => s.lastVerify),
    lastDrill,
    // A drill's sidecar goes when retention prunes its snapshot; the remembered run does not.
    lastDrillRunAt: maxOrNull(
      lastDrill?.ok ? lastDrill.at : null,
      src.jobRuns().drill,
      scheduler?.jobs.drill?.lastSuccessAt,
    ),
    pausedForDisk: src.pausedForDisk(),
    databaseMissing: src.databaseMissing(),
    damaged: src.snapshots.scan().damaged.map(({ id, reason, recoverable }) => ({ id, reason, recoverable })),
  });
  const continuous = continuousHealth(
    config.enabled && config.continuous.enabled,
    src.protection?.() ?? null,
    src.snapshots.store.pages.dir,
    src.clock.now(),
  );
  return withContinuous(report, continuous, src.closing?.() ?? false);
}

/**
 * Publishes health after every scheduler change, and raises a desktop alert when the status
 * gets worse than ok (once per change of status, not on every recomputation).
 */
export class HealthPublisher {
  private lastStatus: HealthReport['status'] | null = null;

  constructor(
    private readonly events: StrataEvents,
    private readonly logger: Logger,
    private readonly gather: () => Promise<HealthReport>,
  ) {}

  async publish(): Promise<void> {
    try {
      const report = await this.gather();
      this.events.emit('health', report);
      if (report.status !== 'ok' && report.status !== this.lastStatus) {
        this.events.emit('alert', {
          level: report.status === 'error' ? 'error' : 'warning',
          title: report.status === 'error' ? 'Strata backup failed' : 'Strata backups need attention',
          message: report.reasons[0] ?? 'Check Backups for details.',
        });
      }
      this.lastStatus = report.status;
    } catch (e) {
      this.logger.warn('could not compute health', { error: (e as Error).message });
    }
  }
}
