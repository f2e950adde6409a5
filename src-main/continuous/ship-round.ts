import fs from 'node:fs';
import { segmentFile } from './generations';
import { encodeSegment, writeSegment, type NewCommit } from './segment-file';
import { readFramePage, readWalHeader, scanCommits, type WalHeader, type WalPosition } from './wal-file';
import type { GapReason } from './generations';

/** A reason to end the generation: something could hide a commit from the record. */
export class GapError extends Error {
  constructor(
    readonly reason: GapReason,
    message: string,
  ) {
    super(message);
  }
}

export interface RoundInput {
  dbFile: string;
  storeDir: string;
  generation: string;
  seq: number;
  from: WalPosition;
  /** SQLite's count of committed frames: the round must end exactly there, on a commit frame. */
  mxFrame: number;
  at: number;
  maxRoundPages: number;
}

export interface RoundOutput {
  end: WalPosition;
  commits: number;
  bytes: number;
  /** Whether the round reached the WAL index's frame count (else more rounds follow at once). */
  complete: boolean;
}

/**
 * One round: the committed frames after `from`, checked frame by frame against the salts and the
 * running checksum, written as one segment (temp file, fsync, rename, fsync of the folder).
 */
export function shipRound(r: RoundInput): RoundOutput {
  const walFd = fs.openSync(`${r.dbFile}-wal`, 'r');
  try {
    const header = readWalHeader(walFd);
    if (!header) throw new GapError('frames-missed', 'The WAL header does not check out.');
    // At the start of a cycle the running checksum is the header's own.
    const from = r.from.frame === 0 ? { ...r.from, checksum: header.checksum } : r.from;
    const scanned = scanCommits(walFd, header, from, r.mxFrame);
    if (scanned.at(-1)?.frameEnd !== r.mxFrame)
      throw new GapError('frames-missed', 'WAL frames did not check out against their checksums.');
    // One round holds at most `maxRoundPages` page images (memory stays bounded after a stall); the
    // rest waits for the next round. A single transaction bigger than that is not shipped at all.
    const biggest = Math.max(...scanned.map((c) => c.pages.size));
    if (biggest > r.maxRoundPages)
      throw new GapError('frames-missed', `A transaction of ${biggest} pages is taken as a new full point.`);
    let pages = 0;
    let take = 0;
    while (take < scanned.length && pages + scanned[take]!.pages.size <= r.maxRoundPages)
      pages += scanned[take++]!.pages.size;
    const chosen = scanned.slice(0, take);
    const commits: NewCommit[] = chosen.map((c) => ({
      at: r.at,
      frame: c.frameEnd,
      dbPages: c.dbPages,
      pages: new Map([...c.pages].map(([pgno, frame]) => [pgno, readFramePage(walFd, frame, header.pageSize)])),
    }));
    const last = chosen.at(-1)!;
    const end: WalPosition = { salt1: from.salt1, salt2: from.salt2, frame: last.frameEnd, checksum: last.checksum };
    const bytes = encodeSegment(
      { generation: r.generation, first: r.seq, last: r.seq, pageSize: header.pageSize, end },
      commits,
    );
    writeSegment(segmentFile(r.storeDir, r.generation, r.seq, r.seq), bytes);
    return { end, commits: commits.length, bytes: bytes.length, complete: take === scanned.length };
  } finally {
    fs.closeSync(walFd);
  }
}

/** The WAL's header, or null while there is none (an empty or missing WAL). */
export function currentWalHeader(dbFile: string): WalHeader | null {
  let fd: number;
  try {
    fd = fs.openSync(`${dbFile}-wal`, 'r');
  } catch {
    return null;
  }
  try {
    return readWalHeader(fd);
  } finally {
    fs.closeSync(fd);
  }
}
