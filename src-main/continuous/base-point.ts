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

export function gapDescription(reason: GapReason): string {
  return WHY[reason];
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
      point: {
        tier: 'auto',
        label: `Continuous protection: ${WHY[reason]}`,
        pinned: false,
        appVersion: data.appVersion,
        sourceFile: path.basename(data.dbFile),
        checkedAt: new Date(now).toISOString(),
        startedAt: now,
      },
    },
    () => {},
  );
  return { id, position: out.method === 'live' ? out.position : null };
}
