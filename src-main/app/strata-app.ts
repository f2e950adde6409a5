import { ensurePrivateDataFolders } from '../core/private-files';
import { removeStaleTempFiles } from '../core/atomic-file';
import { removeStaleOpenedPoints } from '../snapshots/open-point';
import { systemClock, type Clock } from '../core/clock';
import { acquireDataLock, liveLockHolder, type DataLock } from '../core/data-lock';
import { StrataError } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import { dataPaths, type DataPaths } from '../core/paths';
import { APP_VERSION } from '../core/app-version';
import { StrataDatabase } from '../db';
import {
  BACKUP_CONFIG_KEY,
  type BackupScheduler,
  type SnapshotEngine,
  mergeBackupConfig,
  parseBackupConfig,
  probeDisk,
  recoverInterruptedRestore,
  type BackupConfig,
  type DiskSpace,
  type HealthReport,
  type RetentionPlan,
  type SnapshotSidecar,
} from '../snapshots';
import type { Tier } from '../snapshots/config';
import { PointBrowser } from '../point-browsing';
import { StrataEvents } from './events';
import { startProtection } from './continuous-wiring';
import { runSnapshotJob } from '../snapshots/worker-client';
import type { ContinuousProtection } from '../continuous/protection';
import type { ShippedRound, ShipperStatus } from '../continuous/shipper-types';
import { createBackgroundScheduler } from './background-jobs';
import { DiskGuard, estimateRunBytesFor } from './disk-guard';
import { HealthPublisher, gatherHealth } from './health-gathering';
import {
  GuardedSnapshotEngine,
  databaseMissingError,
  hasSnapshotHistory,
  isDatabaseMissing,
  setAsideOrphanedWal,
} from './missing-database';

export type AppOwner = 'app' | 'host' | 'cli';

export interface StrataAppOptions {
  dataDir: string;
  owner: AppOwner;
  clock?: Clock;
  logger?: Logger;
  /** Scheduler, startup snapshot and background jobs: the desktop app and the headless host. */
  startBackgroundJobs?: boolean;
  /** Take the data-folder lock even as the CLI (commands that replace the database file). */
  exclusive?: boolean;
  diskProbe?: (dir: string) => Promise<DiskSpace>;
  /**
   * When strata.db is missing but snapshots exist, open without a live database (so a restore can
   * bring it back) instead of refusing with `database_missing`. The app and host default to true:
   * they start and show the Restore screen. Never is an empty database created over history.
   */
  allowMissingDatabase?: boolean;
  /** Where new snapshots go (default: the page store); see SnapshotEngineOptions.snapshotFormat. */
  snapshotFormat?: 'pages' | 'gzip';
  /**
   * Continuous protection with the background jobs (default true). Tests that drive the scheduler
   * with a manual clock turn it off: the shipper keeps real time, in its own thread.
   */
  continuousProtection?: boolean;
  /** Told of every fsynced round of continuous protection (benchmarks measure RPO with it). */
  onShippedRound?: (round: ShippedRound) => void;
  /** How often the shipper thins its record (default a minute; benchmarks shorten it). */
  thinEveryMs?: number;
}

const CLOSE_WAIT_MS = 30_000;

/**
 * The composition root: one per running desktop app, headless host or CLI command. It owns the
 * live database, the snapshot engine and the one scheduler, and is what the typed contract serves.
 * The policies live next to it: disk-guard.ts, health-gathering.ts, background-jobs.ts.
 */
export class StrataApp {
  readonly events = new StrataEvents();
  readonly snapshots: SnapshotEngine;
  /** Browse, diff and single-session restore from points; its private copies go on close. */
  readonly points: PointBrowser;
  readonly paths: DataPaths;
  readonly clock: Clock;
  readonly logger: Logger;
  private liveDb: StrataDatabase | null = null;
  private databaseMissing = false;
  private scheduler: BackupScheduler | null = null;
  private readonly diskGuard: DiskGuard;
  private readonly healthPublisher: HealthPublisher;
  private closing: Promise<void> | null = null;
  /** The WAL shipper (app and host only): every commit into the store within a second. */
  private protection: ContinuousProtection | null = null;

