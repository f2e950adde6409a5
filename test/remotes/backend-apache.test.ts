import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import type { DavServer } from '../helpers/servers/apache';
import { apacheAvailability } from '../helpers/servers/availability';
import { startApache } from '../helpers/servers/apache';
import { davBackend, mkcol, walk } from '../helpers/servers/remote-targets';
import { backendConformance } from '../repository/backend-conformance';
import { remoteExtras, type ExtrasTarget } from './remote-contract';

// The shared conformance suite and the remotes' extras on WebDAV, against Apache mod_dav_fs. Each test
// gets an empty collection. 1,000 names in the large listing (not 2,500: every name is four
// requests here: PUT of a temp name, PROPFIND for its size, MOVE, and the listing).
const opener = path.join(__dirname, 'fixtures', 'remote-opener.ts');
let n = 0;
const password = { value: '' };

const availability = apacheAvailability();
describe.skipIf(availability.missing)(`WebDAV on Apache mod_dav_fs ${availability.missing ?? ''}`, () => {
  let dav: DavServer;
  let sub = '';
  beforeAll(async () => {
    dav = await startApache();
    password.value = dav.password;
  });
  afterAll(async () => dav?.stop());
  const make = async () => {
    sub = `store-${++n}/`;
    // Made through the server (rclone caches its folder listings).
    await mkcol(dav, sub);
    return davBackend(dav, sub);
  };
  backendConformance('WebDavBackend on Apache mod_dav_fs', {
    fresh: make,
    opener,
    listCount: 1000,
    // Read when the kill test starts its child, after the server is up.
    childEnv: {
      get STRATA_TEST_DAV_PASSWORD() {
        return password.value;
      },
    },
  });
  remoteExtras((): ExtrasTarget => ({ make, behind: () => walk(path.join(dav.root, sub)) }));
});
