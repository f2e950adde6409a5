import fs from 'node:fs';
import { removeStaleTempFiles } from '../core/atomic-file';
import { systemClock, type Clock } from '../core/clock';
import { acquireDataLock, type DataLock } from '../core/data-lock';
import { StrataError } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import { dataPaths, type DataPaths } from '../core/paths';
import { ensurePrivateDataFolders } from '../core/private-files';
import { APP_VERSION } from '../core/app-version';
import { StrataDatabase } from '../db';
import {
  BACKUP_CONFIG_KEY,
  BackupScheduler,
  SnapshotEngine,
  calendarPatterns,
  computeHealth,
  mergeBackupConfig,
  parseBackupConfig,
  probeDisk,
  recoverInterruptedRestore,
  type BackupConfig,
  type DiskSpace,
  isGoodSnapshot,
  type DamagedEntry,
  type HealthReport,
  type RetentionPlan,
} from '../snapshots';
import { shouldPauseForDisk } from '../snapshots/retention';
import type { SchedulerJob } from '../snapshots/scheduler';
import type { Tier } from '../snapshots/config';
import type { SnapshotSidecar } from '../snapshots/sidecar';
import { StrataEvents } from './events';
import { AppRetentionJob } from '../app-retention';

export type AppOwner = 'app' | 'host' | 'cli';

/**
 * Snapshots that cannot be read are never silently left out: health names them, and a stored
 * file that lost its metadata still counts as a backup that exists.
 */
function withDamagedSnapshots(report: HealthReport, damaged: DamagedEntry[]): HealthReport {
  if (!damaged.length) return report;
  const recoverable = damaged.filter((d) => d.recoverable).length;
  const reason =
    `${damaged.length} snapshot${damaged.length === 1 ? '' : 's'} cannot be read (${damaged[0]!.reason}` +
    `${damaged.length > 1 ? ', …' : ''}). ` +
    (recoverable
      ? "Run 'strata verify --all' to rebuild the metadata from the stored data."
      : 'Check the backup folder.');
  const reasons = report.reasons.filter((r) => !(recoverable && /no backup yet/i.test(r)));
  return {
    ...report,
    status: report.status === 'error' || report.newestGoodAt === null ? 'error' : 'warning',
    reasons: [reason, ...reasons],
  };
}

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
  /** Extra jobs from other capabilities (for example app-data retention), run by the same scheduler. */
  extraJobs?: (app: StrataApp) => SchedulerJob[];
}

const CLOSE_WAIT_MS = 30_000;

/**
 * The composition root: one per running desktop app, headless host or CLI command. It owns the
 * live database, the snapshot engine and the scheduler, and is what the typed contract serves.
 */
