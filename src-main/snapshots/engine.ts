import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tempPathFor, commitTempFileSync } from '../core/atomic-file';
import type { Clock } from '../core/clock';
import { StrataError, toRendererErrorPayload } from '../core/errors';
import type { Logger } from '../core/logger';
import { APP_VERSION } from '../core/app-version';
import type { StrataEvents } from '../app/events';
import { newOperationId } from '../app/events';
import { LATEST_SCHEMA_VERSION, StrataDatabase } from '../db';
import { summarizeDatabase } from '../db/online-copy';
import { assertNoOtherConnections } from '../db/connection';
import { SnapshotStore } from './store';
import type { SnapshotEntry, SnapshotSidecar, SnapshotTier, CheckResult } from './sidecar';
import { SNAPSHOT_FORMAT_VERSION } from './sidecar';
import { runSnapshotJob } from './worker-client';
import { readRestoreHistory, swapInRestoredFile, type RestoreRecord } from './restore-swap';
import { isPinnedTier, type RetentionConfig } from './config';
import { planRetention, type DiskSpace, type RetentionPlan } from './retention';

/** What the engine needs from whoever owns the live connection. */
export interface LiveDatabase {
  readonly file: string;
  /** The open database, or null while a restore has it closed. */
  current(): StrataDatabase | null;
  /** Checkpoints and closes the live connection so the file can be replaced. */
  close(): Promise<void>;
  /** Opens the (possibly new) file again, migrating it forward (after `beforeMigrate`) if it is older. */
  reopen(beforeMigrate: (plan: { from: number; to: number }) => Promise<void>): Promise<void>;
}

export interface VerifyResult {
  id: string;
  ok: boolean;
  problems: string[];
  checkedAt: string;
  durationMs: number;
}

export interface RestoreResult {
  restoredFrom: string;
  preRestoreSnapshotId: string | null;
  durationMs: number;
  counts: Record<string, number>;
}

export interface DrillResult extends VerifyResult {
  sessionsReadable: number;
}

export interface SnapshotEngineOptions {
  backupsDir: string;
  live: LiveDatabase;
  clock: Clock;
  logger: Logger;
  events: StrataEvents;
  /** Called around a restore so scheduled jobs stay out of the way. */
  onRestoreStart?: () => void;
  onRestoreEnd?: () => void;
}

interface CreateOptions {
  tier: SnapshotTier;
  label?: string | null;
  operationId?: string;
  /** Kept by retention whatever its tier (safety snapshots before risky writes); default: by tier. */
  pinned?: boolean;
  /** Internal: snapshot a closed private file (a restore's old database) instead of the live one. */
  staticSource?: string;
  id?: string;
  createdAt?: number;
}

type ProgressKind = 'snapshot' | 'verify' | 'restore' | 'drill' | 'export';

/**
 * Creates, lists, checks and restores snapshots. Heavy work runs in a worker thread; jobs run
 * one at a time (a restore must never overlap a snapshot of the file it replaces).
 */
export class SnapshotEngine {
  readonly store: SnapshotStore;
  private queue: Promise<unknown> = Promise.resolve();
  private runningJob: string | null = null;

