import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderBackend, FOLDER_MARKER } from '../../src-main/remotes/folder-backend';
import { S3Backend } from '../../src-main/remotes/s3-backend';
import { WebDavBackend } from '../../src-main/remotes/webdav-backend';
import { remoteEnv, type Transport } from '../../src-main/remotes/remote-env';
import { freePort } from '../helpers/servers/child';
import { nodeFetch } from '../helpers/servers/remote-targets';
import { tempDir } from '../helpers/temp-dir';

/** Offline is reported at once as `offline` (the replication engine queues and retries later). */
function counting(): { transport: Transport; calls: () => number } {
  let n = 0;
  return { transport: (u, i) => (n++, nodeFetch(u, i)), calls: () => n };
}
const waits: number[] = [];
const env = (transport: Transport) => remoteEnv({ transport, sleep: async (ms) => void waits.push(ms) });

describe('offline', () => {
  it('S3 with nothing listening (connection refused) is offline after one try', async () => {
    const port = await freePort();
    const { transport, calls } = counting();
    const b = new S3Backend({
      endpoint: `http://127.0.0.1:${port}`,
      bucket: 'strata',
      prefix: '',
      region: 'us-east-1',
      pathStyle: true,
      credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
      env: env(transport),
    });
    await expect(b.save({ kind: 'pack', name: 'ab'.repeat(32) }, Buffer.from('x'))).rejects.toMatchObject({
      code: 'offline',
    });
    expect(calls()).toBe(1);
    expect(waits).toEqual([]);
  });

  it('WebDAV at a name that does not resolve (DNS failure) is offline', async () => {
    const b = new WebDavBackend({
      url: 'http://strata-remote-test.invalid/dav/',
      user: 'u',
      password: async () => 'p',
      env: env(nodeFetch),
    });
    const e = await b.stat({ kind: 'manifest', name: 'p' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'offline' });
    const listing = (async () => {
      for await (const _ of b.list('manifest'));
    })();
    await expect(listing).rejects.toMatchObject({ code: 'offline' });
  });

  it('a mirror folder whose drive is unplugged is offline, never an empty store', async () => {
    const mount = path.join(tempDir('strata-drive-'), 'usb');
    const b = await FolderBackend.open(mount, { create: true });
    await b.save({ kind: 'manifest', name: 'dev/p1' }, Buffer.from('{}'));
    // Unplugged: the mount point stays as an empty folder.
    fs.rmSync(mount, { recursive: true });
    fs.mkdirSync(mount);
    const listing = (async () => {
      const out = [];
      for await (const f of b.list('manifest')) out.push(f);
      return out;
    })();
    await expect(listing).rejects.toMatchObject({ code: 'offline' });
    await expect(b.stat({ kind: 'manifest', name: 'dev/p1' })).rejects.toMatchObject({ code: 'offline' });
    await expect(b.load({ kind: 'manifest', name: 'dev/p1' })).rejects.toMatchObject({ code: 'offline' });
    // Nothing was written onto the internal disk under the empty mount point.
    await expect(b.save({ kind: 'manifest', name: 'dev/p2' }, Buffer.from('{}'))).rejects.toMatchObject({
      code: 'offline',
    });
    expect(fs.readdirSync(mount)).toEqual([]);
    // The root gone altogether: offline too, also when opening.
    fs.rmSync(mount, { recursive: true });
    await expect(b.remove({ kind: 'manifest', name: 'dev/p1' })).rejects.toMatchObject({ code: 'offline' });
    await expect(FolderBackend.open(mount)).rejects.toMatchObject({ code: 'offline' });
    expect(fs.existsSync(path.join(mount, FOLDER_MARKER))).toBe(false);
  });
});
