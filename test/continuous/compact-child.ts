/** A child process for the thinning kill test: thins one data folder's record, then exits. */
import path from 'node:path';
import { storeFileAsBase, type ShipperWorkerData } from '../../src-main/continuous/base-point';
import { compact } from '../../src-main/continuous/compaction-run';

const [dataDir, nowText] = process.argv.slice(2) as [string, string];
const storeDir = path.join(dataDir, 'backups', 'store');
const data: ShipperWorkerData = {
  dbFile: path.join(dataDir, 'strata.db'),
  storeDir,
  scratchDir: path.join(dataDir, 'backups', 'scratch'),
  liveFds: {},
  appVersion: 'test',
  pollMs: 0,
  idleCheckpointMs: 1000,
  thinning: { keepAllHours: 24, perMinuteDays: 7 },
  compactEveryMs: 0,
};
process.stdout.write('started\n');
compact(storeDir, Number(nowText), data.thinning, {
  storeBase: (file) => storeFileAsBase(data, file),
  scratchDir: data.scratchDir,
}).then(
  () => process.stdout.write('done\n'),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  },
);
