import fs from 'node:fs';
import { StrataError } from '../core/errors';
import { readFully } from './durable-write';

/** The pages of one consistent database image, numbered from 1 as SQLite numbers them. */
export interface PageSource {
  readonly pageSize: number;
  readonly pageCount: number;
  readPage(pgno: number): Buffer;
  close(): void;
}

/** The page size a SQLite header records (bytes 16–17; the value 1 means 65536). */
export function pageSizeFromHeader(header: Buffer): number {
  if (header.length < 100 || header.subarray(0, 16).toString('latin1') !== 'SQLite format 3\u0000') {
    throw new StrataError('invalid_file', 'The file is not a SQLite database.');
  }
  const raw = header.readUInt16BE(16);
  return raw === 1 ? 65536 : raw;
}

/** How much is read at once: whole runs of pages, not one syscall per page. */
const READ_AHEAD_BYTES = 1024 * 1024;

/**
 * Pages of a SQLite file that nothing writes while it is read (a private copy, or the live file
 * while a read transaction pins it). Reads ahead in 1 MiB runs since pages are mostly read in order.
 */
export function pagesOfFile(file: string, onClose?: () => void): PageSource {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const pageSize = pageSizeFromHeader(readFully(fd, 100, 0));
    if (size % pageSize !== 0)
      throw new StrataError('invalid_file', 'The database file is not a whole number of pages.');
    const pageCount = size / pageSize;
    const perRun = Math.max(1, Math.floor(READ_AHEAD_BYTES / pageSize));
    let runStart = 0;
    let run: Buffer = Buffer.alloc(0);
    let closed = false;
    return {
      pageSize,
      pageCount,
      readPage(pgno: number): Buffer {
        if (pgno < 1 || pgno > pageCount) throw new RangeError(`page ${pgno} out of range`);
        const at = pgno - runStart;
        if (runStart === 0 || at < 0 || at >= run.length / pageSize) {
          runStart = pgno;
          run = readFully(fd, Math.min(perRun, pageCount - pgno + 1) * pageSize, (pgno - 1) * pageSize);
        }
        const off = (pgno - runStart) * pageSize;
        if (off + pageSize > run.length) throw new StrataError('invalid_file', 'The database file ended early.');
        return run.subarray(off, off + pageSize);
      },
      close() {
        if (closed) return;
        closed = true;
        fs.closeSync(fd);
        onClose?.();
      },
    };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** Pages held in memory (tests, and WAL frames already read). */
export function pagesOfBuffers(pages: readonly Buffer[]): PageSource {
  const pageSize = pages[0]?.length ?? 4096;
  if (pages.some((p) => p.length !== pageSize)) throw new StrataError('invalid_input', 'All pages must be one size.');
  return {
    pageSize,
    pageCount: pages.length,
    readPage: (pgno) => {
      const p = pages[pgno - 1];
      if (!p) throw new RangeError(`page ${pgno} out of range`);
      return p;
    },
    close() {},
  };
}
