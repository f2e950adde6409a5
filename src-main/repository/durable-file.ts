import fs from 'node:fs';
import path from 'node:path';
import {
  abandonFdSync,
  commitFdSync,
  diskError,
  openTempSync,
  readFully,
  writeAllSync,
  type CommitOptions,
} from './durable-write';

/**
 * A file written in pieces under a hidden temp name and put in place whole when it is done (a
 * pack while its objects arrive; a restored database while its pages are written). Until
 * `commit`, nothing exists under the final name; `abandon` leaves nothing at all.
 */
export class DurableFile {
  private fd: number | null;
  private written = 0;

  private constructor(
    fd: number,
    readonly tempPath: string,
    private target: string,
  ) {
    this.fd = fd;
  }

  /** A new empty temp file beside `target` (which is what `commit` will name it by default). */
  static beside(target: string): DurableFile {
    const { fd, tmp } = openTempSync(target);
    return new DurableFile(fd, tmp, target);
  }

  /** Bytes up to the furthest write. */
  get size(): number {
    return this.written;
  }

  write(data: Uint8Array, position: number = this.written): void {
    writeAllSync(this.open(), data, position);
    this.written = Math.max(this.written, position + data.length);
  }

  read(length: number, position: number): Buffer {
    return readFully(this.open(), length, position);
  }

  /** The size of the file as it stands (a library may have written it through its own path). */
  statSize(): number {
    const size = fs.fstatSync(this.open()).size;
    this.written = Math.max(this.written, size);
    return size;
  }

  truncate(length: number): void {
    try {
      fs.ftruncateSync(this.open(), length);
    } catch (e) {
      throw diskError(e);
    }
    this.written = length;
  }

  /** fsync, then the temp file becomes `target` (or the file named at creation). */
  commit(target: string = this.target, opts: CommitOptions = {}): void {
    const fd = this.open();
    this.fd = null;
    commitFdSync(fd, this.tempPath, path.resolve(target), opts);
  }

  /** Closes and removes the temp file; safe to call after a commit or twice. */
  abandon(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    abandonFdSync(fd, this.tempPath);
  }

  private open(): number {
    if (this.fd === null) throw new Error('this file was already committed or abandoned');
    return this.fd;
  }
}
