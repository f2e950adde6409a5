import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

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

export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
}

/** Temp file, fsync, rename, fsync dir: a crash leaves the old file or the new one, never half. */
export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDirSync(path.dirname(target));
}

/** Finishes a temp file written elsewhere (for streamed writes): fsync, rename, fsync dir. */
export function commitTempFileSync(tmp: string, target: string): void {
  const fd = fs.openSync(tmp, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, target);
  fsyncDirSync(path.dirname(target));
}

/** Removes leftovers of writes that a crash interrupted. */
export function removeStaleTempFiles(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let removed = 0;
  for (const name of fs.readdirSync(dir)) {
    // A temp database also leaves SQLite's own side files when a kill interrupts a write to it.
    if (name.startsWith('.') && /\.tmp(-journal|-wal|-shm)?$/.test(name)) {
      fs.rmSync(path.join(dir, name), { force: true, recursive: true });
      removed++;
    }
  }
  return removed;
}
