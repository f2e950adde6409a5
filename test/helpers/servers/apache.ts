import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findBinary } from './availability';
import { freePort, startChild, waitForPort, type RunningChild } from './child';

/** A real WebDAV server started by a test. */
export interface DavServer {
  name: 'apache' | 'rclone';
  /** The collection the backend uses, ending in `/`. */
  url: string;
  user: string;
  password: string;
  /** The folder on disk behind `url` (to look behind the client's back). */
  root: string;
  /** Whether it refuses a PUT with `If-None-Match: *` over an existing file (Apache does). */
  honoursIfNoneMatch: boolean;
  stop(): Promise<void>;
}

const MODULES = '/usr/lib/apache2/modules';

function config(dir: string, port: number, asRoot: boolean): string {
  const mod = (name: string, file: string) => `LoadModule ${name} ${MODULES}/${file}`;
  return [
    `ServerName 127.0.0.1`,
    `Listen 127.0.0.1:${port}`,
    `PidFile ${dir}/httpd.pid`,
    `ErrorLog ${dir}/error.log`,
    `LogLevel warn`,
    `DefaultRuntimeDir ${dir}`,
    `Mutex file:${dir} default`,
    mod('mpm_event_module', 'mod_mpm_event.so'),
    mod('authz_core_module', 'mod_authz_core.so'),
    mod('authn_core_module', 'mod_authn_core.so'),
    mod('auth_basic_module', 'mod_auth_basic.so'),
    mod('authn_file_module', 'mod_authn_file.so'),
    mod('authz_user_module', 'mod_authz_user.so'),
    mod('dav_module', 'mod_dav.so'),
    mod('dav_fs_module', 'mod_dav_fs.so'),
    // Apache refuses to serve as root: the parent binds the port, its children run as www-data.
    ...(asRoot ? ['User www-data', 'Group www-data'] : []),
    `StartServers 1`,
    `ServerLimit 2`,
    `ThreadsPerChild 16`,
    `MaxRequestWorkers 32`,
    `KeepAlive On`,
    `DavLockDB ${dir}/lock/davlock`,
    `DocumentRoot ${dir}/www`,
    `<Directory ${dir}/www>`,
    `  Dav On`,
    `  AuthType Basic`,
    `  AuthName strata-test`,
    `  AuthUserFile ${dir}/htpasswd`,
    `  Require valid-user`,
    `</Directory>`,
    '',
  ].join('\n');
}

/**
 * Debian's Apache with mod_dav_fs on 127.0.0.1, from a generated config in a temp folder. It
 * honours `If-None-Match: *` and `Overwrite: F`. Apache cannot listen on port 0, so it takes a
 * port found free just before and tries again if another process took it meanwhile.
 */
export async function startApache(): Promise<DavServer> {
  const apache = findBinary('apache2');
  if (!apache) throw new Error('apache2 is not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-apache-'));
  const root = path.join(dir, 'www', 'dav');
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(path.join(dir, 'lock'));
  const user = 'strata';
  const password = 'apache-test-password';
  const sha1 = crypto.createHash('sha1').update(password).digest('base64');
  fs.writeFileSync(path.join(dir, 'htpasswd'), `${user}:{SHA}${sha1}\n`);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'www-data:www-data', dir]);
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const conf = path.join(dir, 'httpd.conf');
    fs.writeFileSync(conf, config(dir, port, asRoot));
    let running: RunningChild | undefined;
    try {
      ({ running } = await startChild(apache, ['-f', conf, '-DFOREGROUND'], { env: { ...process.env } }, null));
      const exited = new Promise<never>((_, reject) =>
        running!.child.once('exit', (code) =>
          reject(new Error(`apache2 exited (${code}): ${readLog(dir)}${running!.output()}`)),
        ),
      );
      exited.catch(() => undefined);
      await Promise.race([waitForPort(port), exited]);
      const started = running;
      return {
        name: 'apache',
        url: `http://127.0.0.1:${port}/dav/`,
        user,
        password,
        root,
        honoursIfNoneMatch: true,
        async stop() {
          await started.stop();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (e) {
      lastError = e;
      await running?.stop();
      if (!/Address already in use/.test(String(e))) break;
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

function readLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'error.log'), 'utf8');
  } catch {
    return '';
  }
}
