import path from 'node:path';
import { createStorePoint } from '../snapshots/store-create-job';
import { newSnapshotId } from '../snapshots/snapshot-id';
import type { GapReason } from './generations';
import type { WalPosition } from './wal-file';

export interface ShipperWorkerData {
  dbFile: string;
  storeDir: string;
  scratchDir: string;
  liveFds: Record<string, number>;
  appVersion: string;
  pollMs: number;
  idleCheckpointMs: number;
  thinning: { keepAllHours: number; perMinuteDays: number };
  /** How often thinning runs (ms). */
  compactEveryMs: number;
}

const WHY: Record<GapReason, string> = {
  'first-start': 'continuous protection started',
  'wal-reset': 'the WAL was reset by another program',
  'frames-missed': 'WAL frames could not be copied',
  'foreign-checkpoint': 'another program checkpointed',
  restored: 'the database was restored',
  'changed-while-closed': 'the database changed while Strata was closed',
  'shipper-error': 'shipping stopped on an error',
};

function pointMeta(data: ShipperWorkerData, label: string, now: number) {
  return {
    tier: 'auto' as const,
    label,
    pinned: false,
    appVersion: data.appVersion,
    sourceFile: path.basename(data.dbFile),
    checkedAt: new Date(now).toISOString(),
    startedAt: now,
  };
}

/** Stores a replayed database file (thinning's new base) as a point; its pages are mostly there. */
export async function storeFileAsBase(data: ShipperWorkerData, file: string): Promise<string> {
  const now = Date.now();
  const id = newSnapshotId('auto', now);
  await createStorePoint(
    {
      op: 'store-create',
      dbFile: file,
      staticSource: true,
      storeDir: data.storeDir,
      scratchDir: data.scratchDir,
      id,
      createdAt: new Date(now).toISOString(),
      point: pointMeta(data, 'Continuous protection: base after thinning', now),
    },
    () => {},
  );
  return id;
}

/**
 * A generation's base: an ordinary checked point of the page store (tier auto), read from the live
 * file and WAL under one read transaction, so it also says at which WAL frame it stands.
 */
export async function takeBasePoint(
  data: ShipperWorkerData,
  reason: GapReason,
): Promise<{ id: string; position: WalPosition | null }> {
  const now = Date.now();
  const id = newSnapshotId('auto', now);
  const out = await createStorePoint(
    {
      op: 'store-create',
      dbFile: data.dbFile,
      storeDir: data.storeDir,
      scratchDir: data.scratchDir,
      liveFds: data.liveFds,
      id,
      createdAt: new Date(now).toISOString(),
      point: pointMeta(
        data,
        reason === 'first-start' ? 'Continuous protection begins' : `Continuous protection again: ${WHY[reason]}`,
        now,
      ),
    },
    () => {},
  );
  return { id, position: out.method === 'live' ? out.position : null };
}
