import fs from 'node:fs';
import { commitTempFileSync, tempPathFor } from '../core/atomic-file';
import { openConnection, type SqliteDatabase } from '../db/connection';
import { ParallelGzipSink, PlainFileSink, type TextSink } from './gzip-writer';

/**
 * The frame every streamed export shares: a read-only connection of its own inside one read
 * transaction (a consistent copy while the app keeps writing), text into a temp file, and an
 * fsync + rename only once all of it is written. A failure leaves no file behind.
 */
export async function writeExportFile<T>(
  dbFile: string,
  outFile: string,
  encoding: 'gzip' | 'plain',
  write: (db: SqliteDatabase, sink: TextSink) => Promise<T>,
): Promise<{ result: T; bytes: number }> {
  const db = openConnection(dbFile, { readonly: true });
  const tmp = tempPathFor(outFile);
  let fd: number | undefined;
  let sink: TextSink | undefined;
  try {
    db.exec('BEGIN');
    fd = fs.openSync(tmp, 'w', 0o600);
    sink = encoding === 'gzip' ? new ParallelGzipSink(fd) : new PlainFileSink(fd);
    const result = await write(db, sink);
    const { bytes } = await sink.finish();
    db.exec('COMMIT');
    fs.closeSync(fd);
    fd = undefined;
    commitTempFileSync(tmp, outFile);
    return { result, bytes };
  } catch (e) {
    sink?.abort();
    throw e;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    db.close();
  }
}