  constructor(private readonly opts: SnapshotEngineOptions) {
    this.store = new SnapshotStore(opts.backupsDir, opts.logger);
    this.store.ensure();
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

  private progress(kind: ProgressKind, operationId: string) {
    return (phase: string, done: number, total: number) =>
      this.opts.events.emit('progress', { operationId, kind, phase, done, total });
  }

  private finish(kind: ProgressKind, operationId: string, error?: unknown) {
    this.opts.events.emit('progress', {
      operationId,
      kind,
      phase: error ? 'failed' : 'done',
      done: 1,
      total: 1,
      finished: true,
      // Progress events go to the screens: readable, and without file locations.
      ...(error ? { error: toRendererErrorPayload(error) } : {}),
    });
  }

  async list(): Promise<SnapshotEntry[]> {
    return this.store.list();
  }

  get(id: string): SnapshotEntry {
    return this.store.get(id);
  }

  newestGood(): SnapshotEntry | null {
    return this.store.list().find((s) => s.check.ok && (s.lastVerify?.ok ?? true)) ?? null;
  }

  /** True when the live data differs from the newest good snapshot (cheap: counts and high-water marks). */
  hasChangedSinceNewest(): boolean {
    const db = this.opts.live.current();
    const newest = this.newestGood();
    if (!db || !newest) return true;
    return summarizeDatabase(db.connection).fingerprint !== newest.source.fingerprint;
  }

  create(opts: {
    tier: SnapshotTier;
    label?: string | null;
    operationId?: string;
    pinned?: boolean;
  }): Promise<SnapshotSidecar> {
    return this.exclusive(`snapshot:${opts.tier}`, () => this.createNow(opts));
  }

  private async createNow(opts: CreateOptions): Promise<SnapshotSidecar> {
    const operationId = opts.operationId ?? newOperationId('snapshot');
    const started = performance.now();
    const createdAt = opts.createdAt ?? this.opts.clock.now();
    const id = opts.id ?? this.store.newId(opts.tier, createdAt);
    const storedPath = this.store.storedPathFor(id);
    try {
      const outcome = await runSnapshotJob(
        opts.staticSource
          ? { op: 'create', dbFile: opts.staticSource, staticSource: true, storedPath }
          : { op: 'create', dbFile: this.opts.live.file, storedPath },
        this.progress('snapshot', operationId),
      );
      const at = new Date(this.opts.clock.now()).toISOString();
      const sidecar: SnapshotSidecar = {
        formatVersion: SNAPSHOT_FORMAT_VERSION,
        id,
        tier: opts.tier,
        label: opts.label?.trim() ? opts.label.trim() : null,
        pinned: opts.pinned ?? isPinnedTier(opts.tier),
        createdAt: new Date(createdAt).toISOString(),
        source: {
          file: path.basename(this.opts.live.file),
          sizeBytes: outcome.sourceBytes,
          pageSize: outcome.summary.pageSize,
          pageCount: outcome.summary.pageCount,
          fingerprint: outcome.summary.fingerprint,
        },
        stored: {
          file: path.basename(storedPath),
          sizeBytes: outcome.stored.sizeBytes,
          codec: 'gzip',
          codecOptions: {
            level: outcome.stored.level,
            memberBytes: outcome.stored.memberBytes,
            members: outcome.stored.members,
          },
          encryption: null,
          sha256: outcome.stored.sha256,
        },
        schemaVersion: outcome.summary.schemaVersion,
        appVersion: APP_VERSION,
        counts: outcome.summary.counts,
        check: {
          ok: outcome.check.ok,
          at,
          method: outcome.check.method,
          problems: outcome.check.problems,
          durationMs: Math.round(outcome.check.durationMs),
        },
        durationMs: Math.round(performance.now() - started),
        lastVerify: null,
        lastDrill: null,
      };
      // The sidecar is the commit point: until it exists the snapshot is not listed.
      this.store.writeSidecar(sidecar);
      if (!opts.staticSource) this.recordBackupTime(createdAt);
      this.finish('snapshot', operationId);
      return sidecar;
    } catch (e) {
      fs.rmSync(storedPath, { force: true });
      this.finish('snapshot', operationId, e);
      throw e;
    }
  }

  private recordBackupTime(at: number): void {
    {
      try {
        this.opts.live.current()?.metadata.recordBackup(at);
      } catch (e) {
        this.opts.logger.warn('could not record the backup time in the database', { error: (e as Error).message });
      }
    }
  }

  verify(id: string, opts: { operationId?: string } = {}): Promise<VerifyResult> {
    return this.exclusive(`verify:${id}`, () => this.verifyNow(id, opts.operationId));
  }

  private async checkStored(
    entry: SnapshotEntry,
    outFile: string,
    keep: boolean,
    kind: ProgressKind,
    operationId: string,
  ) {
    return runSnapshotJob(
      {
        op: 'materialise',
        storedPath: entry.storedPath,
        expectedSha256: entry.stored.sha256,
        expectedCounts: entry.counts,
        expectedBytes: entry.source.sizeBytes,
        members: entry.stored.codecOptions.members,
        outFile,
        method: 'integrity_check',
        keep,
      },
      this.progress(kind, operationId),
    );
  }

  private async verifyNow(id: string, operationId = newOperationId('verify')): Promise<VerifyResult> {
    const entry = this.store.get(id);
    try {
      const scratch = tempPathFor(path.join(this.store.dir, `${id}.verify.db`));
      const outcome = await this.checkStored(entry, scratch, false, 'verify', operationId);
      const checkedAt = new Date(this.opts.clock.now()).toISOString();
      const result: CheckResult = {
        ok: outcome.ok,
        at: checkedAt,
        method: 'sha256+gunzip+integrity_check+counts',
        problems: outcome.problems,
        durationMs: Math.round(outcome.durationMs),
      };
      this.updateSidecar(id, { lastVerify: result });
      this.finish('verify', operationId);
      return { id, ok: outcome.ok, problems: outcome.problems, checkedAt, durationMs: result.durationMs ?? 0 };
    } catch (e) {
      this.finish('verify', operationId, e);
      throw e;
    }
  }

  private updateSidecar(id: string, patch: Partial<SnapshotSidecar>): void {
    try {
      const { storedPath: _s, sidecarPath: _p, ...sidecar } = this.store.get(id);
      this.store.writeSidecar({ ...sidecar, ...patch });
    } catch (e) {
      // The snapshot may have been pruned meanwhile; the result is still returned.
      this.opts.logger.warn('could not record a check result', { id, error: (e as Error).message });
    }
  }

  delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    return this.exclusive(`delete:${id}`, async () => {
      const entry = this.store.get(id);
      if (entry.pinned && !opts.force) {
        throw new StrataError(
          'pinned',
          `Snapshot ${id} is pinned (${entry.tier}) and kept until you delete it with --force.`,
        );
      }
      this.store.remove(id);
    });
  }

