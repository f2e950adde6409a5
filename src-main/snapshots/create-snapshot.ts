import { lendLiveFds } from '../continuous/held-fd';
import fs from 'node:fs';
import path from 'node:path';
import { APP_VERSION } from '../core/app-version';
import { newOperationId } from '../app/events';
import { summarizeDatabase } from '../db/online-copy';
import { isPinnedTier } from './config';
import { isGoodSnapshot } from './good';
import { SNAPSHOT_FORMAT_VERSION, type SnapshotEntry, type SnapshotSidecar, type SnapshotTier } from './sidecar';
import { runSnapshotJob } from './worker-client';
import { scratchDir } from './scratch';
import type { EngineContext } from './engine-types';

export interface CreateOptions {
  tier: SnapshotTier;
  label?: string | null;
  operationId?: string;
  /** Safety snapshots before imports and restores are pinned whatever their tier. */
  pinned?: boolean;
  /** Snapshot a closed private file (a restore's old database) instead of the live one. */
  staticSource?: string;
  id?: string;
  createdAt?: number;
}

/** Writes a snapshot into the page store in the worker; its manifest, read back, is the commit point. */
export async function createSnapshot(ctx: EngineContext, opts: CreateOptions): Promise<SnapshotSidecar> {
  if (ctx.opts.snapshotFormat === 'gzip') return createGzipSnapshot(ctx, opts);
  const { store } = ctx;
  const { clock, live } = ctx.opts;
  const operationId = opts.operationId ?? newOperationId('snapshot');
  const createdAt = opts.createdAt ?? clock.now();
  const id = opts.id ?? store.newId(opts.tier, createdAt);
  return ctx.withProgress('snapshot', operationId, async (progress) => {
    await runSnapshotJob(
      {
        op: 'store-create',
        dbFile: opts.staticSource ?? live.file,
        ...(opts.staticSource
          ? { staticSource: true }
          : { liveFds: lendLiveFds(live.file), foldWal: ctx.opts.mayCheckpoint?.() ?? false }),
        storeDir: store.pages.dir,
        scratchDir: scratchDir(ctx.opts.backupsDir),
        id,
        createdAt: new Date(createdAt).toISOString(),
        point: {
          tier: opts.tier,
          label: opts.label?.trim() ? opts.label.trim().slice(0, 200) : null,
          pinned: opts.pinned ?? isPinnedTier(opts.tier),
          appVersion: APP_VERSION,
          sourceFile: path.basename(live.file),
          checkedAt: new Date(clock.now()).toISOString(),
          startedAt: Date.now(),
        },
      },
      progress,
    );
    const { storedPath: _s, sidecarPath: _p, storage: _k, ...written } = store.get(id);
    if (!opts.staticSource) recordBackupTime(ctx, createdAt);
    return written;
  });
}

/** The earlier format, one gzip file per snapshot; kept so its read paths stay exercised. */
async function createGzipSnapshot(ctx: EngineContext, opts: CreateOptions): Promise<SnapshotSidecar> {
  const { store } = ctx;
  const { clock, live } = ctx.opts;
  const operationId = opts.operationId ?? newOperationId('snapshot');
  const started = performance.now();
  const createdAt = opts.createdAt ?? clock.now();
  const id = opts.id ?? store.newId(opts.tier, createdAt);
  const storedPath = store.storedPathFor(id);
  return ctx.withProgress('snapshot', operationId, async (progress) => {
    try {
      const outcome = await runSnapshotJob(
        opts.staticSource
          ? { op: 'create', dbFile: opts.staticSource, staticSource: true, storedPath }
          : { op: 'create', dbFile: live.file, storedPath },
        progress,
      );
      const at = new Date(clock.now()).toISOString();
      const sidecar: SnapshotSidecar = {
        formatVersion: SNAPSHOT_FORMAT_VERSION,
        id,
        tier: opts.tier,
        label: opts.label?.trim() ? opts.label.trim().slice(0, 200) : null,
        pinned: opts.pinned ?? isPinnedTier(opts.tier),
        createdAt: new Date(createdAt).toISOString(),
        source: {
          file: path.basename(live.file),
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
          status: outcome.check.ok ? 'ok' : 'damaged',
          at,
          method: outcome.check.method,
          problems: outcome.check.problems,
          durationMs: Math.round(outcome.check.durationMs),
        },
        durationMs: Math.round(performance.now() - started),
        lastVerify: null,
        lastDrill: null,
      };
      const written = store.writeSidecar(sidecar);
      if (!opts.staticSource) recordBackupTime(ctx, createdAt);
      return written;
    } catch (e) {
      fs.rmSync(storedPath, { force: true });
      throw e;
    }
  });
}

function recordBackupTime(ctx: EngineContext, at: number): void {
  try {
    ctx.opts.live.current()?.metadata.recordBackup(at);
  } catch (e) {
    ctx.opts.logger.warn('could not record the backup time in the database', { error: (e as Error).message });
  }
}

export function newestGood(ctx: EngineContext): SnapshotEntry | null {
  return ctx.store.list().find(isGoodSnapshot) ?? null;
}

/** True when the live data differs from the newest good snapshot (counts plus the change counter). */
export function hasChangedSinceNewest(ctx: EngineContext): boolean {
  const db = ctx.opts.live.current();
  const newest = newestGood(ctx);
  if (!db || !newest) return true;
  return summarizeDatabase(db.connection).fingerprint !== newest.source.fingerprint;
}

/**
 * A calendar tier (hourly, daily, weekly) that finds nothing changed still gets its point in
 * time: the newest good snapshot, which holds exactly the current data, becomes a member of the
 * tier too, with no second copy. Retention then keeps it for that tier's buckets.
 */
export async function addMembership(ctx: EngineContext, tier: SnapshotTier): Promise<SnapshotSidecar | null> {
  const newest = newestGood(ctx);
  if (!newest) return null;
  const at = new Date(ctx.opts.clock.now()).toISOString();
  return ctx.store.update(newest.id, (s) => ({ ...s, memberships: [...(s.memberships ?? []), { tier, at }] }));
}
