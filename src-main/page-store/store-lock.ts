import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { StrataError } from '../core/errors';
import { isTempName, type StorePaths } from './store-paths';

interface LockContent {
  pid: number;
  hostname: string;
  owner: string;
  createdAt: string;
}

export interface StoreLock {
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLockFile(file: string): LockContent | null {
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as LockContent;
    return typeof c.pid === 'number' && typeof c.hostname === 'string' ? c : null;
  } catch {
    return null;
  }
}

/** A lock's temp file left by a writer killed before its rename. */
function removeIfOld(file: string): void {
  try {
    if (Date.now() - fs.statSync(file).mtimeMs > 60_000) fs.rmSync(file, { force: true });
  } catch {
    // gone meanwhile
  }
}

/**
 * Other live lock holders. A lock file that cannot be parsed may be one being written right now
 * (`wx` creates it before its content lands), so it counts as live unless it is old.
 */
function otherLiveLocks(paths: StorePaths, mine: string): string[] {
  const live: string[] = [];
  for (const name of fs.readdirSync(paths.locks)) {
    if (name === mine || !name.endsWith('.lock')) {
      if (isTempName(name)) removeIfOld(path.join(paths.locks, name));
      continue;
    }
    const file = path.join(paths.locks, name);
    const c = readLockFile(file);
    let stale: boolean;
    if (c) stale = c.hostname === os.hostname() && !isAlive(c.pid);
    else {
      try {
        stale = Date.now() - fs.statSync(file).mtimeMs > 60_000;
      } catch {
        continue; // released meanwhile
      }
    }
    if (stale) fs.rmSync(file, { force: true });
    else live.push(name);
  }
  return live;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The store's writer lock, across processes. Each contender creates its own file and only then
 * looks for others, so two contenders can never both find themselves alone; when they meet, both
 * step back for a random time and try again. A holder killed with -9 leaves a file naming a dead
 * pid, which the next contender removes.
 */
export async function acquireStoreLock(
  paths: StorePaths,
  owner: string,
  opts: { timeoutMs?: number } = {},
): Promise<StoreLock> {
  fs.mkdirSync(paths.locks, { recursive: true });
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const name = `${os.hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-${process.pid}-${crypto.randomBytes(4).toString('hex')}.lock`;
  const file = path.join(paths.locks, name);
  const content: LockContent = {
    pid: process.pid,
    hostname: os.hostname(),
    owner,
    createdAt: new Date().toISOString(),
  };
  let backoff = 5;
  for (;;) {
    // Written aside and renamed, so a lock file never exists without its content: a kill (or a
    // full disk) between creating and filling it would leave an empty file that counts as live
    // for a minute and blocks every other writer.
    const tmp = path.join(paths.locks, `.${name}.tmp`);
    try {
      fs.writeFileSync(tmp, JSON.stringify(content), { flag: 'wx', mode: 0o600 });
      fs.renameSync(tmp, file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    const others = otherLiveLocks(paths, name);
    if (others.length === 0) {
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          fs.rmSync(file, { force: true });
        },
      };
    }
    fs.rmSync(file, { force: true });
    if (Date.now() > deadline) {
      const holder = readLockFile(path.join(paths.locks, others[0]!));
      throw new StrataError(
        'store_busy',
        `The backup store is being changed by ${holder?.owner ?? 'another process'}${holder ? ` (pid ${holder.pid})` : ''}. Try again when it is done.`,
      );
    }
    await sleep(backoff + Math.random() * backoff);
    backoff = Math.min(backoff * 2, 200);
  }
}