  /** Row counts of a snapshot next to the live database's, for the restore screen. */
  async compare(id: string): Promise<{ snapshot: Record<string, number>; current: Record<string, number> }> {
    const entry = this.store.get(id);
    const db = this.opts.live.current();
    return { snapshot: entry.counts, current: db ? db.tableCounts() : {} };
  }

  /** Writes a plain SQLite file that any SQLite tool opens. */
  exportPlain(
    id: string,
    outFile: string,
    opts: { operationId?: string } = {},
  ): Promise<{ file: string; sizeBytes: number }> {
    return this.exclusive(`export:${id}`, async () => {
      const operationId = opts.operationId ?? newOperationId('export');
      const entry = this.store.get(id);
      const target = path.resolve(outFile);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const tmp = tempPathFor(target);
      try {
        const outcome = await this.checkStored(entry, tmp, true, 'export', operationId);
        if (!outcome.ok)
          throw new StrataError('snapshot_damaged', `Snapshot ${id} failed its checks: ${outcome.problems.join('; ')}`);
        commitTempFileSync(tmp, target);
        this.finish('export', operationId);
        return { file: target, sizeBytes: fs.statSync(target).size };
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        this.finish('export', operationId, e);
        throw e;
      }
    });
  }

  restore(id: string, opts: { operationId?: string; undo?: boolean } = {}): Promise<RestoreResult> {
    return this.exclusive(`restore:${id}`, () =>
      this.restoreNow(id, opts.operationId ?? newOperationId('restore'), opts.undo ?? false),
    );
  }

