import { z } from 'zod';
import { snapshotSidecarSchema, SNAPSHOT_FORMAT_VERSION, type SnapshotEntry, type SnapshotSidecar } from './sidecar';
import type { DatabaseSummary } from '../db/online-copy';
import type { CheckResult as StoreCheck, Manifest, ManifestMeta } from '../page-store';

/**
 * A page-store point carries what a gzip snapshot's sidecar carries, inside its manifest's
 * `meta` (covered by the manifest's checksum): the common fields at the top, where any reader of
 * the store format finds them, and the engine's own bookkeeping under `meta.snapshot`.
 */
export const snapshotMetaSchema = snapshotSidecarSchema
  .pick({
    tier: true,
    source: true,
    check: true,
    durationMs: true,
    lastVerify: true,
    lastDrill: true,
    memberships: true,
    recovered: true,
  })
  .extend({
    /** Stored bytes this point wrote that the store did not hold yet. */
    addedBytes: z.number().int().nonnegative(),
  });
export type SnapshotMeta = z.infer<typeof snapshotMetaSchema>;

/** What the engine decides about a new point before the worker has read the database. */
export interface NewPointMeta {
  tier: SnapshotSidecar['tier'];
  label: string | null;
  pinned: boolean;
  appVersion: string;
  sourceFile: string;
  checkedAt: string;
  startedAt: number;
}

function storeCheckOf(c: SnapshotSidecar['check']): StoreCheck {
  const status = c.status ?? (c.ok ? 'ok' : 'damaged');
  return {
    status: status === 'ok' ? 'passed' : status === 'damaged' ? 'damaged' : 'could_not_check',
    at: c.at,
    method: c.method,
    problems: c.problems,
  };
}

/** The manifest metadata of a new point: the check is the quick_check run on the stored image. */
export function metaForNewPoint(p: NewPointMeta, summary: DatabaseSummary, addedBytes: number): ManifestMeta {
  const sidecarCheck = {
    ok: true,
    status: 'ok' as const,
    at: p.checkedAt,
    method: 'quick_check',
    problems: [],
    durationMs: 0,
  };
  const snapshot: SnapshotMeta = {
    tier: p.tier,
    source: {
      file: p.sourceFile,
      sizeBytes: summary.pageCount * summary.pageSize,
      pageSize: summary.pageSize,
      pageCount: summary.pageCount,
      fingerprint: summary.fingerprint,
    },
    check: sidecarCheck,
    durationMs: Math.max(0, Math.round(Date.now() - p.startedAt)),
    lastVerify: null,
    lastDrill: null,
    addedBytes,
  };
  return {
    schemaVersion: summary.schemaVersion,
    appVersion: p.appVersion,
    counts: summary.counts,
    tiers: [p.tier],
    label: p.label,
    pinned: p.pinned,
    check: storeCheckOf(sidecarCheck),
    snapshot,
  };
}

/** The engine's view of a manifest, or the reason it cannot be one. */
export function entryOfManifest(
  m: Manifest,
  storeDir: string,
  manifestPath: string,
): { ok: true; entry: SnapshotEntry } | { ok: false; problem: string } {
  const parsed = snapshotMetaSchema.safeParse((m.meta as Record<string, unknown>).snapshot);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `meta.snapshot.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  const s = parsed.data;
  const entry: SnapshotEntry = {
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    id: m.id,
    tier: s.tier,
    label: m.meta.label,
    pinned: m.meta.pinned,
    createdAt: m.createdAt,
    source: s.source,
    stored: {
      file: `manifests/${m.id}.json`,
      sizeBytes: s.addedBytes,
      codec: 'pages',
      codecOptions: { level: 3, memberBytes: m.pageSize, members: [] },
      encryption: null,
      sha256: m.checksum,
    },
    schemaVersion: m.meta.schemaVersion,
    appVersion: m.meta.appVersion,
    counts: m.meta.counts,
    check: s.check,
    durationMs: s.durationMs,
    lastVerify: s.lastVerify,
    lastDrill: s.lastDrill,
    ...(s.memberships ? { memberships: s.memberships } : {}),
    ...(s.recovered ? { recovered: true } : {}),
    storedPath: storeDir,
    sidecarPath: manifestPath,
    storage: 'pages',
  };
  return { ok: true, entry };
}

/** A changed sidecar (tier memberships, pinned, label, check results) as manifest metadata. */
export function metaOfSidecar(current: ManifestMeta, s: SnapshotSidecar): ManifestMeta {
  const prev = snapshotMetaSchema.parse((current as Record<string, unknown>).snapshot);
  const snapshot: SnapshotMeta = {
    ...prev,
    tier: s.tier,
    check: s.check,
    lastVerify: s.lastVerify,
    lastDrill: s.lastDrill,
    ...(s.memberships ? { memberships: s.memberships } : {}),
    ...(s.recovered ? { recovered: true } : {}),
  };
  if (!s.memberships) delete snapshot.memberships;
  return {
    ...current,
    tiers: [...new Set([s.tier, ...(s.memberships ?? []).map((x) => x.tier)])],
    label: s.label,
    pinned: s.pinned,
    check: storeCheckOf(s.lastVerify ?? s.check),
    snapshot,
  };
}
