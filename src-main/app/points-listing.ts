import { runSnapshotJob } from '../snapshots/worker-client';
import { isGoodSnapshot } from '../snapshots';
import type { PointsListing } from '../contract/continuous-schemas';
import type { StrataApp } from './strata-app';

/** Everything restorable, for `strata points` and the screens: one listing, written once. */
export async function listPoints(app: {
  snapshots: Pick<StrataApp['snapshots'], 'list' | 'store'>;
}): Promise<PointsListing> {
  const snapshots = (await app.snapshots.list())
    .filter((s) => isGoodSnapshot(s))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
    .map((s) => ({
      id: s.id,
      at: s.createdAt,
      tier: s.tier,
      label: s.label,
      pinned: s.pinned,
      sessions: s.counts.sessions ?? 0,
      messages: s.counts.messages ?? 0,
    }));
  const continuous = await runSnapshotJob({ op: 'continuous-ranges', storeDir: app.snapshots.store.pages.dir });
  return { snapshots, continuous };
}
