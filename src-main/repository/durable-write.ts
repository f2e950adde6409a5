import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { StrataError } from '../core/errors';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../core/private-files';

/**
 * The one way Strata writes a file that must survive a crash or a power cut: a hidden temp name
 * beside the target, every byte written (short writes looped, their length checked), fsync,
 * rename (or link, where an existing file must not be replaced), fsync of the folder. A crash
 * leaves the old file or the new one, never half of one, and a full disk is one clear
 * `disk_full`. Files are 0600 and folders this creates 0700. The local backend, the page
 * store, continuous protection and the data layer's own files (journals, caches, exports) all
 * write through here.
 */

const DISK_FULL_MESSAGE = 'The disk is full, so nothing was written. Free some space and try again.';

/** ENOSPC / EDQUOT / SQLITE_FULL all mean the same thing to a person: the disk is full. */
export function diskError(e: unknown): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL')
    return new StrataError('disk_full', DISK_FULL_MESSAGE);
  return e;
}

export function isDiskFull(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'disk_full' || code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}

/**
 * Writes all of `data` at `position` (or at the file position when null), looping over short
 * writes: a write may store fewer bytes than asked (a nearly full disk, a signal), and a length
 * taken from the buffer instead of from what was written once let a truncated snapshot be listed
 * as good.
 */
export function writeAllSync(fd: number, data: Uint8Array, position: number | null = null): number {
  let done = 0;
  while (done < data.length) {
    let n: number;
    try {
      n = fs.writeSync(fd, data, done, data.length - done, position === null ? null : position + done);
    } catch (e) {
      throw diskError(e);
    }
    if (n <= 0) throw new StrataError('disk_full', DISK_FULL_MESSAGE);
    done += n;
  }
  return done;
}

/** Reads exactly `length` bytes at `position`, or fewer only when the file ends first. */
export function readFully(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** A hidden temp name beside `target`: listings skip it and stale-temp sweeps remove it. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
}

/** Creates `dir` and its parents; the ones this creates are owner-only. */
export function ensureDirSync(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** fsync a directory so a rename inside it survives a power cut (no-op where unsupported). */
export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot open directories; NTFS rename is journaled anyway.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Opens a new private temp file beside `target` for writing. */
export function openTempSync(target: string): { fd: number; tmp: string } {
  ensureDirSync(path.dirname(target));
  const tmp = tempPathFor(target);
  try {
    return { fd: fs.openSync(tmp, 'wx', PRIVATE_FILE_MODE), tmp };
  } catch (e) {
    throw diskError(e);
  }
}

export interface CommitOptions {
  /**
   * Never replace an existing `target`: the temp file is linked to it (atomic, fails when the
   * name exists) instead of renamed over it. Throws `already_exists` when it exists.
   */
  noReplace?: boolean;
  /** false: skip the fsyncs (a scratch file a crash throws away anyway). */
  durable?: boolean;
}

export function alreadyExists(target: string): StrataError {
  return new StrataError('already_exists', `${path.basename(target)} already exists and is never replaced.`);
}

/**
 * File systems without hard links (FAT on a USB drive, some network mounts) refuse `link`; there
 * "only if absent" falls back to a look then a rename, which is exact for a single writer (the
 * store's writers hold its lock).
 */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** Puts a finished temp file in place: link or rename, then fsync the folder. */
function placeSync(tmp: string, target: string, opts: CommitOptions): void {
  try {
    if (opts.noReplace) {
      try {
        fs.linkSync(tmp, target);
        fs.rmSync(tmp, { force: true });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (code === 'EEXIST' || (NO_LINKS.has(code) && fs.existsSync(target))) throw alreadyExists(target);
        if (!NO_LINKS.has(code)) throw e;
        fs.renameSync(tmp, target);
      }
    } else fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw diskError(e);
  }
  if (opts.durable !== false) fsyncDirSync(path.dirname(target));
}

/** fsync and close `fd`, then put its temp file in place: after this it survives a power cut. */
export function commitFdSync(fd: number, tmp: string, target: string, opts: CommitOptions = {}): void {
  try {
    if (opts.durable !== false) fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw diskError(e);
  }
  fs.closeSync(fd);
  ensureDirSync(path.dirname(target));
  placeSync(tmp, target, opts);
}

/** Closes and removes a temp file that will not be committed. */
export function abandonFdSync(fd: number, tmp: string): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
  fs.rmSync(tmp, { force: true });
}

/** Temp file, full write, fsync, rename, fsync dir: a crash leaves the old file or the new one. */
export function writeFileAtomicSync(
  target: string,
  data: string | Uint8Array | readonly Uint8Array[],
  opts: CommitOptions = {},
): void {
  const parts = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  const { fd, tmp } = openTempSync(target);
  try {
    let pos = 0;
    for (const p of parts) pos += writeAllSync(fd, p, pos);
  } catch (e) {
    abandonFdSync(fd, tmp);
    throw e;
  }
  commitFdSync(fd, tmp, target, opts);
}

/** Finishes a temp file written elsewhere (a streamed write): fsync, rename, fsync dir. */
export function commitTempFileSync(tmp: string, target: string): void {
  const fd = fs.openSync(tmp, 'r+');
  commitFdSync(fd, tmp, target);
}

/** Removes leftovers of writes that a crash interrupted, directly in `dir`. */
export function removeStaleTempFiles(dir: string, olderThanMs = 0, now = Date.now()): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    // A temp database also leaves SQLite's own side files when a kill interrupts a write to it.
    if (!name.startsWith('.') || !/\.tmp(-journal|-wal|-shm)?$/.test(name)) continue;
    const file = path.join(dir, name);
    if (olderThanMs > 0) {
      try {
        if (now - fs.statSync(file).mtimeMs < olderThanMs) continue;
      } catch {
        continue;
      }
    }
    fs.rmSync(file, { force: true, recursive: true });
    removed++;
  }
  return removed;
}

/** The async twin of `writeFileAtomicSync`, for callers on the main thread (the async Backend). */
export async function writeFileAtomic(target: string, data: Uint8Array, opts: CommitOptions = {}): Promise<void> {
  const dir = path.dirname(target);
  await fs.promises.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const tmp = tempPathFor(target);
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(tmp, 'wx', PRIVATE_FILE_MODE);
  } catch (e) {
    throw diskError(e);
  }
  try {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await fh.write(data, done, data.length - done, done);
      if (bytesWritten <= 0) throw new StrataError('disk_full', DISK_FULL_MESSAGE);
      done += bytesWritten;
    }
    if (opts.durable !== false) await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true });
    throw diskError(e);
  }
  await fh.close();
  try {
    if (opts.noReplace) {
      try {
        await fs.promises.link(tmp, target);
        await fs.promises.rm(tmp, { force: true });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (code === 'EEXIST' || (NO_LINKS.has(code) && fs.existsSync(target))) throw alreadyExists(target);
        if (!NO_LINKS.has(code)) throw e;
        await fs.promises.rename(tmp, target);
      }
    } else await fs.promises.rename(tmp, target);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw diskError(e);
  }
  if (opts.durable !== false) await fsyncDir(dir);
}

async function fsyncDir(dir: string): Promise<void> {
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(dir, 'r');
    await fh.sync();
  } catch {
    // as fsyncDirSync
  } finally {
    await fh?.close();
  }
}