export class StrataApp {
  readonly events = new StrataEvents();
  readonly snapshots: SnapshotEngine;
  readonly paths: DataPaths;
  readonly clock: Clock;
  readonly logger: Logger;
  private liveDb: StrataDatabase | null = null;
  private scheduler: BackupScheduler | null = null;
  private appRetention: AppRetentionJob | null = null;
  private pausedForDisk = false;
  private lastHealthStatus: HealthReport['status'] | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly opts: StrataAppOptions,
    private readonly lock: DataLock | null,
  ) {
    this.paths = dataPaths(opts.dataDir);
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger;
    this.snapshots = new SnapshotEngine({
      backupsDir: this.paths.backups,
      clock: this.clock,
      logger: this.logger,
      events: this.events,
      live: {
        file: this.paths.database,
        current: () => this.liveDb,
        close: async () => {
          // Retention deletes in batches between awaits; let the current run finish first.
          this.appRetention?.stop();
          await this.appRetention?.whenIdle();
          this.liveDb?.close();
          this.liveDb = null;
        },
        reopen: async (beforeMigrate) => {
          this.liveDb = await this.openDatabase(beforeMigrate);
          if (this.scheduler && !this.closing) this.appRetention?.start();
        },
      },
      diskProbe: (dir) => (opts.diskProbe ?? probeDisk)(dir),
      onRestoreStart: () => void this.scheduler?.pause(),
      onRestoreEnd: () => this.scheduler?.resume(),
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
        app.snapshots.store.cleanOrphans(app.clock.now());
      }
      if (lock && app.snapshots.store.pendingFiles().length) {
        // A restore was interrupted after its swap: store the old data before anything else runs.
        void app.snapshots.completePendingPreRestores();
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
    if (!this.liveDb) throw new StrataError('restoring', 'The database is being restored. Try again in a moment.');
    return this.liveDb;
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
    if (!config.enabled) return 'skipped';
    if (!this.snapshots.hasChangedSinceNewest()) {
      // A calendar tier still gets its point in time: the unchanged newest snapshot joins it.
      if (tier === 'hourly' || tier === 'daily' || tier === 'weekly') {
        if ((await this.snapshots.scheduled(tier)) === 'joined') await this.prune({ dryRun: false });
      }
      return 'skipped';
    }
    const disk = await this.disk();
    const expected = this.snapshots.newestGood()?.stored.sizeBytes ?? fs.statSync(this.paths.database).size;
    if (disk && shouldPauseForDisk(disk, config.retention, expected)) {
      // Thin first; if that is not enough, pause and say so in health instead of filling the disk.
      await this.prune({ dryRun: false });
      const after = await this.disk();
      this.pausedForDisk = !!after && shouldPauseForDisk(after, config.retention, expected);
      // Not a failure to retry: health says "paused for low disk" until space comes back.
      if (this.pausedForDisk) {
        this.logger.warn('backups paused: the disk is almost full');
        return 'skipped';
      }
    } else {
      this.pausedForDisk = false;
    }
    await this.snapshots.create({ tier });
    await this.prune({ dryRun: false });
    return 'done';
  }

  async prune(opts: { dryRun: boolean }): Promise<RetentionPlan> {
    // Leftovers of a killed CLI snapshot; only the lock holder may judge them abandoned.
    if (this.lock && !opts.dryRun) this.snapshots.store.cleanOrphans(this.clock.now());
    const disk = await this.disk();
    return this.snapshots.prune(this.backupConfig().retention, { dryRun: opts.dryRun, ...(disk ? { disk } : {}) });
  }

  async health(): Promise<HealthReport> {
    const list = await this.snapshots.list();
    const latest = (pick: (s: (typeof list)[number]) => { ok: boolean; at: string; problems: string[] } | null) =>
      list
        .map((s) => ({ s, r: pick(s) }))
        .filter((x) => x.r)
        .map((x) => ({
          at: Date.parse(x.r!.at),
          ok: x.r!.ok,
          id: x.s.id,
          ...(x.r!.problems.length ? { message: x.r!.problems[0] } : {}),
        }))
        .sort((a, b) => b.at - a.at)[0] ?? null;
    const report = computeHealth({
      now: this.clock.now(),
      config: this.backupConfig(),
      snapshots: list.map((s) => ({
        id: s.id,
        tier: s.tier,
        createdAt: Date.parse(s.createdAt),
        storedBytes: s.stored.sizeBytes,
        good: isGoodSnapshot(s),
        pinned: s.pinned,
        memberships: (s.memberships ?? []).map((m) => ({ tier: m.tier, at: Date.parse(m.at) })),
      })),
      scheduler: this.scheduler?.state() ?? null,
      disk: await this.disk(),
      lastVerify: latest((s) => s.lastVerify),
      lastDrill: latest((s) => s.lastDrill),
      pausedForDisk: this.pausedForDisk,
    });
    return withDamagedSnapshots(report, this.snapshots.scan().damaged);
  }

  private async publishHealth(): Promise<void> {
    if (this.closing || !this.liveDb) return;
    try {
      const report = await this.health();
      this.events.emit('health', report);
      if (report.status !== 'ok' && report.status !== this.lastHealthStatus) {
        this.events.emit('alert', {
          level: report.status === 'error' ? 'error' : 'warning',
          title: report.status === 'error' ? 'Strata backup failed' : 'Strata backups need attention',
          message: report.reasons[0] ?? 'Check Backups for details.',
        });
      }
      this.lastHealthStatus = report.status;
    } catch (e) {
      this.logger.warn('could not compute health', { error: (e as Error).message });
    }
  }

  private startBackgroundJobs(): void {
    const config = () => this.backupConfig();
    const patterns = () => calendarPatterns(config());
    const tierJob = (tier: 'auto' | 'hourly' | 'daily' | 'weekly'): SchedulerJob => ({
      name: tier,
      get schedule() {
        return tier === 'auto'
          ? { kind: 'interval' as const, everyMs: config().autoIntervalMinutes * 60_000 }
          : { kind: 'cron' as const, pattern: patterns()[tier] };
      },
      enabled: () => config().enabled && config().tiers[tier],
      run: () => this.scheduledSnapshot(tier),
    });
    const jobs: SchedulerJob[] = [
      tierJob('auto'),
      tierJob('hourly'),
      tierJob('daily'),
      tierJob('weekly'),
      {
        name: 'drill',
        get schedule() {
          return { kind: 'interval' as const, everyMs: config().drillIntervalDays * 86_400_000 };
        },
        enabled: () => config().enabled && this.snapshots.newestGood() !== null,
        run: async () => {
          const r = await this.snapshots.drill();
          if (!r.ok) throw new StrataError('drill_failed', `Restore drill of ${r.id} failed: ${r.problems.join('; ')}`);
          return 'done';
        },
      },
      ...(this.opts.extraJobs?.(this) ?? []),
    ];
    const initialLastSuccess: Record<string, number> = {};
    for (const s of this.snapshots.store.list()) {
      for (const claim of [{ tier: s.tier, at: s.createdAt }, ...(s.memberships ?? [])]) {
        initialLastSuccess[claim.tier] = Math.max(initialLastSuccess[claim.tier] ?? 0, Date.parse(claim.at));
      }
      if (s.lastDrill?.ok)
        initialLastSuccess.drill = Math.max(initialLastSuccess.drill ?? 0, Date.parse(s.lastDrill.at));
    }
    this.scheduler = new BackupScheduler({
      clock: this.clock,
      logger: this.logger,
      jobs,
      retry: config().retry,
      initialLastSuccess,
    });
    this.scheduler.onChange(() => void this.publishHealth());
    this.scheduler.start();
    // Old app logs and analytics go once a day; the last run is remembered in the database.
    this.appRetention = new AppRetentionJob({ db: () => this.db, clock: this.clock, logger: this.logger });
    this.appRetention.start();
    // The startup tier: one snapshot each time the app starts, unless nothing changed.
    if (config().enabled && config().tiers.startup) {
      void this.scheduledSnapshot('startup').catch((e: unknown) =>
        this.logger.warn('startup snapshot failed', { error: (e as Error).message }),
      );
    }
  }

  /** A safety snapshot before an import or other bulk write, so it can be undone from Backups; returns it. */
  beforeRiskyWrite(reason: string): Promise<SnapshotSidecar> {
    return this.snapshots.create({ tier: 'manual', label: reason.slice(0, 200) });
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
        await wait(this.scheduler?.stop() ?? Promise.resolve());
        this.appRetention?.stop();
        await wait(this.appRetention?.whenIdle() ?? Promise.resolve());
        await wait(this.snapshots.idle());
        this.liveDb?.close();
        this.liveDb = null;
        this.lock?.release();
      })();
    }
    return this.closing;
  }
}
