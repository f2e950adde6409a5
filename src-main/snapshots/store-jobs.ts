import { PageStore, type GcResult, type VerifyReport } from '../page-store';
import { listRanges, type ContinuousRange } from '../continuous/timeline';
import { thinningPreview } from '../continuous/thinning-preview';
import type { ContinuousThinning } from './retention';

/**
 * Page-store work that reads every manifest's chunks or whole packs: it runs in the snapshot
 * worker so that the app's event loop never waits on it.
 */
export type StoreJob =
  | { op: 'store-stats'; storeDir: string; deleting?: string[] }
  | { op: 'store-gc'; storeDir: string; dryRun: boolean; graceMs?: number }
  | { op: 'store-verify'; storeDir: string; readData: boolean; subsetPercent?: number; subsetSeed?: number }
  | { op: 'continuous-ranges'; storeDir: string }
  | { op: 'continuous-thinning'; storeDir: string; now: number; keepAllHours: number; perMinuteDays: number };

/** What `store stats` reports; per point: what it added and what deleting it alone frees. */
export interface StoreStatsOutcome {
  logicalBytes: number;
  storedBytes: number;
  uniquePages: number;
  packs: number;
  points: number;
  dedupRatio: number;
  unreferencedBytes: number;
  deletingFreesBytes: number;
  perPoint: { id: string; logicalBytes: number; addedBytes: number; freesBytes: number }[];
}

export type StoreJobOutcome = StoreStatsOutcome | GcResult | VerifyReport | ContinuousRange[] | ContinuousThinning;

export async function runStoreJob(job: StoreJob): Promise<StoreJobOutcome> {
  // Continuous protection's files are read here too: a day of segments is hundreds of reads.
  if (job.op === 'continuous-ranges') return listRanges(job.storeDir);
  if (job.op === 'continuous-thinning') return thinningPreview(job.storeDir, job.now, job);
  const store = PageStore.open(job.storeDir);
  switch (job.op) {
    case 'store-stats': {
      const s = store.stats({ deleting: job.deleting ?? [] });
      return {
        logicalBytes: s.logicalBytes,
        storedBytes: s.storedBytes,
        uniquePages: s.uniquePages,
        packs: s.packs,
        points: s.points,
        dedupRatio: s.dedupRatio,
        unreferencedBytes: s.unreferencedBytes,
        deletingFreesBytes: s.deletingFreesBytes,
        perPoint: s.perPoint,
      };
    }
    case 'store-gc':
      return store.gc({ dryRun: job.dryRun, ...(job.graceMs !== undefined ? { graceMs: job.graceMs } : {}) });
    case 'store-verify':
      return store.verify({
        readData: job.readData,
        ...(job.subsetPercent !== undefined ? { subsetPercent: job.subsetPercent } : {}),
        ...(job.subsetSeed !== undefined ? { subsetSeed: job.subsetSeed } : {}),
      });
  }
}
