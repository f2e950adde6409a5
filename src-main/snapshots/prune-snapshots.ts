import { listGenerations } from '../continuous/generations';
import { retentionCandidates } from './retention-candidates';
import { planRetention, type DiskSpace, type RetentionPlan } from './retention';
import type { RetentionConfig } from './config';
import type { EngineContext } from './engine-types';
import { runSnapshotJob } from './worker-client';

/**
 * Applies the retention policy; with dryRun only says what would go and why. Removed page-store
 * points are manifests; the GC that follows (with its grace period) frees what only they used.
 * `freedBytes` counts, for points, what that GC really frees: objects no kept point references.
 */
export async function pruneSnapshots(
  ctx: EngineContext,
  config: RetentionConfig,
  opts: { dryRun: boolean; disk?: DiskSpace },
): Promise<RetentionPlan> {
  const list = ctx.store.list();
  const candidates = retentionCandidates(list);
  const plan = planRetention(candidates, config, {
    now: ctx.opts.clock.now(),
    replayBases: new Set(listGenerations(ctx.store.pages.dir).map((g) => g.basePointId)),
    ...(opts.disk ? { disk: opts.disk } : {}),
  });
  const removedPoints = plan.remove.filter((id) => list.find((s) => s.id === id)?.storage === 'pages');
  if (removedPoints.length) {
    const stats = await runSnapshotJob({ op: 'store-stats', storeDir: ctx.store.pages.dir, deleting: removedPoints });
    const gzipFreed = list
      .filter((s) => s.storage === 'gzip' && plan.remove.includes(s.id))
      .reduce((n, s) => n + s.stored.sizeBytes, 0);
    plan.freedBytes = gzipFreed + stats.deletingFreesBytes;
  }
  if (opts.dryRun) return plan;
  for (const id of plan.remove) {
    try {
      await ctx.store.remove(id);
    } catch (e) {
      ctx.opts.logger.warn('could not prune a snapshot', { id, error: (e as Error).message });
    }
  }
  // Memberships no rule keeps any more are dropped, so a sidecar never grows without bound.
  for (const d of plan.decisions) {
    const entry = list.find((s) => s.id === d.id);
    if (d.action !== 'keep' || !d.keptMemberships || !entry?.memberships) continue;
    if (d.keptMemberships.length === entry.memberships.length) continue;
    const kept = d.keptMemberships.map((m) => ({ tier: m.tier, at: new Date(m.at).toISOString() }));
    try {
      await ctx.store.update(entry.id, (sidecar) => ({ ...sidecar, memberships: kept }));
    } catch (e) {
      ctx.opts.logger.warn('could not trim the memberships of a snapshot', { id: d.id, error: (e as Error).message });
    }
  }
  if (removedPoints.length) {
    try {
      await runSnapshotJob({ op: 'store-gc', storeDir: ctx.store.pages.dir, dryRun: false });
    } catch (e) {
      // The manifests are gone; their pages wait for the next GC, nothing is lost.
      ctx.opts.logger.warn('the page store GC did not finish', { error: (e as Error).message });
    }
  }
  return plan;
}
