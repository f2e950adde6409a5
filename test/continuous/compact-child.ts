/** A child process for the thinning kill test: thins one data folder's record, then exits. */
import { storeFileAsBase } from '../../src-main/continuous/base-point';
import { compact } from '../../src-main/continuous/compaction-run';
import { shipperDataFor } from './shipper-data';

const [dataDir, nowText] = process.argv.slice(2) as [string, string];
const data = shipperDataFor(dataDir);
process.stdout.write('started\n');
compact(data.storeDir, Number(nowText), data.thinning, {
  storeBase: (file) => storeFileAsBase(data, file),
  scratchDir: data.scratchDir,
}).then(
  () => process.stdout.write('done\n'),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  },
);
