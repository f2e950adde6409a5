import { isGoodSnapshot } from './good';
import type { Tier } from './config';
import type { RetentionCandidate } from './retention';

/** The fields of a snapshot listing that retention looks at (see sidecar.ts and manifest-entry.ts). */
export interface SnapshotListing {
  id: string;
  tier: Tier;
  createdAt: string;
  pinned: boolean;
  stored: { sizeBytes: number };
  check: { ok: boolean };
  lastVerify?: { ok: boolean; status?: 'ok' | 'damaged' | 'unchecked' } | null;
  memberships?: { tier: Tier; at: string }[];
}

/** Snapshot listings as retention candidates: prune and the settings-import preview judge alike. */
export function retentionCandidates(list: readonly SnapshotListing[]): RetentionCandidate[] {
  return list.map((s) => ({
    id: s.id,
    tier: s.tier,
    createdAt: Date.parse(s.createdAt),
    storedBytes: s.stored.sizeBytes,
    pinned: s.pinned,
    good: isGoodSnapshot(s),
    memberships: (s.memberships ?? []).map((m) => ({ tier: m.tier, at: Date.parse(m.at) })),
  }));
}