  private constructor(
    private readonly opts: StrataAppOptions,
    private readonly lock: DataLock | null,
  ) {
    this.paths = dataPaths(opts.dataDir);
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger;
    this.snapshots = new GuardedSnapshotEngine(() => (this.databaseMissing ? databaseMissingError(this.paths) : null), {
      backupsDir: this.paths.backups,
      clock: this.clock,
      logger: this.logger,
      events: this.events,
      live: {
        file: this.paths.database,
        current: () => this.liveDb,
        // The scheduler is paused first (onRestoreStart), and jobs that touch the database
        // directly stop between two committed batches, so closing here cuts nothing in half.
        close: async () => {
          this.liveDb?.close();
          this.liveDb = null;
        },
        reopen: async (beforeMigrate) => {
          // A restore that failed before its swap must not leave an empty database behind.
          if (this.databaseMissing && isDatabaseMissing(this.paths.database)) return;
          this.liveDb = await this.openDatabase(beforeMigrate);
          this.databaseMissing = false;
        },
      },
      diskProbe: (dir) => (opts.diskProbe ?? probeDisk)(dir),
      ...(opts.snapshotFormat ? { snapshotFormat: opts.snapshotFormat } : {}),
      // A shipper here owns checkpoints; one in another process holds the data-folder lock.
      mayCheckpoint: () => !this.protection && (this.lock !== null || liveLockHolder(this.paths.lockFile) === null),
      onRestoreStart: () => void this.scheduler?.pause(),
      beforeRestore: async () => {
        await this.protection?.pause();
      },
      afterRestore: async () => {
        await this.protection?.resume('restored', 'The database was restored.');
      },
      onRestoreEnd: () => {
        // A folder opened without its database starts its background jobs once a restore brought it back.
        if (!this.scheduler && this.liveDb && this.opts.startBackgroundJobs && !this.closing) {
          this.startBackgroundJobs();
        } else this.scheduler?.resume();
      },
    });
    this.diskGuard = new DiskGuard({
      disk: () => this.disk(),
      prune: () => this.prune({ dryRun: false }),
      logger: this.logger,
    });
    this.points = new PointBrowser({
      backupsDir: this.paths.backups,
      liveFile: this.paths.database,
      live: () => this.db,
      snapshots: this.snapshots,
      beforeRiskyWrite: (reason) => this.beforeRiskyWrite(reason),
      clock: this.clock,
      events: this.events,
      logger: this.logger,
    });
    this.healthPublisher = new HealthPublisher(this.events, this.logger, () => this.health());
    // A new snapshot may be the first one a waiting job (the restore drill) needs.
    this.events.on('progress', (p) => {
      if (p.kind === 'snapshot' && p.finished && !p.error) {
        this.scheduler?.wake();
        // A new point: the recently deleted view is brought up to date before anyone opens it.
        if (this.scheduler && !this.closing) this.points.warmSoon();
      }
    });
  }

  static async open(opts: StrataAppOptions): Promise<StrataApp> {
    const paths = dataPaths(opts.dataDir);
    ensurePrivateDataFolders(paths);
    const takeLock = opts.owner !== 'cli' || opts.exclusive === true;
    const lock = takeLock
      ? acquireDataLock(paths.lockFile, opts.owner === 'cli' ? 'the strata CLI' : `the Strata ${opts.owner}`)
      : null;
    try {
      const app = new StrataApp(opts, lock);
      if (lock) {
        // Only the lock holder tidies up: another process may be mid-write otherwise.
        recoverInterruptedRestore(paths.database, paths.backups, app.logger);
        removeStaleTempFiles(paths.root);
        removeStaleOpenedPoints(paths.backups);
        app.snapshots.store.cleanOrphans(app.clock.now());
      }
      if (lock && app.snapshots.store.pendingFiles().length) {
        // A restore was interrupted after its swap: store the old data before anything else runs.
        void app.snapshots.completePendingPreRestores();
      }
      if (isDatabaseMissing(paths.database) && hasSnapshotHistory(paths.backups)) {
        // Opening would create an empty database, which the next snapshot would then store as the present.
        if (!(opts.allowMissingDatabase ?? opts.owner !== 'cli')) throw databaseMissingError(paths);
        app.databaseMissing = true;
        if (lock) setAsideOrphanedWal(paths.database, app.clock.now(), app.logger);
        app.logger.error('the database is missing; waiting for a restore', { folder: paths.root });
        return app;
      }
      app.liveDb = await app.openDatabase(async (plan) => {
        await app.snapshots.create({
          tier: 'pre-migration',
          label: `Before migrating schema ${plan.from} to ${plan.to}`,
        });
      });
      if (opts.startBackgroundJobs) app.startBackgroundJobs();
      return app;
    } catch (e) {
      lock?.release();
      throw e;
    }
  }

