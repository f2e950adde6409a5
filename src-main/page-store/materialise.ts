import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../core/errors';
import { commitFd, mapWriteError, tempNameIn, writeFully } from './durable-write';
import { sha256 } from './object-codec';
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

  /** True when `bytes` are page `pgno` of this point: their SHA-256 is the page's id. */
  holds(pgno: number, bytes: Uint8Array): boolean {
    const id = this.ids[pgno - 1];
    return id !== undefined && bytes.length === this.manifest.pageSize && sha256(bytes).toString('hex') === id;
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
  /**
   * A file that probably holds many of the point's pages at their own page numbers (the live
   * database, when a recent point is restored), read through a descriptor the caller keeps open.
   * A page whose bytes there hash to the page's id is taken from it instead of being inflated
   * from the store: by that hash it is the same page. Any other page, or a read that fails or
   * comes up short, is read from the store as usual.
   */
  sameAs?: number;
}

/** Reads the batch's range of `fd` into `into`; how many bytes came (0 when it cannot be read). */
function readAlongside(fd: number | undefined, into: Buffer, position: number): number {
  if (fd === undefined) return 0;
  let done = 0;
  try {
    while (done < into.length) {
      const n = fs.readSync(fd, into, done, into.length - done, position + done);
      if (n === 0) break;
      done += n;
    }
  } catch {
    // unreadable there: every page of the batch comes from the store
  }
  return done;
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
      const slice = batch.subarray(0, n * pageSize);
      const got = readAlongside(opts.sameAs, slice, (first - 1) * pageSize);
      for (let i = 0; i < n; i++) {
        const at = i * pageSize;
        if (at + pageSize <= got && points.holds(first + i, slice.subarray(at, at + pageSize))) continue;
        points.readPage(first + i).copy(batch, at);
      }
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
