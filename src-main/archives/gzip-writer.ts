import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Gzip } from 'fflate';
import { StrataError } from '../core/errors';
import { workerScriptPath } from '../core/worker-path';

export const ARCHIVE_GZIP_LEVEL = 6;
const BATCH_CHARS = 1024 * 1024;
const MAX_IN_FLIGHT = 8;

/** Where a streamed export sends its text. */
export interface TextSink {
  write(text: string): void;
  finish(): Promise<{ bytes: number }>;
  abort(): void;
}

/** Collects small strings into ~1 MiB batches so the per-write cost stays negligible. */
abstract class BatchingSink implements TextSink {
  private parts: string[] = [];
  private chars = 0;
  write(text: string): void {
    this.parts.push(text);
    this.chars += text.length;
    if (this.chars >= BATCH_CHARS) this.flush();
  }
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
 * Gzip through a second worker thread, like `producer | gzip`: building JSON and compressing
 * run on separate cores. A shared counter bounds the batches in flight, so memory stays flat
 * however fast the producer is.
 */
export class PipelinedGzipSink extends BatchingSink {
  private readonly worker: Worker;
  /** [0] batches consumed by the compressor, [1] 1 when the compressor failed. */
  private readonly shared = new Int32Array(new SharedArrayBuffer(8));
  private sent = 0;
  private readonly outcome: Promise<{ bytes: number }>;
  private failure: StrataError | null = null;

  constructor(fd: number, level = ARCHIVE_GZIP_LEVEL) {
    super();
    this.worker = new Worker(workerScriptPath('archive-gzip'), {
      workerData: { fd, level, shared: this.shared },
    });
    this.outcome = new Promise((resolve, reject) => {
      this.worker.on('message', (m: { type: 'done'; bytes: number } | { type: 'error'; code: string; message: string }) => {
        if (m.type === 'done') resolve({ bytes: m.bytes });
        else reject((this.failure = new StrataError(m.code, m.message)));
      });
      this.worker.on('error', (e) => reject((this.failure = new StrataError('worker_failed', e.message))));
      this.worker.on('exit', (code) =>
        reject((this.failure ??= new StrataError('worker_failed', `The compressor stopped (exit ${code}).`))),
      );
    });
    this.outcome.catch(() => undefined);
  }

  protected writeBytes(bytes: Uint8Array): void {
    while (this.sent - Atomics.load(this.shared, 0) >= MAX_IN_FLIGHT) {
      if (Atomics.load(this.shared, 1) === 1) throw new StrataError('write_failed', 'Compressing the export failed.');
      Atomics.wait(this.shared, 0, Atomics.load(this.shared, 0), 200);
    }
    if (Atomics.load(this.shared, 1) === 1) throw new StrataError('write_failed', 'Compressing the export failed.');
    const copy = new Uint8Array(bytes); // a transferable buffer of its own
    this.worker.postMessage({ type: 'chunk', data: copy }, [copy.buffer]);
    this.sent++;
  }

  async finish(): Promise<{ bytes: number }> {
    this.flush();
    this.worker.postMessage({ type: 'end' });
    try {
      return await this.outcome;
    } finally {
      await this.worker.terminate();
    }
  }

  abort(): void {
    void this.worker.terminate();
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