  private openDatabase(beforeMigrate: (plan: { from: number; to: number }) => Promise<void>): Promise<StrataDatabase> {
    return StrataDatabase.open({
      file: this.paths.database,
      appVersion: APP_VERSION,
      now: () => this.clock.now(),
      beforeMigrate,
    });
  }

  /** The live database. A restore replaces it, so never keep the object: read it here each time. */
  get db(): StrataDatabase {
    if (this.liveDb) return this.liveDb;
    if (this.databaseMissing) throw databaseMissingError(this.paths);
    throw new StrataError('restoring', 'The database is being restored. Try again in a moment.');
  }

  backupConfig(): BackupConfig {
    // Defaults while no database is open (mid-restore); nothing stored to be wrong about.
    if (!this.liveDb) return parseBackupConfig({});
    try {
      return parseBackupConfig(this.liveDb.settings.get(BACKUP_CONFIG_KEY)?.value);
    } catch (e) {
      this.logger.warn('stored backup settings are invalid; using defaults', { error: (e as Error).message });
      return parseBackupConfig({});
    }
  }

  setBackupConfig(partial: unknown): BackupConfig {
    const next = mergeBackupConfig(this.backupConfig(), partial);
    this.db.settings.set(BACKUP_CONFIG_KEY, next);
    this.scheduler?.wake();
    return next;
  }

  async disk(): Promise<DiskSpace | null> {
    try {
      return await (this.opts.diskProbe ?? probeDisk)(this.paths.backups);
    } catch {
      return null;
    }
  }

  /** A snapshot for a scheduled tier: skipped when nothing changed or the disk is too full. */
  async scheduledSnapshot(tier: Tier): Promise<'done' | 'skipped'> {
    const config = this.backupConfig();
    if (!config.enabled || !this.liveDb) return 'skipped';
    if (!this.snapshots.hasChangedSinceNewest()) {
      // A calendar tier still gets its point in time: the unchanged newest snapshot joins it.
      if (tier === 'hourly' || tier === 'daily' || tier === 'weekly') {
        if ((await this.snapshots.scheduled(tier)) === 'joined') await this.prune({ dryRun: false });
      }
      return 'skipped';
    }
    const expected = estimateRunBytesFor(this.paths.database, this.snapshots.newestGood()?.stored.sizeBytes ?? null);
    // Not a failure to retry: health says "paused for low disk" until space comes back.
    if (!(await this.diskGuard.allowRun(config.retention, expected))) return 'skipped';
    await this.snapshots.create({ tier });
    await this.prune({ dryRun: false });
    return 'done';
  }

  async prune(opts: { dryRun: boolean }): Promise<RetentionPlan> {
    // Leftovers of a killed CLI snapshot; only the lock holder may judge them abandoned.
    if (this.lock && !opts.dryRun) this.snapshots.store.cleanOrphans(this.clock.now());
    const disk = await this.disk();
    const config = this.backupConfig();
    const plan = await this.snapshots.prune(config.retention, { dryRun: opts.dryRun, ...(disk ? { disk } : {}) });
    // Only a dry run explains thinning; the running shipper applies it on its own schedule.
    if (!opts.dryRun) return plan;
    const continuous = await runSnapshotJob({
      op: 'continuous-thinning',
      storeDir: this.snapshots.store.pages.dir,
      now: this.clock.now(),
      keepAllHours: config.continuous.keepAllHours,
      perMinuteDays: config.continuous.perMinuteDays,
    });
    return { ...plan, continuous };
  }

