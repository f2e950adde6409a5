import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startChild } from './child';
import type { DavServer } from './apache';

/** A real WebDAV server: `rclone serve webdav` over a temp folder, on 127.0.0.1, basic auth. */
export async function startRclone(): Promise<DavServer> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-rclone-'));
  const root = path.join(base, 'dav');
  fs.mkdirSync(root);
  const config = path.join(base, 'rclone.conf');
  fs.writeFileSync(config, '');
  const user = 'strata';
  const password = 'rclone-test-password';
  try {
    const { running, match } = await startChild(
      'rclone',
      ['serve', 'webdav', root, '--addr', '127.0.0.1:0', '--user', user, '--pass', password, '--config', config],
      { env: { ...process.env } },
      /started on (http:\/\/127\.0\.0\.1:\d+)\//,
    );
    return {
      name: 'rclone',
      url: `${match![1]}/`,
      user,
      password,
      root,
      honoursIfNoneMatch: false,
      async stop() {
        await running.stop();
        fs.rmSync(base, { recursive: true, force: true });
      },
    };
  } catch (e) {
    fs.rmSync(base, { recursive: true, force: true });
    throw e;
  }
}
