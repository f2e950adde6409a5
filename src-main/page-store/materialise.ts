import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../core/errors';
import { commitFd, mapWriteError, tempNameIn, writeFully } from './durable-write';
import type { ObjectReader } from './object-reader';
import { PointResolver } from './point-pages';
import type { Manifest } from './manifest';

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The ordered page ids of a point, read from its page-list objects (each checked against its hash). */
export function pageIdsOf(manifest: Manifest, reader: ObjectReader): string[] {
  return new PointResolver(reader).pages(manifest).ids;
}

/** Random access to one point's pages, for readers that want pages rather than a whole file. */
export class PointPages {
  constructor(
    readonly manifest: Manifest,
    private readonly ids: string[],
    private readonly reader: ObjectReader,
  ) {}

  get pageCount(): number {
    return this.manifest.pageCount;
  }

  /** Page `pgno` (from 1), its hash checked. */
  readPage(pgno: number): Buffer {
    const id = this.ids[pgno - 1];
    if (!id) throw new RangeError(`page ${pgno} out of range`);
    const page = this.reader.read(id);
    if (page.length !== this.manifest.pageSize) throw new StrataError('corrupt', `Page ${pgno} has the wrong size.`);
    return page;
  }
}

/** Pages written per write call: 1 MiB of a 4 KiB-page database. */
const BATCH_PAGES = 256;

export interface MaterialiseOptions {
  /**
   * false for a private scratch copy that is used and deleted within one operation (a restore's
   * source): a crash throws it away anyway, so its bytes need not reach the disk.
   */
  durable?: boolean;
}

/**
 * Writes a point as a plain SQLite file: every page read and checked against its hash, into a
 * temp file beside `outFile`, fsynced (unless not durable), then renamed. A failure leaves
 * `outFile` as it was.
 */
export async function materialisePoint(
  points: PointPages,
  outFile: string,
  opts: MaterialiseOptions = {},
): Promise<{ bytes: number }> {
  const { pageSize, pageCount } = points.manifest;
  const dir = path.dirname(path.resolve(outFile));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = tempNameIn(dir, path.basename(outFile));
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'wx', 0o600);
  } catch (e) {
    throw mapWriteError(e);
  }
  try {
    const batch = Buffer.allocUnsafe(BATCH_PAGES * pageSize);
    for (let first = 1; first <= pageCount; first += BATCH_PAGES) {
      const n = Math.min(BATCH_PAGES, pageCount - first + 1);
      for (let i = 0; i < n; i++) points.readPage(first + i).copy(batch, i * pageSize);
      writeFully(fd, batch.subarray(0, n * pageSize), (first - 1) * pageSize);
      await yieldToLoop();
    }
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  if (opts.durable === false) {
    fs.closeSync(fd);
    try {
      fs.renameSync(tmp, outFile);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw mapWriteError(e);
    }
  } else commitFd(fd, tmp, outFile);
  return { bytes: pageCount * pageSize };
}
