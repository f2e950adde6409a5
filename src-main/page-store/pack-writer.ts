import fs from 'node:fs';
import crypto from 'node:crypto';
import { StrataError } from '../core/errors';
import { commitFd, mapWriteError, tempNameIn, writeFully } from './durable-write';
import { encodeTrailer, type PackEntry } from './pack-format';
import { packFile, type StorePaths } from './store-paths';

/** Packs close at about this size: big enough to keep file counts low, small enough to repack cheaply. */
export const PACK_TARGET_BYTES = 4 * 1024 * 1024;
const WRITE_RUN_BYTES = 1024 * 1024;

export interface SealedPack {
  packId: string;
  size: number;
  entries: PackEntry[];
}

/**
 * Appends object records to a temp pack file and seals it: trailer, checksum, fsync, rename to
 * `packs/<2 hex>/<sha256 of the file>.pack`. The name is the hash of the content, so a sealed pack
 * can be checked against its own name and copied anywhere as is.
 */
export class PackWriter {
  private fd: number | null = null;
  private tmp = '';
  private size = 0;
  private entries: PackEntry[] = [];
  private hash = crypto.createHash('sha256');
  /** Records added but not yet written: they end at `size`. */
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly paths: StorePaths) {}

  get bytes(): number {
    return this.size;
  }

  get count(): number {
    return this.entries.length;
  }

  add(id: Buffer, record: Buffer): void {
    if (this.fd === null) {
      fs.mkdirSync(this.paths.packs, { recursive: true });
      this.tmp = tempNameIn(this.paths.packs, 'pack');
      try {
        this.fd = fs.openSync(this.tmp, 'wx', 0o600);
      } catch (e) {
        throw mapWriteError(e);
      }
    }
    this.hash.update(record);
    this.entries.push({ id, offset: this.size, length: record.length });
    this.size += record.length;
    this.buffered.push(record);
    this.bufferedBytes += record.length;
    if (this.bufferedBytes >= WRITE_RUN_BYTES) this.writeBuffered();
  }

  /** One write per run of records: a syscall per 4 KiB record was a tenth of a full snapshot. */
  private writeBuffered(): void {
    if (this.fd === null || this.bufferedBytes === 0) return;
    const run = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered, this.bufferedBytes);
    writeFully(this.fd, run, this.size - this.bufferedBytes);
    this.buffered = [];
    this.bufferedBytes = 0;
  }

  /** Seals the pack (null when nothing was added). After this the writer starts a new pack. */
  seal(): SealedPack | null {
    if (this.fd === null) return null;
    const fd = this.fd;
    const fileHash = this.hash;
    const trailer = encodeTrailer(this.entries, (trailerStart) => {
      // The footer checksum covers objects + entries + the footer's first 12 bytes.
      fileHash.update(trailerStart);
      return fileHash.copy().digest();
    });
    fileHash.update(trailer.subarray(trailer.length - 32));
    const packId = fileHash.digest('hex');
    const sealed: SealedPack = { packId, size: this.size + trailer.length, entries: this.entries };
    try {
      this.writeBuffered();
      writeFully(fd, trailer, this.size);
    } catch (e) {
      this.abandon();
      throw e;
    }
    this.fd = null;
    const target = packFile(this.paths, packId);
    commitFd(fd, this.tmp, target);
    this.reset();
    // What a point will reference is read back and hashed from the file, not from our buffers.
    const onDisk = fs.readFileSync(target);
    if (onDisk.length !== sealed.size || crypto.createHash('sha256').update(onDisk).digest('hex') !== packId) {
      fs.rmSync(target, { force: true });
      throw new StrataError('write_failed', 'A backup pack did not read back as written; nothing was committed.');
    }
    return sealed;
  }

  /** Drops the unsealed pack (on an error or an aborted write). */
  abandon(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      fs.rmSync(this.tmp, { force: true });
    }
    this.fd = null;
    this.reset();
  }

  private reset(): void {
    this.buffered = [];
    this.bufferedBytes = 0;
    this.size = 0;
    this.entries = [];
    this.hash = crypto.createHash('sha256');
  }
}
