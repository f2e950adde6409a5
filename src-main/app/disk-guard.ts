import fs from 'node:fs';
import type { Logger } from '../core/logger';
import type { DiskSpace, RetentionConfig } from '../snapshots';
import { shouldPauseForDisk } from '../snapshots/retention';

/** What one snapshot run holds on the backups disk at its peak. */
export interface RunSizeFacts {
  /** The live database file. */
  dbBytes: number;
  /** Its write-ahead log: committed pages not yet folded into the file, which the copy includes. */
  walBytes: number;
  /** Stored size of the newest snapshot, the best guess for the next one; null when there is none. */
  newestStoredBytes: number | null;
}

/**
 * Bytes a snapshot run needs free. VACUUM INTO first writes a full, uncompressed copy of the
 * database next to the snapshots (at most the file plus what its WAL adds), and the compressed file
 * is written while that copy still exists. Chat data compresses about 4.5:1, so without a previous
 * snapshot a quarter of the database is a cautious guess for the compressed part.
 */
export function estimateSnapshotRunBytes(facts: RunSizeFacts): number {
  const copy = Math.max(0, facts.dbBytes) + Math.max(0, facts.walBytes);
  const compressed = facts.newestStoredBytes ?? Math.ceil(Math.max(0, facts.dbBytes) / 4);
  return copy + Math.max(0, compressed);
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The estimate for the live database at `dbFile` (missing files count as empty). */
export function estimateRunBytesFor(dbFile: string, newestStoredBytes: number | null): number {
  return estimateSnapshotRunBytes({ dbBytes: sizeOf(dbFile), walBytes: sizeOf(`${dbFile}-wal`), newestStoredBytes });
}

export interface DiskGuardOptions {
  disk(): Promise<DiskSpace | null>;
  /** Thins the snapshots by the retention rules (the first answer to a nearly full disk). */
  prune(): Promise<unknown>;
  logger: Logger;
}

/**
 * The free-disk policy for scheduled snapshots: when a run would leave less than the retention
 * rules' minimum free, thin first; if that is not enough, pause automatic snapshots and say so in
 * health (not a failure to retry) until space comes back.
 */
export class DiskGuard {
  private paused = false;

  constructor(private readonly opts: DiskGuardOptions) {}

  get pausedForDisk(): boolean {
    return this.paused;
  }

  /** True when a run of about `expectedBytes` may go ahead. */
  async allowRun(config: RetentionConfig, expectedBytes: number): Promise<boolean> {
    const disk = await this.opts.disk();
    if (!disk || !shouldPauseForDisk(disk, config, expectedBytes)) {
      this.paused = false;
      return true;
    }
    await this.opts.prune();
    const after = await this.opts.disk();
    this.paused = !!after && shouldPauseForDisk(after, config, expectedBytes);
    if (this.paused) {
      this.opts.logger.warn('backups paused: the disk is almost full', {
        freeBytes: after?.freeBytes,
        neededBytes: expectedBytes,
      });
    }
    return !this.paused;
  }
}
