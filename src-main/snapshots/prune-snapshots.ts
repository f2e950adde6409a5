import { isGoodSnapshot } from './good';
import { planRetention, type DiskSpace, type RetentionPlan } from './retention';
import type { RetentionConfig } from './config';
import type { EngineContext } from './engine-types';

/** Applies the retention policy; with dryRun only says what would go and why. */
export function pruneSnapshots(
  ctx: EngineContext,
  config: RetentionConfig,
  opts: { dryRun: boolean; disk?: DiskSpace },
): RetentionPlan {
  const list = ctx.store.list();
  const candidates = list.map((s) => ({
    id: s.id,
    tier: s.tier,
    createdAt: Date.parse(s.createdAt),
    storedBytes: s.stored.sizeBytes,
    pinned: s.pinned,
    good: isGoodSnapshot(s),
    memberships: (s.memberships ?? []).map((m) => ({ tier: m.tier, at: Date.parse(m.at) })),
  }));
  const plan = planRetention(candidates, config, {
    now: ctx.opts.clock.now(),
    ...(opts.disk ? { disk: opts.disk } : {}),
  });
  if (opts.dryRun) return plan;
  for (const id of plan.remove) {
    try {
      ctx.store.remove(id);
    } catch (e) {
      ctx.opts.logger.warn('could not prune a snapshot', { id, error: (e as Error).message });
    }
  }
  // Memberships no rule keeps any more are dropped, so a sidecar never grows without bound.
  for (const d of plan.decisions) {
    const entry = list.find((s) => s.id === d.id);
    if (d.action !== 'keep' || !d.keptMemberships || !entry?.memberships) continue;
    if (d.keptMemberships.length === entry.memberships.length) continue;
    const { storedPath: _s, sidecarPath: _p, ...sidecar } = entry;
    try {
      ctx.store.writeSidecar({
        ...sidecar,
        memberships: d.keptMemberships.map((m) => ({ tier: m.tier, at: new Date(m.at).toISOString() })),
      });
    } catch (e) {
      ctx.opts.logger.warn('could not trim the memberships of a snapshot', { id: d.id, error: (e as Error).message });
    }
  }
  return plan;
}
