import { StrataError } from '../core/errors';
import { withProgress } from '../app/with-progress';
import type { Progress } from '../core/worker-rpc';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import { newOperationId, type StrataEvents } from '../app/events';
import type { StrataDatabase } from '../db';
import { readChangeCount } from '../db/migrations/002-change-counter';
import { isGoodSnapshot, type SnapshotEntry } from '../snapshots';
import type { OpenedPoint } from '../snapshots/engine';
import { OpenPoints } from './open-points';
import { pruneFingerprintCache, readCachedFingerprints, writeCachedFingerprints } from './fingerprint-cache';
import { brief, type PointDiff, type SessionBrief } from './point-diff';
import {
  applyRestoreInWorker,
  diffInWorker,
  fingerprintInWorker,
  planRestoreInWorker,
  searchInWorker,
  undoRestoreInWorker,
} from './worker-jobs';
import type { DatabaseFingerprints, FoundSession } from './session-fingerprints';
import {
  peekUndo,
  type PlannedSession,
  type RestoreMode,
  type RestoredSession,
  type UndoneRestore,
} from './session-restore';
import {
  deletedCacheKey,
  findDeleted,
  readDeletedCache,
  writeDeletedCache,
  type RecentlyDeleted,
} from './recently-deleted';
import { resolvePoint, type PointRef } from './point-ref';

/**
 * Looking inside points: browse, search, diff against now, bring back single sessions and undo
 * that, and the recently deleted view. Built only on the snapshot engine's `openPoint` and
 * listing, so any point the store can materialise works the same way.
 */
export interface PointBrowserDeps {
  backupsDir: string;
  liveFile: string;
  /** The live database; throws while it is missing or being restored. */
  live(): StrataDatabase;
  snapshots: {
    list(): Promise<SnapshotEntry[]>;
    get(id: string): SnapshotEntry;
    openPoint(id: string, opts?: { operationId?: string }): Promise<OpenedPoint>;
  };
  /** A pinned safety snapshot of the live data, taken before any write. */
  beforeRiskyWrite(reason: string): Promise<{ id: string }>;
  clock: Clock;
  events: StrataEvents;
  logger: Logger;
  idleMs?: number;
}

export interface PointInfo {
  id: string;
  createdAt: string;
  schemaVersion: number;
  migratedFrom: number | null;
}

