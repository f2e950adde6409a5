import crypto from 'node:crypto';
import fs from 'node:fs';
import { tempPathFor } from '../core/atomic-file';
import { StrataError } from '../core/errors';
import { latestVersion } from '../db/migrator';
import { assertMaterialised, momentMaterialiseJob } from './materialise-job';
import { recoverInterruptedRestore, removeWithJournalFiles, type RestoreJournal } from './restore-journal';
import { materialiseJobFor } from './verify-snapshot';
import { prepareRestore, type PrepareRestoreJob } from './restore-jobs';
import { discardPreRestorePoint, storePreRestorePoint, type PreRestorePoint } from './pre-restore';
import { runSnapshotJob } from './worker-client';
import { lendLiveFds } from '../continuous/held-fd';
import { newRestoreGate, settleRestoreGate } from './restore-gate';
import type { EngineContext, RestoreResult } from './engine-types';
import type { CreateOptions } from './create-snapshot';
import type { SnapshotSidecar } from './sidecar';

export interface RestoreDeps {
  /** Creates a snapshot inside the running exclusive job (a pre-migration copy on reopen). */
  createNow(opts: CreateOptions): Promise<SnapshotSidecar>;
  /** Stores old databases a restore kept aside as pinned pre-restore snapshots. */
  completePendingPreRestores(): void;
}

/**
 * A full restore: (1) in a worker, materialise the snapshot into a private temp file, check it,
 * refuse a newer schema by its content, migrate an older one: nothing live changes if any of this
 * fails. (2) Meanwhile, close the app's connection and, in a second worker, store the live data
 * as the pinned pre-restore point (nearly free: its pages are mostly in the store already). If
 * that point cannot be stored (the live data fails its check, say), the old database is copied
 * aside instead and stored after the restore, as older versions did. (3) In a worker, write the
 * checked file into the live database through SQLite's backup API, under SQLite's locks.
 * (4) Reopen. If anything before the write's commit fails, the pre-restore point is removed.
 */
/** A stored snapshot, or a moment of continuous protection (ms). */
export type RestoreTarget = { snapshotId: string } | { at: number };