  private async restoreNow(id: string, operationId: string, undo: boolean): Promise<RestoreResult> {
    const started = performance.now();
    const entry = this.store.get(id);
    if (entry.schemaVersion > LATEST_SCHEMA_VERSION) {
      throw new StrataError(
        'schema_too_new',
        `Snapshot ${id} was made by a newer Strata (schema ${entry.schemaVersion}; this version knows ${LATEST_SCHEMA_VERSION}). Update Strata to restore it.`,
      );
    }
    const dbFile = this.opts.live.file;
    const tempFile = tempPathFor(dbFile);
    this.opts.onRestoreStart?.();
    try {
      // 1. Materialise and check in the live folder, so the final rename is atomic.
      const outcome = await this.checkStored(entry, tempFile, true, 'restore', operationId);
      if (!outcome.ok) {
        throw new StrataError(
          'snapshot_damaged',
          `Snapshot ${id} failed its checks, so nothing was restored: ${outcome.problems.join('; ')}`,
        );
      }
      // 2. Close and swap. The old file is kept first as a hard link (instant, no copy): that is
      //    the pinned pre-restore copy, compressed into a normal snapshot right after the swap.
      this.opts.events.emit('progress', { operationId, kind: 'restore', phase: 'swap', done: 0, total: 1 });
      const hadDatabase = fs.existsSync(dbFile);
      const preRestoreAt = this.opts.clock.now();
      const preRestoreId = hadDatabase ? this.store.newId('pre-restore', preRestoreAt) : null;
      let migrated = false;
      await this.opts.live.close();
      try {
        assertNoOtherConnections(dbFile);
        swapInRestoredFile(dbFile, this.opts.backupsDir, {
          tempFile,
          restoredFrom: id,
          preRestoreSnapshotId: preRestoreId,
          pendingFile: preRestoreId ? this.store.pendingPathFor(preRestoreId) : null,
          startedAt: new Date(preRestoreAt).toISOString(),
          undo,
        });
      } finally {
        // An older snapshot is migrated forward on open, after its own pinned pre-migration copy.
        await this.opts.live.reopen(async (plan) => {
          migrated = true;
          await this.createNow({
            tier: 'pre-migration',
            label: `Before migrating schema ${plan.from} to ${plan.to}`,
            operationId,
          });
        });
      }
      // Queued behind this restore, so an undo waits until the pre-restore snapshot is listed.
      if (preRestoreId) void this.completePendingPreRestores().catch(() => undefined);
      // The worker checked the restored file's counts against these; counting a 1 GiB database
      // again on the main thread costs ~14 ms. Only a migration on reopen can change them.
      const counts = migrated ? (this.opts.live.current()?.tableCounts() ?? {}) : entry.counts;
      this.finish('restore', operationId);
      this.opts.events.emit('data-changed', { reason: undo ? 'undo-restore' : 'restore' });
      return {
        restoredFrom: id,
        preRestoreSnapshotId: preRestoreId,
        durationMs: Math.round(performance.now() - started),
        counts,
      };
    } catch (e) {
      fs.rmSync(tempFile, { force: true });
      this.finish('restore', operationId, e);
      throw e;
    } finally {
      this.opts.onRestoreEnd?.();
    }
  }

  /** Applies the retention policy; with dryRun only says what would go and why. */
  prune(config: RetentionConfig, opts: { dryRun: boolean; disk?: DiskSpace }): Promise<RetentionPlan> {
    return this.exclusive('prune', async () => {
      const candidates = this.store.list().map((s) => ({
        id: s.id,
        tier: s.tier,
        createdAt: Date.parse(s.createdAt),
        storedBytes: s.stored.sizeBytes,
        pinned: s.pinned,
        good: s.check.ok && (s.lastVerify?.ok ?? true),
      }));
      const plan = planRetention(candidates, config, {
        now: this.opts.clock.now(),
        ...(opts.disk ? { disk: opts.disk } : {}),
      });
      if (!opts.dryRun) {
        for (const id of plan.remove) {
          try {
            this.store.remove(id);
          } catch (e) {
            this.opts.logger.warn('could not prune a snapshot', { id, error: (e as Error).message });
          }
        }
      }
      return plan;
    });
  }

