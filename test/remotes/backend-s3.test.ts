import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { s3rverAvailability } from '../helpers/servers/availability';
import { s3Backend, s3Behind } from '../helpers/servers/remote-targets';
import { startS3rver, type S3Server } from '../helpers/servers/s3rver';
import { backendConformance } from '../repository/backend-conformance';
import { remoteExtras, type ExtrasTarget } from './remote-contract';

// The shared conformance suite and the remotes' extras on S3, against s3rver. Each test gets an
// empty store under a fresh prefix. 1,000 names in the large listing (not 2,500: every name is
// two requests here) still run over five ListObjectsV2 pages of 200.
const opener = path.join(__dirname, 'fixtures', 'remote-opener.ts');
let n = 0;

const s3rver = s3rverAvailability();
describe.skipIf(s3rver.missing)(`S3 on s3rver ${s3rver.missing ?? ''}`, () => {
  let s3: S3Server;
  let prefix = '';
  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(async () => s3?.stop());
  const make = async () => {
    prefix = `store-${++n}/`;
    return s3Backend(s3, prefix, {}, { listPageSize: 200 });
  };
  backendConformance('S3Backend on s3rver', {
    fresh: make,
    opener,
    listCount: 1000,
    childEnv: { STRATA_TEST_S3_KEY: 'S3RVER', STRATA_TEST_S3_SECRET: 'S3RVER' },
  });
  remoteExtras((): ExtrasTarget => ({ make, behind: () => s3Behind(s3, prefix) }));
});
