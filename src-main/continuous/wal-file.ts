import fs from 'node:fs';

/**
 * Reading a SQLite WAL file as SQLite itself would after a crash: a 32-byte header, then frames
 * of a 24-byte header plus one page. Every frame carries the header's two salts and a checksum
 * that runs on from the previous frame's, so the first frame whose salts or checksum disagree
 * ends the log (it is a leftover of an earlier cycle, or half written). Only frames up to the
 * last commit frame (one that records the database size) are committed.
 * See https://www.sqlite.org/fileformat.html#the_write_ahead_log
 */

export const WAL_HEADER_BYTES = 32;
export const FRAME_HEADER_BYTES = 24;
const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;

export interface WalHeader {
  pageSize: number;
  checkpointSeq: number;
  salt1: number;
  salt2: number;
  bigEndian: boolean;
  /** The checksum of the header, which the first frame's checksum runs on from. */
  checksum: [number, number];
}

/** Where a reader stands in one WAL cycle: after `frame` frames, with the running checksum there. */
export interface WalPosition {
  salt1: number;
  salt2: number;
  frame: number;
  checksum: [number, number];
}

export interface WalCommit {
  /** The commit frame's number (from 1): the frames up to it are this transaction's and all before. */
  frameEnd: number;
  /** The database's size in pages after this commit. */
  dbPages: number;
  /** Each page the transaction wrote, with the number of the frame holding its last image. */
  pages: Map<number, number>;
  checksum: [number, number];
}

export function readWalHeader(fd: number): WalHeader | null {
  const buf = Buffer.alloc(WAL_HEADER_BYTES);
  if (fs.readSync(fd, buf, 0, WAL_HEADER_BYTES, 0) < WAL_HEADER_BYTES) return null;
  const magic = buf.readUInt32BE(0);
  if (magic !== MAGIC_LE && magic !== MAGIC_BE) return null;
  const bigEndian = magic === MAGIC_BE;
  const pageSize = buf.readUInt32BE(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return null;
  const sum = walChecksum(buf.subarray(0, 24), bigEndian, [0, 0]);
  if (sum[0] !== buf.readUInt32BE(24) || sum[1] !== buf.readUInt32BE(28)) return null;
  return {
    pageSize,
    checkpointSeq: buf.readUInt32BE(12),
    salt1: buf.readUInt32BE(16),
    salt2: buf.readUInt32BE(20),
    bigEndian,
    checksum: sum,
  };
}

/** SQLite's WAL checksum: pairs of 32-bit words, in the byte order the magic number names. */
export function walChecksum(data: Buffer, bigEndian: boolean, start: [number, number]): [number, number] {
  let s0 = start[0];
  let s1 = start[1];
  const n = data.length & ~7;
  if (bigEndian) {
    for (let i = 0; i < n; i += 8) {
      s0 = (s0 + data.readUInt32BE(i) + s1) >>> 0;
      s1 = (s1 + data.readUInt32BE(i + 4) + s0) >>> 0;
    }
  } else {
    for (let i = 0; i < n; i += 8) {
      s0 = (s0 + data.readUInt32LE(i) + s1) >>> 0;
      s1 = (s1 + data.readUInt32LE(i + 4) + s0) >>> 0;
    }
  }
  return [s0, s1];
}

export function frameOffset(frame: number, pageSize: number): number {
  return WAL_HEADER_BYTES + (frame - 1) * (FRAME_HEADER_BYTES + pageSize);
}

export function startOf(header: WalHeader): WalPosition {
  return { salt1: header.salt1, salt2: header.salt2, frame: 0, checksum: header.checksum };
}

/** Frames read per system call while scanning. */
const FRAMES_PER_READ = 64;

/**
 * The committed transactions after `from`, read from the file and checked frame by frame.
 * Stops at the first frame that does not belong (wrong salts or checksum) or at `maxFrame`
 * (SQLite's own count of committed frames, when known). Frames after the last commit frame are
 * left for the next scan.
 */
export function scanCommits(fd: number, header: WalHeader, from: WalPosition, maxFrame = Infinity): WalCommit[] {
  if (from.salt1 !== header.salt1 || from.salt2 !== header.salt2) return [];
  const frameBytes = FRAME_HEADER_BYTES + header.pageSize;
  const commits: WalCommit[] = [];
  let pending = new Map<number, number>();
  let sum = from.checksum;
  let frame = from.frame;
  const buf = Buffer.allocUnsafe(frameBytes * FRAMES_PER_READ);
  for (;;) {
    const want = Math.min(FRAMES_PER_READ, maxFrame - frame);
    if (want <= 0) break;
    const got = fs.readSync(fd, buf, 0, want * frameBytes, frameOffset(frame + 1, header.pageSize));
    const whole = Math.floor(got / frameBytes);
    let ok = true;
    for (let i = 0; i < whole; i++) {
      const f = buf.subarray(i * frameBytes, (i + 1) * frameBytes);
      if (f.readUInt32BE(8) !== header.salt1 || f.readUInt32BE(12) !== header.salt2) {
        ok = false;
        break;
      }
      let s = walChecksum(f.subarray(0, 8), header.bigEndian, sum);
      s = walChecksum(f.subarray(FRAME_HEADER_BYTES), header.bigEndian, s);
      if (s[0] !== f.readUInt32BE(16) || s[1] !== f.readUInt32BE(20)) {
        ok = false;
        break;
      }
      sum = s;
      frame++;
      const pgno = f.readUInt32BE(0);
      if (pgno === 0) {
        ok = false;
        break;
      }
      pending.set(pgno, frame);
      const dbPages = f.readUInt32BE(4);
      if (dbPages > 0) {
        commits.push({ frameEnd: frame, dbPages, pages: pending, checksum: sum });
        pending = new Map();
      }
    }
    if (!ok || whole < want) break;
  }
  return commits;
}

/** The page image a frame holds. */
export function readFramePage(fd: number, frame: number, pageSize: number): Buffer {
  const page = Buffer.allocUnsafe(pageSize);
  const at = frameOffset(frame, pageSize) + FRAME_HEADER_BYTES;
  if (fs.readSync(fd, page, 0, pageSize, at) !== pageSize) throw new Error(`WAL frame ${frame} is cut short.`);
  return page;
}
