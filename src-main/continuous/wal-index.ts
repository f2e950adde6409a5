import fs from 'node:fs';
import os from 'node:os';
import { heldFd } from './held-fd';

/**
 * The header of SQLite's WAL index (the `-shm` file), read without a connection. It says how
 * many frames are committed (`mxFrame`), the current salts, and how many frames a checkpoint has
 * copied into the database (`nBackfill`). SQLite keeps two copies of the header and writes them
 * in opposite orders; equal copies mean we did not catch a writer half way. The fields are in
 * the machine's byte order. See sqlite's wal.c, "WalIndexHdr" and "WalCkptInfo".
 */
export interface WalIndexHeader {
  mxFrame: number;
  nPage: number;
  salt1: number;
  salt2: number;
  nBackfill: number;
}

const HDR_BYTES = 48;
const CKPT_INFO_AT = 2 * HDR_BYTES;

/** The same committed frame and salts: a read transaction begun under either sees the same image. */
export function sameWalIndex(a: WalIndexHeader | null, b: WalIndexHeader | null): boolean {
  return !!a && !!b && a.mxFrame === b.mxFrame && a.salt1 === b.salt1 && a.salt2 === b.salt2;
}

export function readWalIndexHeader(shmFile: string): WalIndexHeader | null {
  const fd = heldFd(shmFile);
  if (fd === null) return null;
  {
    const le = os.endianness() === 'LE';
    const buf = Buffer.alloc(CKPT_INFO_AT + 8);
    for (let attempt = 0; attempt < 50; attempt++) {
      const got = fs.readSync(fd, buf, 0, buf.length, 0);
      if (got < buf.length) return null;
      const a = buf.subarray(0, HDR_BYTES);
      const b = buf.subarray(HDR_BYTES, 2 * HDR_BYTES);
      const isInit = a[12] === 1;
      if (!a.equals(b) || !isInit) continue;
      const u32 = (off: number) => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
      // The salts are copied from the WAL header as bytes, so they read big-endian like it.
      return {
        mxFrame: u32(16),
        nPage: u32(20),
        salt1: buf.readUInt32BE(32),
        salt2: buf.readUInt32BE(36),
        nBackfill: u32(CKPT_INFO_AT),
      };
    }
    return null;
  }
}
