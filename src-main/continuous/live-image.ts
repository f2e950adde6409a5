import fs from 'node:fs';
import { openRaw, type SqliteDatabase } from '../db/connection';
import { readFully } from '../page-store/durable-write';
import { pageSizeFromHeader, type PageSource } from '../page-store/page-source';
import { heldFd } from './held-fd';
import { readFramePage, readWalHeader, scanCommits, type WalPosition } from './wal-file';
import { readWalIndexHeader, sameWalIndex, type WalIndexHeader } from './wal-index';
import { dbFileIdentity } from './file-identity';

/**
 * One consistent image of the live database, read without copying it and without a checkpoint:
 * the database file, with the newest image of each page that the WAL holds up to the frame our
 * read transaction sees. `position` is that frame, so WAL frames after it are exactly what
 * happened since (continuous protection starts shipping there).
 *
 * Why it is safe: while our read transaction uses WAL frames up to `M`, no checkpoint copies a
 * frame after `M` into the file and nobody can restart the WAL. A checkpoint may still copy
 * frames up to `M`, but only into pages we take from the WAL anyway. When the file already holds
 * every frame up to `M` we read the file alone: then our transaction uses no frame, and no
 * checkpoint may touch the file at all while we read.
 */
export interface LiveImage {
  pages: PageSource;
  /** null when the database has no WAL in use (a rollback-journal file, or nobody has it open). */
  position: WalPosition | null;
  /** The connection whose read transaction pins the image (for checks and counts on it). */
  db: SqliteDatabase;
  /** Every page a committed frame of the WAL names, up to `position`: what changed since the WAL began. */
  walPages: ReadonlySet<number>;
  /** The database file's identity (dbFileIdentity) once the image was pinned. */
  fileIdentity: string;
  /** The WAL index header the image was pinned at (null when no WAL is in use). */
  walIndex: WalIndexHeader | null;
  close(): void;
}

function walIsEmpty(dbFile: string): boolean {
  try {
    return fs.statSync(`${dbFile}-wal`).size === 0;
  } catch {
    return true;
  }
}

export class ImageMovedError extends Error {}

const READ_AHEAD_PAGES = 256;

function tryOpen(dbFile: string, busyTimeoutMs: number): LiveImage {
  const db = openRaw(dbFile, { readonly: true });
  const fds: number[] = [];
  let done = false;
  const close = () => {
    if (done) return;
    done = true;
    for (const fd of fds) fs.closeSync(fd);
    try {
      if (db.inTransaction) db.exec('COMMIT');
    } finally {
      db.close();
    }
  };
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // One read first attaches us to the WAL index, so the header read next exists and is no newer
    // than the snapshot our transaction takes after it.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    if (heldFd(`${dbFile}-shm`) === null && !walIsEmpty(dbFile))
      throw new ImageMovedError('No descriptor of the WAL index was lent to this thread.');
    const before = readWalIndexHeader(`${dbFile}-shm`);
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    const after = readWalIndexHeader(`${dbFile}-shm`);
    const noWal = !before && !after && walIsEmpty(dbFile);
    if (!noWal && !sameWalIndex(before, after))
      throw new ImageMovedError('A commit landed while the image was pinned.');
    const idx: WalIndexHeader = after ?? { mxFrame: 0, nPage: 0, salt1: 0, salt2: 0, nBackfill: 0 };
    const pageCount = db.pragma('page_count', { simple: true }) as number;
    const dbFd = heldFd(dbFile);
    if (dbFd === null) throw new ImageMovedError('No descriptor of the live file was lent to this thread.');
    const pageSize = pageSizeFromHeader(readFully(dbFd, 100, 0));
    const overlay = new Map<number, number>();
    const walPages = new Set<number>();
    let walFd = -1;
    let position: WalPosition = { salt1: idx.salt1, salt2: idx.salt2, frame: 0, checksum: [0, 0] };
    if (idx.mxFrame > 0) {
      walFd = fs.openSync(`${dbFile}-wal`, 'r');
      fds.push(walFd);
      const header = readWalHeader(walFd);
      if (!header || header.salt1 !== idx.salt1 || header.salt2 !== idx.salt2)
        throw new ImageMovedError('The WAL header does not match its index.');
      const commits = scanCommits(walFd, header, { ...position, checksum: header.checksum }, idx.mxFrame);
      const last = commits.at(-1);
      if (!last || last.frameEnd !== idx.mxFrame) throw new ImageMovedError('The WAL does not reach its index.');
      position = { ...position, frame: last.frameEnd, checksum: last.checksum };
      for (const c of commits) for (const pgno of c.pages.keys()) walPages.add(pgno);
      if (idx.nBackfill < idx.mxFrame) {
        for (const c of commits) for (const [pgno, frame] of c.pages) overlay.set(pgno, frame);
      }
    } else {
      const wal = fs.existsSync(`${dbFile}-wal`) ? fs.openSync(`${dbFile}-wal`, 'r') : -1;
      if (wal >= 0) {
        const header = readWalHeader(wal);
        fs.closeSync(wal);
        if (header && header.salt1 === idx.salt1 && header.salt2 === idx.salt2) position.checksum = header.checksum;
      }
    }
    const fileSize = fs.fstatSync(dbFd).size;
    let runStart = 0;
    let run: Buffer = Buffer.alloc(0);
    const pages: PageSource = {
      pageSize,
      pageCount,
      readPage(pgno) {
        if (pgno < 1 || pgno > pageCount) throw new RangeError(`page ${pgno} out of range`);
        const frame = overlay.get(pgno);
        if (frame !== undefined) return readFramePage(walFd, frame, pageSize);
        if (pgno * pageSize > fileSize) throw new Error(`Page ${pgno} is neither in the file nor in the WAL.`);
        const at = pgno - runStart;
        if (runStart === 0 || at < 0 || at >= run.length / pageSize) {
          runStart = pgno;
          const n = Math.min(READ_AHEAD_PAGES, Math.floor(fileSize / pageSize) - pgno + 1);
          run = readFully(dbFd, n * pageSize, (pgno - 1) * pageSize);
        }
        const off = (pgno - runStart) * pageSize;
        return run.subarray(off, off + pageSize);
      },
      close,
    };
    const walIndex = noWal ? null : idx;
    return {
      pages,
      position: noWal ? null : position,
      db,
      walPages,
      walIndex,
      fileIdentity: dbFileIdentity(dbFile),
      close,
    };
  } catch (e) {
    close();
    throw e;
  }
}

/**
 * Retries while commits keep landing between the two looks at the WAL index (each try takes
 * well under a millisecond, so a busy writer rarely needs more than a few).
 */
export async function openLiveImage(dbFile: string, busyTimeoutMs = 10_000, attempts = 200): Promise<LiveImage> {
  for (let i = 1; ; i++) {
    try {
      return tryOpen(dbFile, busyTimeoutMs);
    } catch (e) {
      if (!(e instanceof ImageMovedError) || i >= attempts || /lent/.test(e.message)) throw e;
      await new Promise((r) => setTimeout(r, Math.min(20, i)));
    }
  }
}
