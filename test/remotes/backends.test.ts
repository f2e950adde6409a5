import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { FolderBackend } from '../../src-main/remotes/folder-backend';
import { startApache, type DavServer } from '../helpers/servers/apache';
import { apacheAvailability, rcloneAvailability, s3rverAvailability } from '../helpers/servers/availability';
import { startRclone } from '../helpers/servers/rclone';
import { davBackend, mkcol, s3Backend, s3Behind, walk } from '../helpers/servers/remote-targets';
import { startS3rver, type S3Server } from '../helpers/servers/s3rver';
import { tempDir } from '../helpers/temp-dir';
import { remoteContract, type ContractTarget } from './remote-contract';

// The Backend rules on each remote, against the real servers. Each test gets an empty store
// (a fresh folder, prefix or collection).
let n = 0;

describe('FolderBackend', () => {
  let root = '';
  remoteContract(
    (): ContractTarget => ({
      async make() {
        root = path.join(tempDir('strata-mirror-'), 'copy');
        return FolderBackend.open(root, { create: true });
      },
      behind: () => walk(root),
    }),
  );
});

const s3rver = s3rverAvailability();
describe.skipIf(s3rver.missing)(`S3Backend on s3rver ${s3rver.missing ?? ''}`, () => {
  let s3: S3Server;
  let prefix = '';
  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(async () => s3?.stop());
  remoteContract(
    (): ContractTarget => ({
      async make() {
        prefix = `store-${++n}/`;
        // A small page size, so every listing above runs over several ListObjectsV2 pages.
        return s3Backend(s3, prefix, {}, { listPageSize: 2 });
      },
      behind: () => s3Behind(s3, prefix),
    }),
  );
});

for (const [label, availability, start] of [
  ['Apache mod_dav_fs', apacheAvailability(), startApache],
  ['rclone serve webdav', rcloneAvailability(), startRclone],
] as const) {
  describe.skipIf(availability.missing)(`WebDavBackend on ${label} ${availability.missing ?? ''}`, () => {
    let dav: DavServer;
    let sub = '';
    beforeAll(async () => {
      dav = await start();
    });
    afterAll(async () => dav?.stop());
    remoteContract(
      (): ContractTarget => ({
        async make() {
          sub = `store-${++n}/`;
          // Made through the server (rclone caches its folder listings).
          await mkcol(dav, sub);
          return davBackend(dav, sub);
        },
        behind: () => walk(path.join(dav.root, sub)),
      }),
    );
  });
}
