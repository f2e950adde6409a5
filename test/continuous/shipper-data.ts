import path from 'node:path';
import type { ShipperWorkerData } from '../../src-main/continuous/base-point';

// Kept apart from continuous-fixtures.ts, which imports esbuild: child bundles import this one.

/** What a shipper (or thinning) run in a test uses for a data folder: the default thinning rules. */
export function shipperDataFor(dataDir: string): ShipperWorkerData {
  return {
    dbFile: path.join(dataDir, 'strata.db'),
    storeDir: path.join(dataDir, 'backups', 'store'),
    scratchDir: path.join(dataDir, 'backups', 'scratch'),
    liveFds: {},
    appVersion: 'test',
    pollMs: 0,
    idleCheckpointMs: 1000,
    thinning: { keepAllHours: 24, perMinuteDays: 7 },
    compactEveryMs: 0,
  };
}
