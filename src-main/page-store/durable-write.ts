import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { StrataError } from '../core/errors';
import { fsyncDirSync } from '../core/atomic-file';

/** A full disk is a condition a person can fix, so it gets its own code instead of `internal`. */
export function mapWriteError(e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new StrataError('disk_full', 'The disk is full. Free some space and try again.');
  }
  return e;
}

/**
 * Writes all of `data` at `position`, looping over short writes: a write may store fewer bytes
 * than asked (a full disk, a signal), and a length taken from the buffer instead of from what was
 * written would describe bytes that are not on disk.
 */
export function writeFully(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) {
    let n: number;
    try {
      n = fs.writeSync(fd, data, done, data.length - done, position + done);
    } catch (e) {
      throw mapWriteError(e);
    }
    if (n <= 0) throw new StrataError('disk_full', 'The disk is full. Free some space and try again.');
    done += n;
  }
}

export function tempNameIn(dir: string, base: string): string {
  return path.join(dir, `.${base}.${crypto.randomBytes(6).toString('hex')}.tmp`);
}

/** fsync, rename onto the final name, fsync the folder: after this the file survives a power cut. */
export function commitFd(fd: number, tmp: string, target: string): void {
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw mapWriteError(e);
  }
  fs.closeSync(fd);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw mapWriteError(e);
  }
  fsyncDirSync(path.dirname(target));
}

/** Temp file, full write, fsync, rename, fsync dir: a crash leaves the old file or the new one. */
export function writeDurable(target: string, parts: readonly Uint8Array[]): void {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = tempNameIn(dir, path.basename(target));
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'wx', 0o600);
  } catch (e) {
    throw mapWriteError(e);
  }
  try {
    let pos = 0;
    for (const p of parts) {
      writeFully(fd, p, pos);
      pos += p.length;
    }
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  commitFd(fd, tmp, target);
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
