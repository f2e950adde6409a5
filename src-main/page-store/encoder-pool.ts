import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerScriptPath } from '../core/worker-path';
import type { Dictionary } from './object-codec';
import type { EncodedPage, EncodeReply, EncodeRequest, PageBase } from './page-encoder';

/**
 * Threads that compress a snapshot's new pages while the snapshot thread reads, hashes and writes
 * packs: compressing is most of a full snapshot, and one thread would leave the other core idle.
 */
export class EncoderPool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve(r: EncodeReply): void; reject(e: Error): void }>();
  private seq = 0;
  private next = 0;
  private failure: Error | null = null;

  private constructor(size: number, dict: Dictionary | null) {
    const data = { dict: dict ? { id: new Uint8Array(dict.id), data: new Uint8Array(dict.data) } : null };
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(workerScriptPath('page-encoder'), { workerData: data });
      w.on('message', (m: EncodeReply) => {
        const p = this.waiting.get(m.seq);
        this.waiting.delete(m.seq);
        p?.resolve(m);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`a page encoder thread stopped (exit code ${code})`));
      });
      return w;
    });
  }

  /** As many threads as cores, at most four; null when the worker bundle is missing. */
  static start(dict: Dictionary | null): EncoderPool | null {
    try {
      return new EncoderPool(Math.max(1, Math.min(4, os.availableParallelism())), dict);
    } catch {
      return null;
    }
  }

  /** Encodes one batch (pages back to back, one base or null each), in one of the threads. */
  async encode(pages: Buffer, pageSize: number, bases: (PageBase | null)[]): Promise<EncodedPage[]> {
    if (this.failure) throw this.failure;
    const seq = this.seq++;
    const req: EncodeRequest = { seq, pageSize, pages, bases };
    const reply = await new Promise<EncodeReply>((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.workers[this.next++ % this.workers.length]!.postMessage(req, [pages.buffer as ArrayBuffer]);
    });
    if (reply.error || !reply.records || !reply.lengths || !reply.againstBase)
      throw new Error(reply.error ?? 'a page encoder sent an empty reply');
    const records = Buffer.from(reply.records.buffer, reply.records.byteOffset, reply.records.byteLength);
    const out: EncodedPage[] = [];
    let at = 0;
    for (let i = 0; i < reply.lengths.length; i++) {
      const len = reply.lengths[i]!;
      out.push({ record: records.subarray(at, at + len), againstBase: reply.againstBase[i] === 1 });
      at += len;
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
  }
}
