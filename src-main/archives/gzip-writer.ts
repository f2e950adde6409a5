import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { Gzip } from 'fflate';
import { StrataError, errorFromPayload } from '../core/errors';
import { workerScriptPath } from '../core/worker-path';

export const ARCHIVE_GZIP_LEVEL = 6;
const BATCH_CHARS = 1024 * 1024;
const MEMBER_CHARS = 4 * 1024 * 1024;

/** Where a streamed export sends its text. */
export interface TextSink {
  write(text: string): void;
  drain(): Promise<void>;
  finish(): Promise<{ bytes: number }>;
  abort(): void;
}

/** Collects small strings into ~1 MiB batches so the per-write cost stays negligible. */
abstract class BatchingSink implements TextSink {
  private parts: string[] = [];
  private chars = 0;
  constructor(private readonly batchChars = BATCH_CHARS) {}
  write(text: string): void {
    this.parts.push(text);
    this.chars += text.length;
    if (this.chars >= this.batchChars) this.flush();
  }
  /** Waits while the output is behind (a no-op for synchronous sinks). */
  async drain(): Promise<void> {}
  protected flush(): void {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.chars = 0;
    this.writeBytes(Buffer.from(text, 'utf8'));
  }
  protected abstract writeBytes(bytes: Uint8Array): void;
  abstract finish(): Promise<{ bytes: number }>;
  abstract abort(): void;
}

/** Plain text straight to a file descriptor (Markdown export). */
export class PlainFileSink extends BatchingSink {
  private bytes = 0;
  constructor(private readonly fd: number) {
    super();
  }
  protected writeBytes(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(this.fd, bytes, off, bytes.length - off);
    this.bytes += bytes.length;
  }
  async finish(): Promise<{ bytes: number }> {
    this.flush();
    return { bytes: this.bytes };
  }
  abort(): void {}
}

/**
 * Gzip on other cores, like `producer | gzip` but with several compressors: text is cut into
 * ~4 MiB batches, each compressed as its own gzip member by a worker thread, and members are
 * written in order (a multi-member gzip file, which every gzip reader accepts). Call
 * `drain()` after writes: it waits while too many batches are in flight, so memory stays flat.
 */
export class ParallelGzipSink extends BatchingSink {
  private readonly workers: Worker[];
  private readonly done = new Map<number, Uint8Array>();
  private sent = 0;
  private nextToWrite = 0;
  private bytes = 0;
  private failure: StrataError | null = null;
  private waiter: (() => void) | null = null;

  constructor(
    private readonly fd: number,
    opts: { level?: number; compressors?: number } = {},
  ) {
    super(MEMBER_CHARS);
    const n = Math.max(1, opts.compressors ?? Math.min(3, Math.max(2, os.availableParallelism())));
    this.workers = Array.from({ length: n }, () => {
      const w = new Worker(workerScriptPath('archive-gzip'), {
        workerData: { level: opts.level ?? ARCHIVE_GZIP_LEVEL },
      });
      w.on('message', (m: { seq: number; data?: Uint8Array; error?: { code: string; message: string } }) => {
        if (m.error) this.fail(errorFromPayload(m.error));
        else this.received(m.seq, m.data!);
      });
      w.on('error', (e) => this.fail(new StrataError('worker_failed', `Compressing failed: ${e.message}`)));
      return w;
    });
  }

  private fail(e: StrataError): void {
    this.failure ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private received(seq: number, member: Uint8Array): void {
    this.done.set(seq, member);
    try {
      for (let m = this.done.get(this.nextToWrite); m; m = this.done.get(this.nextToWrite)) {
        this.done.delete(this.nextToWrite++);
        let off = 0;
        while (off < m.length) off += fs.writeSync(this.fd, m, off, m.length - off);
        this.bytes += m.length;
      }
    } catch (e) {
      this.fail(new StrataError('write_failed', `Writing the export failed: ${(e as Error).message}`));
    }
    this.wake();
  }

  protected writeBytes(bytes: Uint8Array): void {
    if (this.failure) throw this.failure;
    const seq = this.sent++;
    const copy = new Uint8Array(bytes); // a transferable buffer of its own
    this.workers[seq % this.workers.length]!.postMessage({ seq, data: copy }, [copy.buffer]);
  }

  private inFlight(): number {
    return this.sent - this.nextToWrite;
  }

  /** Resolves once fewer than `limit` batches are waiting (default: two per compressor). */
  override async drain(limit = this.workers.length * 2): Promise<void> {
    while (this.inFlight() >= limit && !this.failure) {
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    if (this.failure) throw this.failure;
  }

  async finish(): Promise<{ bytes: number }> {
    try {
      this.flush();
      await this.drain(1);
      return { bytes: this.bytes };
    } finally {
      this.abort();
    }
  }

  abort(): void {
    for (const w of this.workers) void w.terminate();
  }
}

/** Same thread, for small outputs. */
export class InlineGzipSink extends BatchingSink {
  private bytes = 0;
  private readonly gzip: Gzip;
  constructor(
    private readonly fd: number,
    level = ARCHIVE_GZIP_LEVEL,
  ) {
    super();
    this.gzip = new Gzip({ level: level as 6 }, (chunk) => {
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
      this.bytes += chunk.length;
    });
  }
  protected writeBytes(bytes: Uint8Array): void {
    this.gzip.push(bytes, false);
  }
  async finish(): Promise<{ bytes: number }> {
    this.flush();
    this.gzip.push(new Uint8Array(0), true);
    return { bytes: this.bytes };
  }
  abort(): void {}
}
