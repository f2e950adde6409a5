import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../core/errors';
import type { MomentPreview } from '../contract/continuous-schemas';
import { assertMaterialised, momentMaterialiseJob } from './materialise-job';
import { scratchDir } from './scratch';
import { newOperationId } from '../app/events';
import { SnapshotStore, type StoreScan } from './store';
import type { SnapshotEntry, SnapshotSidecar, SnapshotTier } from './sidecar';
import type { RetentionConfig } from './config';
import type { DiskSpace, RetentionPlan } from './retention';
import { readRestoreHistory, type RestoreRecord } from './restore-journal';
import { withProgress } from '../app/with-progress';
import {
  addMembership,
  createSnapshot,
  hasChangedSinceNewest,
  newestGood,
  type CreateOptions,
} from './create-snapshot';
import { verifySnapshot } from './verify-snapshot';
import { exportSnapshot } from './export-snapshot';
import { restoreSnapshot } from './restore-snapshot';
import { pruneSnapshots } from './prune-snapshots';
import { storePendingPreRestores } from './pre-restore';
import { drillSnapshot } from './drill';
import { openPoint, type OpenedPoint } from './open-point';
import { runSnapshotJob } from './worker-client';
import type { StoreStatsOutcome } from './store-jobs';
import type { GcResult, VerifyReport } from '../page-store';
import type { DrillResult, EngineContext, RestoreResult, SnapshotEngineOptions, VerifyResult } from './engine-types';

export type { LiveDatabase, VerifyResult, RestoreResult, DrillResult, SnapshotEngineOptions } from './engine-types';
export type { OpenedPoint } from './open-point';

/**
 * Creates, lists, checks and restores snapshots. Each job lives in its own module; this class
 * runs them one at a time (a restore must never overlap a snapshot of the database it writes)
 * and gives them the store, the options and one progress frame.
 */
export class SnapshotEngine {
  readonly store: SnapshotStore;
  private readonly ctx: EngineContext;
  private queue: Promise<unknown> = Promise.resolve();
  private runningJob: string | null = null;

  constructor(private readonly opts: SnapshotEngineOptions) {
    this.store = new SnapshotStore(opts.backupsDir, opts.logger);
    this.store.ensure();
    this.ctx = {
      store: this.store,
      opts,
      withProgress: (kind, operationId, fn) => withProgress(opts.events, kind, operationId, fn),
    };
  }

  get busyWith(): string | null {
    return this.runningJob;
  }

  /** Resolves when every queued job has finished (used for a clean quit). */
  async idle(): Promise<void> {
    await this.queue.catch(() => undefined);
  }

  private exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      this.runningJob = name;
      try {
        return await fn();
      } finally {
        this.runningJob = null;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async list(): Promise<SnapshotEntry[]> {
    return this.store.list();
  }

  /** Readable snapshots and, with reasons, the ones that cannot be read. */
  scan(): StoreScan {
    return this.store.scan();
  }

  get(id: string): SnapshotEntry {
    return this.store.get(id);
  }

  newestGood(): SnapshotEntry | null {
    return newestGood(this.ctx);
  }

  hasChangedSinceNewest(): boolean {
    return hasChangedSinceNewest(this.ctx);
  }

  create(opts: Omit<CreateOptions, 'staticSource' | 'id' | 'createdAt'>): Promise<SnapshotSidecar> {
    return this.exclusive(`snapshot:${opts.tier}`, () => createSnapshot(this.ctx, opts));
  }

  /**
   * A scheduled calendar run: a new snapshot when the data changed, otherwise the newest good
   * snapshot joins the tier. Returns what happened, for the scheduler.
   */
  scheduled(tier: SnapshotTier): Promise<'created' | 'joined'> {
    return this.exclusive(`snapshot:${tier}`, async () => {
      if (!hasChangedSinceNewest(this.ctx) && (await addMembership(this.ctx, tier))) return 'joined' as const;
      await createSnapshot(this.ctx, { tier });
      return 'created' as const;
    });
  }

  verify(id: string, opts: { operationId?: string } = {}): Promise<VerifyResult> {
    return this.exclusive(`verify:${id}`, () => verifySnapshot(this.ctx, id, opts.operationId));
  }

  delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    return this.exclusive(`delete:${id}`, async () => {
      const damaged = this.store.damaged().find((d) => d.id === id);
      const entry = damaged ? null : this.store.get(id);
      if (entry?.pinned && !opts.force) {
        throw new StrataError(
          'pinned',
          `Snapshot ${id} is pinned (${entry.tier}) and kept until you delete it with --force.`,
        );
      }
      if (damaged?.recoverable && !opts.force) {
        throw new StrataError('pinned', `Snapshot ${id} still holds data (${damaged.reason}). Delete it with --force.`);
      }
      await this.store.remove(id);
    });
  }

