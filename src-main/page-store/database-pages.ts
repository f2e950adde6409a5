import fs from 'node:fs';
import path from 'node:path';
import { openRaw, type SqliteDatabase } from '../db/connection';
import { tempNameIn } from './durable-write';
import { pagesOfFile, type PageSource } from './page-source';

export interface DatabasePagesOptions {
  /**
   * `direct`: read the database file itself under a held read transaction (needs an empty WAL);
   * `backup`: SQLite's online backup API into a private file, then read that;
   * `auto` (default): direct when the WAL is empty, backup otherwise.
   */
  method?: 'auto' | 'direct' | 'backup';
  /** Folder for the backup method's private copy (default: beside the database). */
  scratchDir?: string;
  nativeBinding?: string;
}

export type DatabasePages = PageSource & { method: 'direct' | 'backup' };

function walIsEmpty(dbFile: string): boolean {
  try {
    return fs.statSync(`${dbFile}-wal`).size === 0;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * The pages of the live database exactly as SQLite sees them under one read transaction.
 * (`sqlite_dbpage` would be the ideal reader, but better-sqlite3's SQLite is built without it.)
 *
 * Direct: once our read transaction has started, an empty WAL proves our snapshot uses no WAL
 * frame. A reader on no frame holds WAL read-lock 0, and no checkpoint may write into the database
 * file while anyone holds it; writers only append to the WAL. So the file's first `page_count`
 * pages are our snapshot and stay so until we end the transaction. If the WAL was not empty
 * (it cannot be truncated under a reader that uses its frames), `auto` falls back to backup.
 */
export async function readDatabasePages(dbFile: string, opts: DatabasePagesOptions = {}): Promise<DatabasePages> {
  const method = opts.method ?? 'auto';
  if (method !== 'backup') {
    const direct = tryDirect(dbFile, opts, method === 'direct');
    if (direct) return direct;
  }
  return viaBackup(dbFile, opts);
}

function tryDirect(dbFile: string, opts: DatabasePagesOptions, required: boolean): DatabasePages | null {
  const db = openRaw(dbFile, { readonly: true, ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}) });
  let handedOver = false;
  try {
    db.pragma('busy_timeout = 5000');
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    if (!walIsEmpty(dbFile)) {
      if (required) throw new Error('The WAL holds frames, so the file alone is not the current state.');
      return null;
    }
    const pageCount = db.pragma('page_count', { simple: true }) as number;
    const file = pagesOfFile(dbFile, () => endRead(db));
    handedOver = true;
    const pages = trimmed(file, pageCount);
    return Object.assign(pages, { method: 'direct' as const });
  } finally {
    if (!handedOver) endRead(db);
  }
}

function endRead(db: SqliteDatabase): void {
  try {
    if (db.inTransaction) db.exec('COMMIT');
  } finally {
    db.close();
  }
}

/** The snapshot's own page count: the file may hold more pages than the snapshot (never fewer). */
function trimmed(src: PageSource, pageCount: number): PageSource {
  if (pageCount > src.pageCount) {
    src.close();
    throw new Error(`The database file holds ${src.pageCount} pages, its header says ${pageCount}.`);
  }
  return {
    pageSize: src.pageSize,
    pageCount,
    readPage: (pgno) => {
      if (pgno > pageCount) throw new RangeError(`page ${pgno} out of range`);
      return src.readPage(pgno);
    },
    close: () => src.close(),
  };
}

/** One backup step copies every page under a single read transaction: a consistent image. */
async function viaBackup(dbFile: string, opts: DatabasePagesOptions): Promise<DatabasePages> {
  const dir = opts.scratchDir ?? path.dirname(dbFile);
  fs.mkdirSync(dir, { recursive: true });
  const copy = tempNameIn(dir, `${path.basename(dbFile)}.pages`);
  const db = openRaw(dbFile, { readonly: true, ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}) });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(copy, { progress: () => 0x7fffffff });
  } catch (e) {
    fs.rmSync(copy, { force: true });
    throw e;
  } finally {
    db.close();
  }
  for (const side of ['-wal', '-shm', '-journal']) fs.rmSync(copy + side, { force: true });
  const pages = pagesOfFile(copy, () => fs.rmSync(copy, { force: true }));
  return Object.assign(pages, { method: 'backup' as const });
}
