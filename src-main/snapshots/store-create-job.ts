import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../core/errors';
import { tempPathFor } from '../core/atomic-file';
import { diskError } from '../core/write-all';
import { openRaw, type SqliteDatabase } from '../db/connection';
import { checkIntegrity, summarizeDatabase, type DatabaseSummary } from '../db/online-copy';
import { PageStore, pagesOfFile, type PageSource } from '../page-store';
import { acceptLiveFds } from '../continuous/held-fd';
import { ImageMovedError, openLiveImage, type LiveImage } from '../continuous/live-image';
import type { WalPosition } from '../continuous/wal-file';
import { checkImageInThread, type ImageCheckReply } from './image-check';
import { metaForNewPoint, type NewPointMeta } from './manifest-entry';
import { changesSincePoint, foldWalAfterPoint } from './wal-changes';
import type { Progress } from './materialise-job';

/** Work that runs inside the snapshot worker thread: one new point in the page store. */
export interface StoreCreateJob {
  op: 'store-create';
  dbFile: string;
  /** The source is a closed, private file (a restore's old database): store it as it is. */
  staticSource?: boolean;
  /** Descriptors of the live file and its -shm, lent by the main thread (see held-fd.ts). */
  liveFds?: Record<string, number>;
  /**
   * No shipper runs on this folder: fold the WAL in after the point is stored, or nothing ever
   * would, and count the changes the next point needs to read from the WAL (wal-changes.ts).
   */
  foldWal?: boolean;
  storeDir: string;
  /** Where a private copy goes if the live image cannot be pinned (a writer that never pauses). */
  scratchDir: string;
  id: string;
  createdAt: string;
  point: NewPointMeta;
  busyTimeoutMs?: number;
}

export interface StoreCreateOutcome {
  summary: DatabaseSummary;
  method: 'live' | 'backup' | 'static';
  /** The WAL frame the point was read at (live reads only): continuous shipping goes on from it. */
  position: WalPosition | null;
  pagesHashed: number;
  newObjects: number;
  newBytes: number;
  /** quick_check ran in its own thread beside the storing (else on the pinning connection). */
  checkedBeside: boolean;
}

interface CheckedSource {
  pages: PageSource;
  /** null while the check of a live image still runs beside the storing (`check`). */
  summary: DatabaseSummary | null;
  check?: Promise<ImageCheckReply | null>;
  method: StoreCreateOutcome['method'];
  position?: WalPosition | null;
  /** The pinned live image (live reads only). */
  image?: LiveImage;
}

/** quick_check and the counts, on the connection that pins the image the pages come from. */
function checkAndSummarise(db: SqliteDatabase): DatabaseSummary {
  const problems = checkIntegrity(db, 'quick_check');
  if (problems.length) throw checkFailed(problems);
  return summarizeDatabase(db);
}

function checkFailed(problems: string[]): StrataError {
  return new StrataError(
    'snapshot_check_failed',
    `The database failed quick_check, so no snapshot was stored: ${problems.slice(0, 3).join('; ')}`,
  );
}

/** The pages of `pageCount` only: the file may be longer than the image it holds (never shorter). */
function firstPages(src: PageSource, pageCount: number): PageSource {
  if (pageCount > src.pageCount) {
    src.close();
    throw new StrataError('snapshot_check_failed', `The database file is shorter than its ${pageCount} pages.`);
  }
  return { ...src, pageCount, readPage: (n) => src.readPage(n), close: () => src.close() };
}

/**
 * The live database's own pages under one read transaction, from its file and its WAL, with no
 * copy and no checkpoint (continuous protection owns checkpoints). The check and the counts run
 * on the very connection that pins the image.
 */
async function liveSource(job: StoreCreateJob, busyTimeoutMs: number): Promise<CheckedSource | null> {
  let image: LiveImage;
  try {
    image = await openLiveImage(job.dbFile, busyTimeoutMs);
  } catch (e) {
    if (e instanceof ImageMovedError) return null;
    throw e;
  }
  try {
    // The check runs beside the storing when a second connection can pin this same image.
    const check = image.walIndex
      ? checkImageInThread(job.dbFile, job.liveFds, image.walIndex, busyTimeoutMs)
      : Promise.resolve(null);
    return {
      pages: firstPages(image.pages, image.pages.pageCount),
      summary: null,
      check,
      method: 'live',
      position: image.position,
      image,
    };
  } catch (e) {
    image.close();
    throw e;
  }
}

