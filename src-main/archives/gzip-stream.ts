import fs from 'node:fs';
import zlib from 'node:zlib';
import { Gunzip } from 'fflate';
import { StrataError } from '../core/errors';

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;
/** Small reads bound how much one push can inflate to (at most ~1032x), so a bomb is caught early. */
const READ_CHUNK = 64 * 1024;

export interface GunzipTextOptions {
  maxDecompressedBytes: number;
  /** Names the kind of file in messages ("archive", "export"). */
  what: string;
  onText(text: string): void;
  /** Compressed bytes read so far, and the file size. */
  onProgress?(done: number, total: number): void;
}

function corrupt(what: string, detail: string): StrataError {
  return new StrataError('corrupt_file', `The ${what} file is damaged or truncated: ${detail}. Nothing was changed.`);
}

/**
 * Reads a gzip file and hands out its text in order, synchronously (run it in a worker).
 * Refuses: a file that is not gzip, corrupt or truncated data (including a missing trailer,
 * which fflate alone would accept), a CRC or length mismatch in any member, invalid UTF-8, and more decompressed bytes than the cap (stopped as soon as it is crossed).
 */
export function gunzipFileToText(file: string, opts: GunzipTextOptions): { compressedBytes: number; bytes: number } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(2);
    const headRead = fs.readSync(fd, head, 0, 2, 0);
    if (headRead < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
      throw new StrataError(
        'not_gzip',
        `This file is not a gzipped Strata ${opts.what} (it does not start with the gzip signature). Nothing was changed.`,
      );
    }
    if (size < 18) throw corrupt(opts.what, 'the file is too short to be complete');
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let bytes = 0;
    let crc = 0;
    let memberBytes = 0;
    const trailer = Buffer.alloc(8);
    /** Each member ends with CRC-32 and length of its own data; fflate does not check them. */
    const checkTrailer = (end: number) => {
      if (end < 8 || fs.readSync(fd, trailer, 0, 8, end - 8) !== 8)
        throw corrupt(opts.what, 'a gzip trailer is missing');
      if (trailer.readUInt32LE(4) !== memberBytes % 2 ** 32 || trailer.readUInt32LE(0) !== crc >>> 0) {
        throw corrupt(opts.what, 'a gzip checksum does not match the data (cut off or altered)');
      }
      crc = 0;
      memberBytes = 0;
    };
    const gunzip = new Gunzip((chunk) => {
      bytes += chunk.length;
      if (bytes > opts.maxDecompressedBytes) {
        throw new StrataError(
          'too_large',
          `The ${opts.what} unpacks to more than ${opts.maxDecompressedBytes} bytes, the limit for imports ` +
            `(a damaged file or a gzip bomb). Nothing was changed.`,
        );
      }
      crc = zlib.crc32(chunk, crc);
      memberBytes += chunk.length;
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new StrataError('invalid_file', `The ${opts.what} is not valid UTF-8 text. Nothing was changed.`);
      }
      if (text) opts.onText(text);
    });
    // Called when the next member's header is read: the previous member's data is all out.
    gunzip.onmember = (offset) => checkTrailer(offset);
    const buf = Buffer.alloc(READ_CHUNK);
    let offset = 0;
    try {
      while (offset < size) {
        const n = fs.readSync(fd, buf, 0, Math.min(READ_CHUNK, size - offset), offset);
        if (n <= 0) break;
        offset += n;
        // The push copies what it needs, so the read buffer can be reused.
        gunzip.push(buf.subarray(0, n), offset >= size);
        opts.onProgress?.(offset, size);
      }
    } catch (e) {
      // fflate's own errors carry a numeric code; anything else came from a callback.
      if (typeof (e as { code?: unknown })?.code !== 'number') throw e;
      throw corrupt(opts.what, (e as Error).message);
    }
    try {
      const rest = decoder.decode();
      if (rest) opts.onText(rest);
    } catch {
      throw new StrataError('invalid_file', `The ${opts.what} is not valid UTF-8 text. Nothing was changed.`);
    }
    checkTrailer(size);
    return { compressedBytes: size, bytes };
  } finally {
    fs.closeSync(fd);
  }
}

/** Native inflate output per chunk: small enough that a bomb is caught within 256 KiB of the cap. */
const NATIVE_OUT_CHUNK = 256 * 1024;
const NATIVE_READ_CHUNK = 256 * 1024;

/**
 * As gunzipFileToText, with zlib's native inflate (about three times faster than fflate) on a
 * stream, so memory stays bounded by the chunk sizes. zlib itself refuses what the sync reader
 * checks by hand: truncation, a CRC or length mismatch in any member, and data after the last
 * member that is not another member.
 */
export async function gunzipFileToTextStreaming(
  file: string,
  opts: GunzipTextOptions,
): Promise<{ compressedBytes: number; bytes: number }> {
  const fd = fs.openSync(file, 'r');
  let size: number;
  try {
    size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(2);
    const headRead = fs.readSync(fd, head, 0, 2, 0);
    if (headRead < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
      throw new StrataError(
        'not_gzip',
        `This file is not a gzipped Strata ${opts.what} (it does not start with the gzip signature). Nothing was changed.`,
      );
    }
    if (size < 18) throw corrupt(opts.what, 'the file is too short to be complete');
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  const source = fs.createReadStream(file, { fd, highWaterMark: NATIVE_READ_CHUNK });
  const inflate = zlib.createGunzip({ chunkSize: NATIVE_OUT_CHUNK });
  source.on('error', (e) => inflate.destroy(e));
  source.pipe(inflate);
  try {
    // A plain loop, not stream.pipeline: pipeline replaces an error thrown here with AbortError.
    for await (const chunk of inflate as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > opts.maxDecompressedBytes) {
        throw new StrataError(
          'too_large',
          `The ${opts.what} unpacks to more than ${opts.maxDecompressedBytes} bytes, the limit for imports ` +
            `(a damaged file or a gzip bomb). Nothing was changed.`,
        );
      }
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new StrataError('invalid_file', `The ${opts.what} is not valid UTF-8 text. Nothing was changed.`);
      }
      if (text) opts.onText(text);
      // Input zlib has consumed, not what the file stream read ahead.
      opts.onProgress?.(inflate.bytesWritten, size);
    }
  } catch (e) {
    // zlib's own errors carry a Z_* code; anything else came from a callback or the file.
    const code = (e as { code?: unknown })?.code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw corrupt(opts.what, (e as Error).message);
    throw e;
  } finally {
    source.destroy();
    inflate.destroy();
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw new StrataError('invalid_file', `The ${opts.what} is not valid UTF-8 text. Nothing was changed.`);
  }
  if (rest) opts.onText(rest);
  return { compressedBytes: size, bytes };
}
