import fs from 'node:fs';
import path from 'node:path';
import type { DataPaths } from './paths';

/**
 * The data folder holds the database, and the database holds API keys: nobody but its owner
 * may read any of it. Modes are set explicitly on each file and folder rather than through the
 * process umask, which is global and belongs to whoever embeds this code. Windows has no POSIX
 * modes (a user's profile folder is private by its ACL), so these are no-ops there.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const hasPosixModes = process.platform !== 'win32';

/**
 * Removes every permission bit outside `allowed` (never adds one). Quietly leaves files it may
 * not change (another user's file, a file system without modes) and files that are gone.
 */
function tighten(file: string, allowed: number): void {
  if (!hasPosixModes) return;
  let mode: number;
  try {
    mode = fs.statSync(file).mode & 0o7777;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if ((mode & ~allowed) === 0) return;
  try {
    fs.chmodSync(file, mode & allowed);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOENT' && code !== 'ENOTSUP' && code !== 'EROFS') throw e;
  }
}

/** Creates `dir` (parents as usual) owner-only, and tightens it if it already exists looser. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  try {
    fs.mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  tighten(dir, PRIVATE_DIR_MODE);
}

/** Makes an existing file owner-only (read and write at most); a missing file is left missing. */
export function makeFilePrivate(file: string): void {
  tighten(file, PRIVATE_FILE_MODE);
}

/**
 * Creates `file` empty and owner-only when it does not exist, without touching its content when
 * it does. For files another library creates with its own default mode (SQLite: 0644).
 */
export function ensurePrivateFile(file: string): void {
  try {
    // 'wx' never opens an existing file, so one we may only read is not refused here.
    fs.closeSync(fs.openSync(file, 'wx', PRIVATE_FILE_MODE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  makeFilePrivate(file);
}

/** The data folder and its backups folder, owner-only, before anything is written into them. */
export function ensurePrivateDataFolders(paths: DataPaths): void {
  ensurePrivateDir(paths.root);
  ensurePrivateDir(paths.backups);
}