/**
 * The check and counts of a live image: the check thread's answer, or (when it could not pin the
 * same image) quick_check on the connection that pins it. A failed check stores nothing: the
 * manifest is never written, and the objects already packed wait for GC.
 */
async function settleCheck(source: CheckedSource): Promise<{ summary: DatabaseSummary; beside: boolean }> {
  if (source.summary) return { summary: source.summary, beside: false };
  const reply = await source.check;
  if (reply?.ok) {
    if (reply.problems.length) throw checkFailed(reply.problems);
    return { summary: reply.summary, beside: true };
  }
  return { summary: checkAndSummarise(source.image!.db), beside: false };
}

/** One backup step copies every page under one read transaction into a private file. */
async function backupSource(job: StoreCreateJob, busyTimeoutMs: number): Promise<CheckedSource> {
  fs.mkdirSync(job.scratchDir, { recursive: true, mode: 0o700 });
  const copy = tempPathFor(path.join(job.scratchDir, `${job.id}.pages.db`));
  const cleanup = () => {
    for (const f of [copy, `${copy}-journal`, `${copy}-wal`, `${copy}-shm`]) fs.rmSync(f, { force: true });
  };
  try {
    const live = openRaw(job.dbFile, { readonly: true });
    try {
      live.pragma(`busy_timeout = ${busyTimeoutMs}`);
      await live.backup(copy, { progress: () => 0x7fffffff });
    } finally {
      live.close();
    }
    const db = openRaw(copy, { readonly: true });
    let summary: DatabaseSummary;
    try {
      summary = checkAndSummarise(db);
    } finally {
      db.close();
    }
    return { pages: firstPages(pagesOfFile(copy, cleanup), summary.pageCount), summary, method: 'backup' };
  } catch (e) {
    cleanup();
    throw e;
  }
}

function staticSource(file: string): CheckedSource {
  const db = openRaw(file, { readonly: true });
  let summary: DatabaseSummary;
  try {
    summary = checkAndSummarise(db);
  } finally {
    db.close();
  }
  return { pages: firstPages(pagesOfFile(file), summary.pageCount), summary, method: 'static' };
}

/**
 * Reads one consistent image of the database, checks it (quick_check on the very image stored),
 * stores its new pages (each pack is read back from disk and hashed before it counts), then
 * commits the manifest: the point is listed only once all of that succeeded.
 */
export async function createStorePoint(job: StoreCreateJob, progress: Progress): Promise<StoreCreateOutcome> {
  const busy = job.busyTimeoutMs ?? 10_000;
  progress('copy', 0, 1);
  let source: CheckedSource;
  acceptLiveFds(job.liveFds);
  try {
    if (job.staticSource) source = staticSource(job.dbFile);
    else source = (await liveSource(job, busy)) ?? (await backupSource(job, busy));
  } catch (e) {
    throw diskError(e);
  }
  try {
    const store = PageStore.open(job.storeDir);
    const previous = store.listManifests().manifests.at(-1);
    progress('store', 0, source.pages.pageCount);
    const writer = await store.beginWrite(`snapshot ${job.id}`, { timeoutMs: 120_000 });
    try {
      // With no shipper, the WAL holds every change since the last fold: only its pages are read.
      const changedPages =
        job.foldWal && previous && source.image
          ? changesSincePoint(job.storeDir, previous.id, source.image)
          : undefined;
      const stored = await writer.putPages(source.pages, {
        ...(previous ? { previous } : {}),
        ...(changedPages ? { changedPages } : {}),
      });
      const { summary, beside } = await settleCheck(source);
      progress('commit', source.pages.pageCount, source.pages.pageCount);
      writer.commitManifest(stored, {
        id: job.id,
        createdAt: job.createdAt,
        meta: metaForNewPoint(job.point, summary, stored.newBytes),
      });
      store.readManifest(job.id); // read back: the listed point parses and its checksum holds
      if (job.foldWal) {
        // Our read transaction ends first: a checkpoint cannot fold frames a reader still uses.
        source.pages.close();
        foldWalAfterPoint(
          job.dbFile,
          job.storeDir,
          source.method === 'live' ? { id: job.id, position: source.position ?? null } : null,
          busy,
        );
      }
      return {
        summary,
        method: source.method,
        position: source.position ?? null,
        pagesHashed: stored.pagesHashed,
        newObjects: stored.newObjects,
        newBytes: stored.newBytes,
        checkedBeside: beside,
      };
    } finally {
      writer.close();
    }
  } catch (e) {
    throw diskError(e);
  } finally {
    source.pages.close();
  }
}