  health(): Promise<HealthReport> {
    return gatherHealth({
      snapshots: this.snapshots,
      clock: this.clock,
      config: () => this.backupConfig(),
      scheduler: () => this.scheduler?.state() ?? null,
      disk: () => this.disk(),
      pausedForDisk: () => this.diskGuard.pausedForDisk,
      jobRuns: () => this.liveDb?.metadata.jobRuns() ?? {},
      databaseMissing: () => this.databaseMissing,
      protection: () => this.protection?.current() ?? null,
      closing: () => this.closing !== null,
    });
  }

  private startBackgroundJobs(): void {
    const config = () => this.backupConfig();
    this.scheduler = createBackgroundScheduler(
      {
        config,
        snapshots: this.snapshots,
        scheduledSnapshot: (tier) => this.scheduledSnapshot(tier),
        db: () => this.liveDb,
        clock: this.clock,
        logger: this.logger,
      },
      this.liveDb?.metadata.jobRuns() ?? {},
    );
    this.scheduler.onChange(() => {
      if (!this.closing && this.liveDb) void this.healthPublisher.publish();
    });
    this.scheduler.start();
    this.points.warmSoon();
    const wanted = (this.opts.continuousProtection ?? true) && config().enabled && config().continuous.enabled;
    if (wanted && !this.protection)
      this.protection = startProtection(this, this.opts.onShippedRound, this.opts.thinEveryMs);
    // The startup tier: one snapshot each time the app starts, unless nothing changed.
    if (config().enabled && config().tiers.startup) {
      void this.scheduledSnapshot('startup').catch((e: unknown) =>
        this.logger.warn('startup snapshot failed', { error: (e as Error).message }),
      );
    }
  }

  /**
   * A safety snapshot before an import or other bulk write, so it can be undone from Backups.
   * Pinned: retention keeps it whatever the imported settings say about keep counts.
   */
  beforeRiskyWrite(reason: string): Promise<SnapshotSidecar> {
    return this.snapshots.create({ tier: 'manual', label: reason.slice(0, 200), pinned: true });
  }

  /** Recomputes health and sends it to the screens (and an alert when it got worse). */
  publishHealth(): Promise<void> {
    return this.healthPublisher.publish();
  }

  /** The shipper thread's busy share (null when it is not running here). */
  protectionUtilization(): { active: number; idle: number } | null {
    return this.protection?.utilization() ?? null;
  }

  /** What continuous protection reports (null when it is not running in this process). */
  protectionStatus(): ShipperStatus | null {
    return this.protection?.current() ?? null;
  }

  /** Ships what is committed now (tests, and before a restore to a moment). */
  async flushProtection(): Promise<void> {
    await this.protection?.flush();
  }

  schedulerState() {
    return this.scheduler?.state() ?? null;
  }

  /** The machine is going to sleep: stop starting new work. */
  suspend(): void {
    void this.scheduler?.pause();
  }

  /** Back from sleep: one catch-up run per missed job, not a burst. */
  resume(): void {
    this.scheduler?.resume();
    this.scheduler?.wake();
  }

  /** Waits (bounded) for running work, checkpoints and closes the database, releases the lock. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        const wait = <T>(p: Promise<T>) =>
          Promise.race([p, new Promise<void>((r) => setTimeout(r, CLOSE_WAIT_MS).unref())]);
        // Stopping the scheduler also asks a running cleanup to stop between two batches.
        await wait(this.scheduler?.stop() ?? Promise.resolve());
        await wait(this.points.close());
        await wait(this.snapshots.idle());
        // The app's connection goes first, so the shipper's last round sees every commit and its
        // connections are the last ones: SQLite then folds in and removes the shipped WAL.
        this.liveDb?.close();
        this.liveDb = null;
        await wait(this.protection?.close() ?? Promise.resolve());
        this.lock?.release();
      })();
    }
    return this.closing;
  }
}
