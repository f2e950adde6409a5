import fs from 'node:fs';
import os from 'node:os';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StrataError } from '../core/errors';
import { diskError, writeAllSync } from '../core/write-all';

const gzipAsync = promisify(zlib.gzip);

/**
 * Members run ahead of the one being awaited; if a later one fails while we wait, its rejection
 * must not count as unhandled (that kills a worker). The caller still sees it when it awaits.
 */
function runAhead<T>(queue: Promise<T>[], job: Promise<T>): void {
  job.catch(() => undefined);
  queue.push(job);
}

/**
 * Snapshot codec "gzip": the file is cut into fixed-size members, each gzipped on its own and
 * concatenated. The result is a standard gzip file (`gunzip` reads it whole), and members are
 * compressed in parallel on libuv's thread pool. gzip rather than brotli or zstd so that any
 * machine's `gunzip` can read a snapshot without Strata. Level 1 was chosen by measurement: on a
 * 64 MiB sample of the demo database level 1 ran at 176 MB/s per core for a 4.49x ratio, level 3
 * at 89 MB/s for 4.77x (see docs/snapshot-format.md and `npm run bench`).
 */
export const GZIP_LEVEL = 1;
export const MEMBER_BYTES = 8 * 1024 * 1024;

export interface CompressResult {
  sha256: string;
  sizeBytes: number;
  /** Compressed size of each member, in order: lets a reader decompress members in parallel. */
  members: number[];
}