export async function restoreSnapshot(
  ctx: EngineContext,
  deps: RestoreDeps,
  target: RestoreTarget,
  operationId: string,
  undo: boolean,
): Promise<RestoreResult> {
  const started = performance.now();
  const { store, opts } = ctx;
  const latest = latestVersion(opts.migrations);
  const dbFile = opts.live.file;
  const tempFile = tempPathFor(dbFile);
  let id: string;
  let materialise: PrepareRestoreJob['materialise'];
  if ('snapshotId' in target) {
    id = target.snapshotId;
    const entry = store.get(id);
    if (entry.schemaVersion > latest) throw schemaTooNew(id, entry.schemaVersion, latest);
    // A private source, deleted once written: a crash discards it, so it is never fsynced.
    // Pages the live database still holds unchanged are read from it, each checked by its hash.
    materialise = {
      ...materialiseJobFor(entry, tempFile, true),
      scratch: true,
      sameAs: { file: dbFile, fds: lendLiveFds(dbFile) },
    };
  } else {
    id = `moment ${new Date(target.at).toISOString()}`;
    materialise = momentMaterialiseJob(store.pages.dir, target.at, tempFile, true);
  }
  const token = crypto.randomBytes(16).toString('hex');
  opts.onRestoreStart?.();
  // Continuous protection ships and folds in everything before the data is replaced.
  await opts.beforeRestore?.();
  let resolvedAt: number | null = null;
  try {
    return await ctx.withProgress('restore', operationId, async (progress) => {
      const gate = newRestoreGate();
      const job: PrepareRestoreJob = { op: 'restore-prepare', materialise, token, gate };
      const prepared = (
        opts.migrations ? prepareRestore(job, progress, opts.migrations) : runSnapshotJob(job, progress)
      ).then(
        // However the prepare ends, the write waiting on its gate is told.
        (p) => {
          settleRestoreGate(gate, p.materialised.ok);
          return p;
        },
        (e: unknown) => {
          settleRestoreGate(gate, false);
          throw e;
        },
      );
      prepared.catch(() => undefined); // awaited below, after the live connection is back
      const hadDatabase = fs.existsSync(dbFile);
      const preRestoreAt = opts.clock.now();
      const preRestoreId = hadDatabase ? store.newId('pre-restore', preRestoreAt) : null;
      // Whatever fails below, the prepare worker has stopped writing before its temp file is removed.
      const preparedSettled = () =>
        prepared.then(
          () => undefined,
          () => undefined,
        );
      try {
        // From here on the app cannot commit, so the pre-restore point holds the data being replaced.
        await opts.live.close();
      } catch (e) {
        await preparedSettled();
        throw e;
      }
      let stored: PreRestorePoint | null = null;
      let restored: RestoreResult;
      try {
        // The point is stored while the snapshot is being materialised: both run in workers.
        stored =
          preRestoreId && ctx.opts.snapshotFormat !== 'gzip'
            ? await storePreRestorePoint(ctx, deps.createNow, {
                id: preRestoreId,
                createdAt: preRestoreAt,
                restoredFrom: id,
              })
            : null;
        const pendingFile = preRestoreId && !stored ? store.pendingPathFor(preRestoreId) : null;
        const rollbackFile = stored ? tempPathFor(dbFile) : null;
        const journal: RestoreJournal = {
          token,
          tempFile,
          restoredFrom: id,
          preRestoreSnapshotId: preRestoreId,
          pendingFile,
          pendingTempFile: pendingFile ? tempPathFor(pendingFile) : null,
          rollbackFile,
          startedAt: new Date(preRestoreAt).toISOString(),
          undo,
        };
        // If another program commits after the stored point, the write keeps what it replaces here.
        const keepAside =
          stored && preRestoreId
            ? {
                fingerprint: stored.fingerprint,
                pendingFile: store.pendingPathFor(preRestoreId),
                pendingTempFile: tempPathFor(store.pendingPathFor(preRestoreId)),
              }
            : null;
        const rollback =
          stored && rollbackFile
            ? { ...materialiseJobFor(store.get(stored.id), rollbackFile, true), scratch: true }
            : null;
        // The write copies while the prepared file is checked, and commits only once it passed.
        const [prep, applied] = await Promise.allSettled([
          prepared,
          runSnapshotJob(
            {
              op: 'restore-apply',
              dbFile,
              backupsDir: opts.backupsDir,
              journal,
              rollback,
              gate,
              ...(keepAside ? { unchangedSince: keepAside } : {}),
            },
            progress,
          ),
        ]);
        removeWithJournalFiles(journal.pendingTempFile);
        removeWithJournalFiles(keepAside?.pendingTempFile ?? null);
        // Settle the journal now, as the next start would: the live file says whether it committed.
        if (
          applied.status === 'rejected' &&
          recoverInterruptedRestore(dbFile, opts.backupsDir, opts.logger) === 'completed'
        )
          stored = null;
        if (prep.status === 'rejected') throw prep.reason;
        assertMaterialised(
          prep.value.materialised,
          'snapshotId' in target ? `Snapshot ${id}` : `The ${id}`,
          'nothing was restored',
        );
        if (applied.status === 'rejected') throw applied.reason;
        resolvedAt = prep.value.materialised.resolved?.at ?? null;
        if (applied.value.replacesStoredPoint && stored) {
          // The data replaced was kept under the write's lock: it becomes the pre-restore point.
          await discardPreRestorePoint(ctx, stored.id);
          stored = null;
        }
        if (pendingFile || applied.value.keptOldDatabase) deps.completePendingPreRestores();
        const result: RestoreResult = {
          restoredFrom: id,
          ...(resolvedAt !== null ? { resolvedAt: new Date(resolvedAt).toISOString() } : {}),
          preRestoreSnapshotId: preRestoreId,
          durationMs: Math.round(performance.now() - started),
          counts: prep.value.counts,
          migratedFrom: prep.value.migratedFrom,
        };
        stored = null;
        restored = result;
      } finally {
        await preparedSettled();
        // Nothing was restored: a pre-restore point of a restore that never happened would only mislead.
        if (stored) await discardPreRestorePoint(ctx, stored.id);
        // The restored copy was migrated before it replaced anything; this only ever migrates
        // when the restore failed and the old file, from an older version, stays in place.
        await opts.live.reopen(async (plan) => {
          await deps.createNow({
            tier: 'pre-migration',
            label: `Before migrating schema ${plan.from} to ${plan.to}`,
            operationId,
          });
        });
      }
      opts.events.emit('data-changed', { reason: undo ? 'undo-restore' : 'restore' });
      return restored;
    });
  } catch (e) {
    removeWithJournalFiles(tempFile);
    throw e;
  } finally {
    await opts.afterRestore?.();
    opts.onRestoreEnd?.();
  }
}

function schemaTooNew(id: string, version: number, latest: number): StrataError {
  return new StrataError(
    'schema_too_new',
    `Snapshot ${id} was made by a newer Strata (schema ${version}; this version knows ${latest}). Update Strata to restore it.`,
  );
}