export interface SessionRestoreResult {
  pointId: string;
  safetySnapshotId: string | null;
  sessions: RestoredSession[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class PointBrowser {
  private readonly points: OpenPoints;
  private warming: Promise<unknown> | null = null;
  private warmTimer: { cancel(): void } | null = null;
  private closed = false;

  constructor(private readonly deps: PointBrowserDeps) {
    this.points = new OpenPoints((id) => deps.snapshots.openPoint(id), deps.clock, deps.idleMs);
  }

  private progressed<T>(kind: string, operationId: string, fn: (p: Progress) => Promise<T>): Promise<T> {
    return withProgress(this.deps.events, kind, operationId, fn);
  }

  private info(p: OpenedPoint): PointInfo {
    return { id: p.id, createdAt: p.createdAt, schemaVersion: p.schemaVersion, migratedFrom: p.migratedFrom };
  }

  /** A point's fingerprints: from the cache beside the store, or computed once in a worker. */
  private async fingerprints(
    id: string,
    progress?: (phase: string, d: number, t: number) => void,
  ): Promise<DatabaseFingerprints> {
    const cached = readCachedFingerprints(this.deps.backupsDir, id);
    if (cached) return cached;
    return this.points.use(id, async (p) => {
      const fp = await fingerprintInWorker(p.file, progress);
      writeCachedFingerprints(this.deps.backupsDir, id, fp);
      return fp;
    });
  }

  /** The sessions in a point (all, or those whose title or messages contain `search`). */
  async browse(
    ref: PointRef,
    opts: { search?: string; limit?: number; operationId?: string } = {},
  ): Promise<{
    point: PointInfo;
    sessions: (SessionBrief & { inMessages?: boolean })[];
    total: number;
  }> {
    const id = resolvePoint(ref);
    return this.progressed('browse', opts.operationId ?? newOperationId('browse'), (progress) =>
      this.points.use(id, async (p) => {
        const limit = opts.limit ?? 10_000;
        if (opts.search) {
          const found: FoundSession[] = await searchInWorker(p.file, opts.search, limit);
          return { point: this.info(p), sessions: found, total: found.length };
        }
        const fp = await this.fingerprints(id, progress);
        const all = fp.sessions
          .map(brief)
          .sort((a, b) => (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0) || (a.id < b.id ? -1 : 1));
        return { point: this.info(p), sessions: all.slice(0, limit), total: all.length };
      }),
    );
  }

  /** What differs between the point and now. */
  async diff(ref: PointRef, opts: { operationId?: string } = {}): Promise<PointDiff & { point: PointInfo }> {
    const id = resolvePoint(ref);
    this.deps.live(); // a clear "restoring" or "missing" before any work
    return this.progressed('diff', opts.operationId ?? newOperationId('diff'), (progress) =>
      this.points.use(id, async (p) => {
        const cached = readCachedFingerprints(this.deps.backupsDir, id);
        const r = await diffInWorker(
          { pointId: id, pointFile: p.file, liveFile: this.deps.liveFile, pointFingerprints: cached },
          progress,
        );
        if (!cached) writeCachedFingerprints(this.deps.backupsDir, id, r.pointFingerprints);
        return { ...r.diff, point: this.info(p) };
      }),
    );
  }

  /** What restoring these sessions would do; nothing is written. */
  previewRestore(ref: PointRef, sessionIds: readonly string[], mode: RestoreMode): Promise<PlannedSession[]> {
    const id = resolvePoint(ref);
    this.deps.live();
    return this.points.use(id, (p) =>
      planRestoreInWorker({ liveFile: this.deps.liveFile, pointFile: p.file, sessionIds: [...sessionIds], mode }),
    );
  }

  /** Brings the sessions back, all or nothing, after a pinned safety snapshot. */
  async restoreSessions(
    ref: PointRef,
    sessionIds: readonly string[],
    mode: RestoreMode,
    opts: { operationId?: string } = {},
  ): Promise<SessionRestoreResult> {
    const id = resolvePoint(ref);
    if (sessionIds.length === 0) throw new StrataError('invalid_input', 'Pick at least one session to restore.');
    return this.progressed('session-restore', opts.operationId ?? newOperationId('session-restore'), (progress) =>
      this.points.use(id, async (p) => {
        progress('planning', 0, 1);
        const job = { liveFile: this.deps.liveFile, pointFile: p.file, sessionIds: [...sessionIds], mode };
        this.deps.live(); // a clear "restoring" or "missing" before any work
        const plan = await planRestoreInWorker(job);
        if (plan.every((s) => s.action === 'unchanged')) {
          return {
            pointId: id,
            safetySnapshotId: null,
            sessions: plan.map((s) => ({ ...s, liveSessionId: s.sessionId })),
          };
        }
        progress('safety snapshot', 0, 1);
        const safety = await this.deps.beforeRiskyWrite(`Before restoring ${plan.length} session(s) from ${id}`);
        progress('writing', 0, 1);
        // Planned again inside the write transaction, so a write since the preview is seen.
        const sessions = await applyRestoreInWorker({
          ...job,
          pointId: id,
          safetySnapshotId: safety.id,
          at: this.deps.clock.now(),
        });
        this.deps.events.emit('data-changed', { reason: 'restore' });
        return { pointId: id, safetySnapshotId: safety.id, sessions };
      }),
    );
  }

  /** Undoes the last single-session restore, after a safety snapshot of its own. */
  async undoSessionRestore(
    opts: { operationId?: string } = {},
  ): Promise<UndoneRestore & { undoSafetySnapshotId: string }> {
    if (!peekUndo(this.deps.live().connection))
      throw new StrataError('nothing_to_undo', 'There is no session restore to undo.');
    return this.progressed(
      'undo-session-restore',
      opts.operationId ?? newOperationId('undo-session-restore'),
      async () => {
        const safety = await this.deps.beforeRiskyWrite('Before undoing a session restore');
        this.deps.live();
        const r = await undoRestoreInWorker(this.deps.liveFile);
        this.deps.events.emit('data-changed', { reason: 'undo-restore' });
        return { ...r, undoSafetySnapshotId: safety.id };
      },
    );
  }

  /** Sessions in the good points of the last `days` days that are gone now. */
  async recentlyDeleted(
    opts: { days?: number; operationId?: string } = {},
  ): Promise<RecentlyDeleted & { fromCache: boolean; unreadable: string[] }> {
    const days = opts.days ?? 30;
    const since = new Date(this.deps.clock.now() - days * DAY_MS).toISOString();
    const live = this.deps.live().connection;
    const points = (await this.deps.snapshots.list())
      .filter((s) => isGoodSnapshot(s) && s.createdAt >= since)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    const changeCount = readChangeCount(live);
    const key = deletedCacheKey(
      points.map((p) => p.id),
      changeCount,
      days,
    );
    const cached = readDeletedCache(this.deps.backupsDir, key);
    if (cached) return { ...cached, fromCache: true, unreadable: [] };
    return this.progressed(
      'recently-deleted',
      opts.operationId ?? newOperationId('recently-deleted'),
      async (progress) => {
        const read: { pointId: string; at: string; fingerprints: DatabaseFingerprints }[] = [];
        const unreadable: string[] = [];
        for (const [i, p] of points.entries()) {
          progress('reading points', i, points.length);
          try {
            const wasOpen = this.points.openIds().includes(p.id);
            read.push({ pointId: p.id, at: p.createdAt, fingerprints: await this.fingerprints(p.id) });
            // Points this walk opened go at once (it must not hold many private copies); one being browsed stays.
            if (!wasOpen) this.points.leave(p.id);
          } catch (e) {
            unreadable.push(p.id);
            this.deps.logger.warn('a point could not be read for recently deleted', {
              id: p.id,
              error: (e as Error).message,
            });
          }
        }
        const liveIds = new Set((live.prepare('SELECT id FROM sessions').all() as { id: string }[]).map((r) => r.id));
        const result: RecentlyDeleted = {
          sessions: findDeleted(read, liveIds),
          pointsExamined: read.length,
          since,
          liveChangeCount: changeCount,
        };
        if (!unreadable.length) writeDeletedCache(this.deps.backupsDir, key, result);
        pruneFingerprintCache(this.deps.backupsDir, new Set((await this.deps.snapshots.list()).map((s) => s.id)));
        return { ...result, fromCache: false, unreadable };
      },
    );
  }

  /**
   * Computes the recently deleted view in the background, a while after the last new snapshot
   * (a burst of snapshots gives one run, and the person's own work on the engine goes first),
   * so the person opening it gets the cached result. One run at a time; failures only log.
   */
  warmSoon(delayMs = 15_000): void {
    this.warmTimer?.cancel();
    this.warmTimer = this.deps.clock.setTimeout(() => {
      this.warmTimer = null;
      if (this.warming || this.closed) return;
      this.warming = this.recentlyDeleted()
        .catch((e: unknown) =>
          this.deps.logger.warn('recently deleted could not be computed', { error: (e as Error).message }),
        )
        .finally(() => (this.warming = null));
    }, delayMs);
  }

  /** The person left this point: its private copy goes. */
  leave(ref: PointRef): boolean {
    return this.points.leave(resolvePoint(ref));
  }

  openIds(): string[] {
    return this.points.openIds();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.warmTimer?.cancel();
    await this.warming?.catch(() => undefined);
    await this.points.closeAll();
  }
}