export async function compressFileToGzipMembers(
  src: string,
  dst: string,
  opts: { level?: number; memberBytes?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<CompressResult> {
  const memberBytes = opts.memberBytes ?? MEMBER_BYTES;
  const parallel = Math.max(2, Math.min(4, os.availableParallelism?.() ?? 2));
  const fdIn = fs.openSync(src, 'r');
  const fdOut = fs.openSync(dst, 'w', 0o600);
  const hash = crypto.createHash('sha256');
  let written = 0;
  const members: number[] = [];
  try {
    const total = fs.fstatSync(fdIn).size;
    let offset = 0;
    const inflight: Promise<Buffer>[] = [];
    while (offset < total || inflight.length) {
      while (offset < total && inflight.length < parallel) {
        const buf = Buffer.allocUnsafe(Math.min(memberBytes, total - offset));
        const n = fs.readSync(fdIn, buf, 0, buf.length, offset);
        if (n <= 0) throw new StrataError('copy_changed', 'The snapshot copy shrank while it was being compressed.');
        offset += n;
        runAhead(inflight, gzipAsync(buf.subarray(0, n), { level: opts.level ?? GZIP_LEVEL }));
      }
      const out = await inflight.shift()!;
      writeAllSync(fdOut, out);
      hash.update(out);
      written += out.length;
      members.push(out.length);
      opts.onProgress?.(offset - inflight.length * memberBytes, total);
    }
    if (total === 0) {
      // An empty source still yields a valid (empty) gzip member.
      const out = zlib.gzipSync(Buffer.alloc(0));
      writeAllSync(fdOut, out);
      hash.update(out);
      written += out.length;
      members.push(out.length);
    }
    try {
      fs.fsyncSync(fdOut);
    } catch (e) {
      throw diskError(e);
    }
  } finally {
    fs.closeSync(fdIn);
    fs.closeSync(fdOut);
  }
  return { sha256: hash.digest('hex'), sizeBytes: written, members };
}

export interface DecompressResult {
  sha256: string;
  storedBytes: number;
  outputBytes: number;
}

const gunzipAsync = promisify(zlib.gunzip);

/**
 * Decompresses members in parallel when their sizes are known (every snapshot this version
 * writes), hashing the stored bytes as they are read. Falls back to one gunzip stream.
 */
export async function decompressGzipFile(
  src: string,
  dst: string,
  opts: { members?: number[]; maxOutputBytes?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<DecompressResult> {
  const total = fs.statSync(src).size;
  const members = opts.members;
  if (!members || members.reduce((a, b) => a + b, 0) !== total) return decompressGzipStream(src, dst, opts);
  const parallel = Math.max(2, Math.min(4, os.availableParallelism?.() ?? 2));
  const max = opts.maxOutputBytes ?? Number.MAX_SAFE_INTEGER;
  const hash = crypto.createHash('sha256');
  const fdIn = fs.openSync(src, 'r');
  const fdOut = scratch(() => fs.openSync(dst, 'w', 0o600));
  let storedBytes = 0;
  let outputBytes = 0;
  try {
    let next = 0;
    let offset = 0;
    const inflight: Promise<Buffer>[] = [];
    while (next < members.length || inflight.length) {
      while (next < members.length && inflight.length < parallel) {
        const buf = Buffer.allocUnsafe(members[next]!);
        const n = fs.readSync(fdIn, buf, 0, buf.length, offset);
        offset += n;
        storedBytes += n;
        hash.update(buf.subarray(0, n));
        next++;
        runAhead(
          inflight,
          gunzipAsync(buf.subarray(0, n), { maxOutputLength: Math.min(max, 2 ** 31 - 1) }).catch((e: Error) => {
            throw new StrataError('corrupt_snapshot', `The stored snapshot could not be decompressed: ${e.message}`);
          }),
        );
      }
      const out = await inflight.shift()!;
      outputBytes += out.length;
      if (outputBytes > max)
        throw new StrataError('too_large', 'The snapshot decompresses to more than its recorded size.');
      scratch(() => writeAllSync(fdOut, out));
      opts.onProgress?.(storedBytes, total);
    }
    scratch(() => fs.fsyncSync(fdOut));
  } finally {
    fs.closeSync(fdIn);
    fs.closeSync(fdOut);
  }
  return { sha256: hash.digest('hex'), storedBytes, outputBytes };
}

/**
 * Streams a stored file through SHA-256 and gunzip into `dst` (fsynced). The hash covers the
 * stored bytes exactly, so a flipped byte anywhere is caught even where gzip would not notice.
 */
async function decompressGzipStream(
  src: string,
  dst: string,
  opts: { maxOutputBytes?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<DecompressResult> {
  const total = fs.statSync(src).size;
  const hash = crypto.createHash('sha256');
  let storedBytes = 0;
  let outputBytes = 0;
  const max = opts.maxOutputBytes ?? Number.MAX_SAFE_INTEGER;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      storedBytes += chunk.length;
      opts.onProgress?.(storedBytes, total);
      cb(null, chunk);
    },
  });
  const limit = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      outputBytes += chunk.length;
      if (outputBytes > max)
        cb(new StrataError('too_large', 'The snapshot decompresses to more than its recorded size.'));
      else cb(null, chunk);
    },
  });
  const out = fs.createWriteStream(dst, { mode: 0o600 });
  // Errors of the output side say nothing about the stored file: mark them before they mix.
  const outFailed: { e: unknown } = { e: null };
  out.on('error', (e) => (outFailed.e = e));
  try {
    await pipeline(
      fs.createReadStream(src, { highWaterMark: 1 << 20 }),
      tap,
      zlib.createGunzip({ chunkSize: 1 << 20 }),
      limit,
      out,
    );
  } catch (e) {
    if (outFailed.e) throw scratchError(outFailed.e);
    if (e instanceof StrataError) throw e;
    throw new StrataError('corrupt_snapshot', `The stored snapshot could not be decompressed: ${(e as Error).message}`);
  }
  scratch(() => {
    const fd = fs.openSync(dst, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  });
  return { sha256: hash.digest('hex'), storedBytes, outputBytes };
}

/**
 * Failures writing the decompressed copy come from the machine (a full disk, no permission in
 * the scratch folder), not from the snapshot; they must never mark an intact snapshot damaged.
 */
function scratch<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw scratchError(e);
  }
}

function scratchError(e: unknown): StrataError {
  if (e instanceof StrataError && (e.code === 'disk_full' || e.code === 'snapshot_unchecked')) return e;
  const mapped = diskError(e);
  if (mapped instanceof StrataError) return mapped;
  return new StrataError(
    'snapshot_unchecked',
    `The check could not write its scratch copy (${(e as Error).message ?? String(e)}).`,
  );
}

/** SHA-256 and size of a file as it is on disk now (what was listed must be what was written). */
export async function hashFileOnDisk(file: string): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = crypto.createHash('sha256');
  let sizeBytes = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    sizeBytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), sizeBytes };
}
