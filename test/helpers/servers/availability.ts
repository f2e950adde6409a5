import fs from 'node:fs';
import path from 'node:path';

/**
 * Whether a real test server can run here. Outside CI a missing server skips its tests with the
 * reason; in CI (the `CI` variable set) a missing server is a failure, because
 * `scripts/test-fresh.sh` installs every one of them.
 */
export interface Availability {
  /** Why the server cannot run, or null when it can. */
  missing: string | null;
}

function onPath(bin: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/sbin', '/usr/bin'])) {
    const full = path.join(dir, bin);
    try {
      fs.accessSync(full, fs.constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return null;
}

export function findBinary(bin: string): string | null {
  return onPath(bin);
}

function check(name: string, missing: string | null): Availability {
  if (missing && process.env.CI) {
    throw new Error(`${name} is needed by the tests in CI but ${missing}; scripts/test-fresh.sh installs it.`);
  }
  return { missing: missing ? `${name}: ${missing}` : null };
}

export function apacheAvailability(): Availability {
  const bin = onPath('apache2');
  if (!bin) return check('Apache', 'the apache2 binary is not installed (Debian package apache2)');
  if (!fs.existsSync('/usr/lib/apache2/modules/mod_dav_fs.so')) {
    return check('Apache', 'mod_dav_fs is not installed (Debian package apache2)');
  }
  return check('Apache', null);
}

export function rcloneAvailability(): Availability {
  return check('rclone', onPath('rclone') ? null : 'the rclone binary is not installed (Debian package rclone)');
}

export function s3rverAvailability(): Availability {
  try {
    require.resolve('s3rver');
    return check('s3rver', null);
  } catch {
    return check('s3rver', 'the npm devDependency s3rver is not installed (run npm ci)');
  }
}
