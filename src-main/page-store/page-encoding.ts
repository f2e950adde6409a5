import { EncoderPool } from './encoder-pool';
import { encodePage, type EncodedPage, type PageBase } from './page-encoder';
import { ObjectKind, type Dictionary } from './object-codec';
import type { PageSource } from './page-source';
import type { StoredPages } from './store-writer';

/** Pages per batch sent to an encoder thread. */
const BATCH_PAGES = 256;
/**
 * Batches encoding at once; past this the oldest is awaited and written. Enough that the threads
 * keep working while this one waits for a pack's fsync and read-back (with 4 they ran dry).
 */
const MAX_IN_FLIGHT = 12;
/**
 * Threads start with the first full batch: a point with fewer new pages than that is compressed
 * here sooner than a thread starts.
 */
const POOL_AFTER_PAGES = BATCH_PAGES;

const NO_DEPS: readonly string[] = [];

/** What the encoding needs from the write session. */
export interface EncodingContext {
  readonly dict: Dictionary | null;
  /** Objects this session wrote, with the bases each was stored against. */
  readonly written: Map<string, readonly string[]>;
  store(id: Buffer, kind: number, content: Buffer, result: StoredPages, encoded?: Buffer): void;
}

/** A new page stored against a base: whether the delta was kept is known once it is encoded. */
export class PendingPage {
  deps: readonly string[] | null = null;
  constructor(
    readonly id: Buffer,
    readonly hex: string,
    /** A view of its batch's slab: unusable once the slab went to an encoder thread. */
    readonly page: Buffer,
    readonly pgno: number,
    readonly base: (PageBase & { hex: string }) | null,
  ) {}
}

/**
 * New pages of one point, compressed in batches (in encoder threads when there are many) and
 * written to packs in the order they were asked for, so a point's packs do not depend on timing.
 */
export class PageEncoding {
  private slab: Buffer;
  private batch: PendingPage[] = [];
  private readonly queue: { items: PendingPage[]; done: Promise<{ encoded: EncodedPage[]; inThread: boolean }> }[] = [];
  /** Asked for, not yet written: a second page with the same content waits for the first. */
  private readonly scheduled = new Map<string, PendingPage>();
  private pool: EncoderPool | null = null;
  private poolTried = false;
  private closing = false;
  private asked = 0;
  private readonly pageSize: number;

  constructor(
    private readonly w: EncodingContext,
    private readonly result: StoredPages,
    private readonly source: PageSource,
    private readonly threads = true,
  ) {
    this.pageSize = source.pageSize;
    this.slab = Buffer.allocUnsafeSlow(BATCH_PAGES * this.pageSize);
  }

  /** Asked for and not yet written. */
  scheduledPage(hex: string): PendingPage | undefined {
    return this.scheduled.get(hex);
  }

  /**
   * Schedules a new page. Returns its dependencies when they are known now (no base: none), or
   * the pending page, whose `deps` are set once it is written.
   */
  add(
    id: Buffer,
    hex: string,
    page: Buffer,
    pgno: number,
    base: (PageBase & { hex: string }) | null,
  ): readonly string[] | PendingPage {
    const at = this.batch.length * this.pageSize;
    page.copy(this.slab, at);
    const item = new PendingPage(id, hex, this.slab.subarray(at, at + this.pageSize), pgno, base);
    this.batch.push(item);
    this.scheduled.set(hex, item);
    return base ? item : NO_DEPS;
  }

  get batchFull(): boolean {
    return this.batch.length >= BATCH_PAGES;
  }

  /** Sends the current batch off; waits for (and writes) the oldest ones past the in-flight limit. */
  async dispatch(): Promise<void> {
    if (this.batch.length === 0) return;
    const items = this.batch;
    const slab = this.slab;
    this.batch = [];
    this.slab = Buffer.allocUnsafeSlow(BATCH_PAGES * this.pageSize);
    this.asked += items.length;
    if (this.threads && !this.poolTried && this.asked >= POOL_AFTER_PAGES) {
      this.poolTried = true;
      this.pool = EncoderPool.start(this.w.dict);
    }
    let done: Promise<{ encoded: EncodedPage[]; inThread: boolean }>;
    if (this.pool) {
      // The slab itself travels, uncopied. A thread that fails leaves its batch to this one,
      // which reads those pages again: the snapshot does not depend on threads.
      const pages = slab.subarray(0, items.length * this.pageSize);
      const bases = items.map((it) => it.base);
      done = this.pool.encode(pages, this.pageSize, bases).then(
        (encoded) => ({ encoded, inThread: true }),
        // Once closing (the point failed), abandoned batches are not encoded again.
        () => ({ encoded: this.closing ? [] : this.inline(items, true), inThread: false }),
      );
    } else {
      done = Promise.resolve({ encoded: this.inline(items), inThread: false });
    }
    // Awaited in writeOldest; a batch left behind by a failed point must not be an unhandled rejection.
    done.catch(() => undefined);
    this.queue.push({ items, done });
    while (this.queue.length > MAX_IN_FLIGHT) await this.writeOldest();
  }

  /** Encodes and writes everything asked for. */
  async finish(): Promise<void> {
    await this.dispatch();
    while (this.queue.length) await this.writeOldest();
  }

  async close(): Promise<void> {
    this.closing = true;
    const pool = this.pool;
    this.pool = null;
    await pool?.close();
  }

  private inline(items: PendingPage[], reread = false): EncodedPage[] {
    const dict = this.w.dict ?? undefined;
    return items.map((it) => encodePage(reread ? this.source.readPage(it.pgno) : it.page, dict, it.base));
  }

  private async writeOldest(): Promise<void> {
    const head = this.queue.shift()!;
    const { encoded, inThread } = await head.done;
    if (inThread) this.result.encodedInThreads += head.items.length;
    head.items.forEach((it, i) => {
      const e = encoded[i]!;
      it.deps = e.againstBase && it.base ? [it.base.hex] : NO_DEPS;
      this.w.store(it.id, ObjectKind.page, it.page, this.result, e.record);
      this.w.written.set(it.hex, it.deps);
      this.scheduled.delete(it.hex);
    });
  }
}