  /** Row counts of a snapshot next to the live database's, for the restore screen. */
  async compare(id: string): Promise<{ snapshot: Record<string, number>; current: Record<string, number> }> {
    const entry = this.store.get(id);
    const db = this.opts.live.current();
    return { snapshot: entry.counts, current: db ? db.tableCounts() : {} };
  }

  exportPlain(
    source: string | { at: number },
    outFile: string,
    opts: { operationId?: string } = {},
  ): Promise<{ file: string; sizeBytes: number; resolvedAt?: string }> {
    const key = typeof source === 'string' ? source : `at:${source.at}`;
    return this.exclusive(`export:${key}`, () => exportSnapshot(this.ctx, source, outFile, opts.operationId));
  }

  /** The record counts at a moment of continuous protection, read from a checked scratch copy. */
  previewMoment(at: number): Promise<MomentPreview> {
    return this.exclusive(`preview-at:${at}`, async () => {
      const file = path.join(scratchDir(this.opts.backupsDir), `moment-${at}-${process.pid}.db`);
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const outcome = await runSnapshotJob(momentMaterialiseJob(this.store.pages.dir, at, file, false));
      assertMaterialised(outcome, 'That moment');
      return {
        at,
        resolvedAt: outcome.resolved!.at,
        generation: outcome.resolved!.generation,
        commits: outcome.resolved!.commits,
        counts: outcome.summary?.counts ?? {},
      };
    });
  }

  restore(id: string, opts: { operationId?: string; undo?: boolean } = {}): Promise<RestoreResult> {
    return this.exclusive(`restore:${id}`, () =>
      restoreSnapshot(
        this.ctx,
        {
          createNow: (o) => createSnapshot(this.ctx, o),
          // Queued behind this restore, so an undo waits until the pre-restore snapshot is listed.
          completePendingPreRestores: () => void this.completePendingPreRestores().catch(() => undefined),
        },
        { snapshotId: id },
        opts.operationId ?? newOperationId('restore'),
        opts.undo ?? false,
      ),
    );
  }

  /** Restores the database as it was after the last commit at or before `at` (continuous protection). */
  restoreAt(at: number, opts: { operationId?: string } = {}): Promise<RestoreResult> {
    return this.exclusive(`restore-at:${at}`, () =>
      restoreSnapshot(
        this.ctx,
        {
          createNow: (o) => createSnapshot(this.ctx, o),
          completePendingPreRestores: () => void this.completePendingPreRestores().catch(() => undefined),
        },
        { at },
        opts.operationId ?? newOperationId('restore'),
        false,
      ),
    );
  }

  prune(config: RetentionConfig, opts: { dryRun: boolean; disk?: DiskSpace }): Promise<RetentionPlan> {
    return this.exclusive('prune', () => pruneSnapshots(this.ctx, config, opts));
  }

  completePendingPreRestores(): Promise<string[]> {
    return this.exclusive('pre-restore', () => storePendingPreRestores(this.ctx, (o) => createSnapshot(this.ctx, o)));
  }

  restoreHistory(): RestoreRecord[] {
    return readRestoreHistory(this.opts.backupsDir);
  }

  /** Restores the pre-restore snapshot of the most recent restore that has not been undone. */
  async undoRestore(opts: { operationId?: string } = {}): Promise<RestoreResult> {
    const history = this.restoreHistory();
    const last = history[history.length - 1];
    if (!last || last.undo || !last.preRestoreSnapshotId) {
      throw new StrataError('nothing_to_undo', 'There is no restore to undo.');
    }
    return this.restore(last.preRestoreSnapshotId, { ...opts, undo: true });
  }

  /** Materialises a point read-only into a private folder (browse, diff, single-session restore). */
  openPoint(id: string, opts: { operationId?: string } = {}): Promise<OpenedPoint> {
    return this.exclusive(`open:${id}`, () => openPoint(this.ctx, id, opts.operationId));
  }

  /** Logical and stored sizes of the page store, and per point what it added and what deleting it frees. */
  storeStats(): Promise<StoreStatsOutcome> {
    return runSnapshotJob({ op: 'store-stats', storeDir: this.store.pages.dir });
  }

  /** Frees what no point references (packs younger than the grace period stay). */
  storeGc(opts: { dryRun: boolean; graceMs?: number }): Promise<GcResult> {
    return this.exclusive('store-gc', () =>
      runSnapshotJob({ op: 'store-gc', storeDir: this.store.pages.dir, ...opts }),
    );
  }

  /**
   * Checks the page store: every point's objects present, and with readData every object (or a
   * share of the packs) read and checked against its hash; names exactly which points are affected.
   */
  verifyStore(opts: { readData: boolean; subsetPercent?: number; subsetSeed?: number }): Promise<VerifyReport> {
    return runSnapshotJob({ op: 'store-verify', storeDir: this.store.pages.dir, ...opts });
  }

  drill(id?: string, opts: { operationId?: string } = {}): Promise<DrillResult> {
    return this.exclusive(`drill:${id ?? 'latest'}`, () => drillSnapshot(this.ctx, id, opts.operationId));
  }
}
