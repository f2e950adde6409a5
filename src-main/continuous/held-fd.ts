import fs from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

/**
 * Read-only descriptors of a live database file and its `-shm`, opened once by the main thread
 * and never closed.
 *
 * SQLite's locks on these files are POSIX record locks. They belong to the whole process and are
 * all released when the process closes *any* descriptor of the file, even one that never locked
 * anything. Node also closes, when a worker thread ends, the descriptors that thread opened. So
 * if Strata's own code opened the live file to read it, every connection in the process would
 * silently lose its locks: a checkpoint could run past a reader, or a `sqlite3` process closing
 * could believe it was the last connection and delete the WAL. Descriptors therefore come from
 * the main thread, which outlives every worker, and are lent to workers by number. A worker
 * without a lent descriptor gets none (its caller then takes the slower copying path).
 */
const held = new Map<string, { fd: number; ino: bigint }>();
const lent = new Map<string, number>();

export function heldFd(file: string): number | null {
  const key = path.resolve(file);
  if (!isMainThread) return lent.get(key) ?? null;
  let ino: bigint;
  try {
    ino = fs.statSync(key, { bigint: true }).ino;
  } catch {
    return null;
  }
  const known = held.get(key);
  if (known && known.ino === ino) return known.fd;
  let fd: number;
  try {
    fd = fs.openSync(key, 'r');
  } catch {
    return null;
  }
  // A file replaced under the old descriptor gets a new one; the old stays open, harmlessly.
  held.set(key, { fd, ino: fs.fstatSync(fd, { bigint: true }).ino });
  return fd;
}

/** On the main thread: the descriptors a worker needs to read `dbFile` live. */
export function lendLiveFds(dbFile: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of [dbFile, `${dbFile}-shm`]) {
    const fd = heldFd(f);
    if (fd !== null) out[path.resolve(f)] = fd;
  }
  return out;
}

/** In a worker: takes the descriptors the main thread lent with the job. */
export function acceptLiveFds(fds: Record<string, number> | undefined): void {
  for (const [file, fd] of Object.entries(fds ?? {})) lent.set(file, fd);
}
