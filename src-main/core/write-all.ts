import fs from 'node:fs';
import { StrataError } from './errors';

/**
 * fs.writeSync may write fewer bytes than asked (a nearly full disk, a signal, a pipe); ignoring
 * its return value once let a truncated snapshot be listed as good. Every write of user data goes
 * through here: it loops until the whole buffer is on its way to disk, and turns a full disk into
 * one clear error instead of a half-written file that looks whole.
 */
export function writeAllSync(fd: number, data: Uint8Array, position: number | null = null): number {
  let offset = 0;
  while (offset < data.length) {
    let n: number;
    try {
      n = fs.writeSync(fd, data, offset, data.length - offset, position === null ? null : position + offset);
    } catch (e) {
      throw diskError(e);
    }
    if (n <= 0) throw new StrataError('disk_full', 'The disk accepted no more bytes. Free some space and try again.');
    offset += n;
  }
  return offset;
}

/** ENOSPC / EDQUOT / SQLITE_FULL all mean the same thing to a person: the disk is full. */
export function diskError(e: unknown): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') {
    return new StrataError('disk_full', 'The disk is full, so nothing was written. Free some space and try again.');
  }
  return e;
}

export function isDiskFull(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'disk_full' || code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}