  /**
   * Turns old databases kept aside by restores (`<id>.pending.db`) into pinned pre-restore
   * snapshots. Also runs at start-up, finishing what a crash interrupted.
   */
  completePendingPreRestores(): Promise<string[]> {
    return this.exclusive('pre-restore', async () => {
      const done: string[] = [];
      for (const { id, file } of this.store.pendingFiles()) {
        const stamp = /^(\d{8})T(\d{6})(\d{3})Z/.exec(id);
        const createdAt = stamp
          ? Date.parse(
              `${stamp[1]!.slice(0, 4)}-${stamp[1]!.slice(4, 6)}-${stamp[1]!.slice(6, 8)}T${stamp[2]!.slice(0, 2)}:${stamp[2]!.slice(2, 4)}:${stamp[2]!.slice(4, 6)}.${stamp[3]}Z`,
            )
          : this.opts.clock.now();
        const restoredFrom = this.restoreHistory().find((r) => r.preRestoreSnapshotId === id)?.restoredFrom;
        try {
          await this.createNow({
            tier: 'pre-restore',
            id,
            createdAt,
            staticSource: file,
            label: restoredFrom ? `Before restoring ${restoredFrom}` : 'Before a restore',
          });
          // 256 MiB and more: unlinking it synchronously would stall the event loop.
          await fs.promises.rm(file, { force: true });
          done.push(id);
        } catch (e) {
          // Keep the file: it is the only copy of the data from before the restore.
          this.opts.logger.error('could not store the pre-restore copy; it stays on disk', {
            file,
            error: (e as Error).message,
          });
        }
      }
      return done;
    });
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

  /**
   * Restore drill: materialise a snapshot into a scratch folder, check it, open it with the app's
   * own schema code (migrating a copy forward if needed) and read its sessions.
   */
  drill(id?: string, opts: { operationId?: string } = {}): Promise<DrillResult> {
    return this.exclusive(`drill:${id ?? 'latest'}`, async () => {
      const operationId = opts.operationId ?? newOperationId('drill');
      const entry = id ? this.store.get(id) : this.newestGood();
      if (!entry) throw new StrataError('no_snapshots', 'There is no good snapshot to test yet. Run a backup first.');
      const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-drill-'));
      const file = path.join(scratchDir, 'strata.db');
      const started = performance.now();
      try {
        const outcome = await this.checkStored(entry, file, true, 'drill', operationId);
        const problems = [...outcome.problems];
        let sessionsReadable = 0;
        if (outcome.ok) {
          try {
            const db = await StrataDatabase.open({ file, appVersion: APP_VERSION, now: () => this.opts.clock.now() });
            try {
              sessionsReadable = db.sessions.list().length;
              const expected = entry.counts.sessions ?? 0;
              if (sessionsReadable !== expected)
                problems.push(`read ${sessionsReadable} sessions, expected ${expected}`);
            } finally {
              db.close();
            }
          } catch (e) {
            problems.push(`the app could not open the restored copy: ${(e as Error).message}`);
          }
        }
        const checkedAt = new Date(this.opts.clock.now()).toISOString();
        const durationMs = Math.round(performance.now() - started);
        this.updateSidecar(entry.id, {
          lastDrill: { ok: problems.length === 0, at: checkedAt, method: 'restore-drill', problems, durationMs },
        });
        this.finish('drill', operationId);
        return { id: entry.id, ok: problems.length === 0, problems, checkedAt, durationMs, sessionsReadable };
      } catch (e) {
        this.finish('drill', operationId, e);
        throw e;
      } finally {
        fs.rmSync(scratchDir, { recursive: true, force: true });
      }
    });
  }
}
