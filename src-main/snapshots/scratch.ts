import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../core/errors';
import { formatBytes } from './retention';
import type { DiskProbe } from './engine-types';

/**
 * Checks decompress into `<backups>/scratch/`: the same disk as the store (so its free space is
 * the free space the guard watches), private, and apart from the stored files, so a failure to
 * write there is always the machine's, never taken for damage to a snapshot.
 */
export function scratchDir(backupsDir: string): string {
  const dir = path.join(backupsDir, 'scratch');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Room for the decompressed copy plus SQLite's own working space, or a clear `disk_full`. */
export async function assertScratchRoom(dir: string, neededBytes: number, probe?: DiskProbe): Promise<void> {
  if (!probe) return;
  let free: number;
  try {
    free = (await probe(dir)).freeBytes;
  } catch {
    return; // no probe result: try, and let a real ENOSPC speak
  }
  const need = Math.ceil(neededBytes * 1.1) + 256 * 1024;
  if (free < need)
    throw new StrataError(
      'disk_full',
      `Checking needs about ${formatBytes(need)} of free space for a scratch copy; only ${formatBytes(free)} is free.`,
    );
}
