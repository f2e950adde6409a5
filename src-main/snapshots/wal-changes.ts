import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../core/atomic-file';
import { openRaw } from '../db/connection';
import { dbFileIdentity } from '../continuous/file-identity';
import { readWalHeader, scanCommits, type WalPosition } from '../continuous/wal-file';
import { readWalIndexHeader, type WalIndexHeader } from '../continuous/wal-index';
import type { LiveImage } from '../continuous/live-image';

/**
 * When no continuous shipper runs, a snapshot folds the WAL into the file after it stored its
 * point, and records here that it did. From then on every change reaches the WAL first, so the
 * next snapshot hashes only the pages the WAL names (plus those committed between the point and
 * the fold) instead of every page. The record is only a shortcut: whenever anything could have
 * written the file since (another checkpoint, a restore, a WAL reset, a different point), it
 * does not match and the snapshot hashes every page as before.
 */
const recordSchema = z.object({
  v: z.literal(1),
  /** The point the changes are counted from. */
  pointId: z.string(),
  /** The database file right after the fold (size, mtime, inode). */
  identity: z.string(),
  /** The WAL's salts and frame count when it was folded (every frame then was in the file). */
  salt1: z.number().int(),
  salt2: z.number().int(),
  backfilled: z.number().int().min(0),
  /** Pages committed after the point was read but before the fold (they are in the file now). */
  pending: z.array(z.number().int().positive()),
});
type WalChangesRecord = z.infer<typeof recordSchema>;

export function walChangesFile(storeDir: string): string {
  return path.join(path.dirname(storeDir), 'wal-changes.json');
}

function readRecord(storeDir: string): WalChangesRecord | null {
  try {
    const parsed = recordSchema.safeParse(JSON.parse(fs.readFileSync(walChangesFile(storeDir), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Whether every change since the fold is still in a WAL frame, by the WAL index header now. A
 * checkpoint that copies frames raises nBackfill, and it stays raised until the WAL resets; a
 * reset adds one to salt1 (SQLite's walRestartHdr). So either:
 * - the WAL is the one we folded, with nothing more backfilled (frames appended after the fold
 *   are all still only in the WAL); or
 * - it was reset exactly once and nothing was backfilled since, and that reset came first: only
 *   when the fold left frames (`backfilled` > 0) must the first write after it reset the WAL
 *   (RESTART returned with no reader in the WAL). A fold of an empty WAL is followed by writes
 *   under the same salts, which a checkpoint can copy and a later write can then reset: salt1 + 1
 *   proves nothing there.
 */
export function walStillHoldsChanges(
  r: Pick<WalChangesRecord, 'salt1' | 'salt2' | 'backfilled'>,
  idx: WalIndexHeader,
): boolean {
  const sameWal = idx.salt1 === r.salt1 && idx.salt2 === r.salt2 && idx.nBackfill === r.backfilled;
  const resetFirst = r.backfilled > 0 && idx.salt1 === (r.salt1 + 1) >>> 0 && idx.nBackfill === 0;
  return sameWal || resetFirst;
}

/**
 * The pages that may differ from point `previousId` in the pinned image, or undefined when that
 * is not known for certain: the record counts from that point, the file is as the fold left it,
 * and the WAL still holds every change since (walStillHoldsChanges).
 */
export function changesSincePoint(
  storeDir: string,
  previousId: string,
  image: LiveImage,
): ReadonlySet<number> | undefined {
  const r = readRecord(storeDir);
  const idx = image.walIndex;
  if (!r || !idx || r.pointId !== previousId || image.fileIdentity !== r.identity) return undefined;
  if (!walStillHoldsChanges(r, idx)) return undefined;
  return new Set([...r.pending, ...image.walPages]);
}

/** Pages of the frames committed after `from`, or null when the WAL does not continue from it. */
function pagesAfter(dbFile: string, from: WalPosition): { pages: Set<number>; frames: number } | null {
  const idx = readWalIndexHeader(`${dbFile}-shm`);
  if (!idx || idx.salt1 !== from.salt1 || idx.salt2 !== from.salt2 || idx.mxFrame < from.frame) return null;
  const pages = new Set<number>();
  if (idx.mxFrame === from.frame) return { pages, frames: idx.mxFrame };
  const fd = fs.openSync(`${dbFile}-wal`, 'r');
  try {
    const header = readWalHeader(fd);
    if (!header) return null;
    const start = from.frame === 0 ? { ...from, checksum: header.checksum } : from;
    const commits = scanCommits(fd, header, start, idx.mxFrame);
    if (commits.at(-1)?.frameEnd !== idx.mxFrame) return null;
    for (const c of commits) for (const p of c.pages.keys()) pages.add(p);
    return { pages, frames: idx.mxFrame };
  } finally {
    fs.closeSync(fd);
  }
}

export interface FoldedPoint {
  id: string;
  /** Where the point's image stood in the WAL. */
  position: WalPosition | null;
}

/**
 * Folds the WAL into the file (nothing else does when no shipper runs) and records the changes
 * since `point`, when they are known exactly: the frames after the point are scanned first, and
 * the checkpoint must then report folding exactly that many frames, so nothing committed in
 * between goes unseen. RESTART rather than TRUNCATE: it leaves the WAL's salts and size as they
 * were, which is what the next snapshot checks; the next writer resets the WAL, and
 * journal_size_limit keeps its file small.
 */
export function foldWalAfterPoint(
  dbFile: string,
  storeDir: string,
  point: FoldedPoint | null,
  busyTimeoutMs: number,
): void {
  let record: WalChangesRecord | null = null;
  try {
    const db = openRaw(dbFile, { fileMustExist: true });
    try {
      db.pragma(`busy_timeout = ${Math.min(busyTimeoutMs, 2000)}`);
      const after = point?.position ? pagesAfter(dbFile, point.position) : null;
      const [restart] = db.pragma('wal_checkpoint(RESTART)') as { busy: number; log: number }[];
      if (point?.position && after && restart?.busy === 0 && restart.log === after.frames) {
        record = {
          v: 1,
          pointId: point.id,
          identity: dbFileIdentity(dbFile),
          salt1: point.position.salt1,
          salt2: point.position.salt2,
          backfilled: after.frames,
          pending: [...after.pages],
        };
      }
    } finally {
      db.close();
    }
    // Closing the last connection folds and removes the WAL: then the next snapshot cannot tell.
    if (record && dbFileIdentity(dbFile) !== record.identity) record = null;
  } catch {
    // busy or locked: the WAL is folded next time, and without a record every page is hashed
    record = null;
  }
  if (record) writeFileAtomicSync(walChangesFile(storeDir), JSON.stringify(record));
  else fs.rmSync(walChangesFile(storeDir), { force: true });
}
