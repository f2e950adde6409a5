import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StrataError } from './errors';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './private-files';

/**
 * One process at a time owns a data folder for operations that replace the database file
 * (the app, the headless host, or a CLI restore). Others see who holds it and refuse
 * clearly instead of swapping a file under a live connection.
 */
export interface LockInfo {
  pid: number;
  hostname: string;
  owner: string;
  acquiredAt: string;
}

export interface DataLock {
  info: LockInfo;
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

export function readLock(lockFile: string): LockInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as LockInfo;
    if (typeof info.pid !== 'number') return null;
    return info;
  } catch {
    return null;
  }
}

/** The live holder of the lock, or null when it is free or its holder died. */
export function liveLockHolder(lockFile: string): LockInfo | null {
  const info = readLock(lockFile);
  if (!info) return null;
  if (info.hostname !== os.hostname()) return info; // cannot probe another machine; assume live
  if (info.pid === process.pid) return info;
  return isAlive(info.pid) ? info : null;
}

export function acquireDataLock(lockFile: string, owner: string): DataLock {
  ensurePrivateDir(path.dirname(lockFile));
  const info: LockInfo = { pid: process.pid, hostname: os.hostname(), owner, acquiredAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockFile, JSON.stringify(info), { flag: 'wx', mode: PRIVATE_FILE_MODE });
      let released = false;
      return {
        info,
        release() {
          if (released) return;
          released = true;
          const current = readLock(lockFile);
          if (current && current.pid === process.pid) fs.rmSync(lockFile, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = liveLockHolder(lockFile);
      if (holder && holder.pid !== process.pid) {
        throw new StrataError(
          'data_folder_in_use',
          `The data folder is in use by ${holder.owner} (pid ${holder.pid}). Close it first, or do this from the app.`,
        );
      }
      // A dead holder left the file behind (for example after kill -9): take it over.
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new StrataError(
    'data_folder_in_use',
    'Could not lock the data folder; another Strata process keeps taking it.',
  );
}
