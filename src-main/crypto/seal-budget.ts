import { StrataError } from '../core/errors';

/**
 * How many AES-GCM encryptions one master's keys have made. With random 96-bit nonces the chance
 * that any two of q encryptions share a nonce is below q² / 2^97, and a shared nonce under one
 * key leaks the XOR of two plaintexts and lets a forger make tags. NIST SP 800-38D caps random
 * nonces at 2^32 encryptions per key (chance 2^-33). We warn far earlier:
 *
 * | count | chance of any repeat | level |
 * |---|---|---|
 * | below 2^28 | below 2^-41 | `ok` |
 * | 2^28 (268 million; about 1 TiB of new 4 KiB pages) | 2^-41 | `rotate_soon`: health suggests rotating the master |
 * | 2^30 | 2^-37 | `rotate_now`: health warns on every check |
 * | 2^32 | 2^-33 | sealing refuses until the master is rotated |
 */
export const SEAL_WARN_AT = 2 ** 28;
export const SEAL_ROTATE_AT = 2 ** 30;
export const SEAL_LIMIT = 2 ** 32;

export type SealLevel = 'ok' | 'rotate_soon' | 'rotate_now';

/** What a sealer reports each encryption to. Synchronous, so sealing stays synchronous. */
export interface SealTally {
  take(n: number): void;
}

/**
 * Where a count lives: the store implements it, for example one small file per writer (kind
 * `state` locally, kind `device` on a shared remote) holding `{ fingerprint, reserved }`. `save`
 * resolves only once the number is durable.
 */
export interface SealCountStore {
  /** The highest reservation saved for this master, 0 when none. */
  load(fingerprint: string): Promise<number>;
  save(fingerprint: string, reserved: number): Promise<void>;
}

export interface SealBudgetOptions {
  /** How far ahead of use a reservation is saved. */
  block?: number;
  /** Encryptions other writers (devices sharing the master) have reported, added to the level. */
  othersCount?: number;
}

/**
 * The count, kept by reservation so that a crash can only over-count: a run starts by counting
 * everything reserved before as used and saving a reservation `block` beyond it before the first
 * encryption; when use comes within half a block of the reservation, the next one is saved in the
 * background. A caller that must be sure (the store, before it commits a manifest) awaits `flush()`,
 * after which every encryption so far is covered by a durable reservation.
 *
 * Threads: a sealer in an encoder thread gets no tally; the thread that hands it a batch of n
 * objects calls `take(n)` first.
 */
export class SealBudget implements SealTally {
  readonly #store: SealCountStore;
  readonly #fingerprint: string;
  readonly #block: number;
  readonly #others: number;
  #used: number;
  #durable: number;
  #target: number;
  #chain: Promise<void> = Promise.resolve();
  #error: unknown = null;

  private constructor(store: SealCountStore, fingerprint: string, used: number, options: SealBudgetOptions) {
    this.#store = store;
    this.#fingerprint = fingerprint;
    this.#block = options.block ?? 2 ** 16;
    this.#others = options.othersCount ?? 0;
    this.#used = used;
    this.#durable = used;
    this.#target = used;
  }

  static async open(store: SealCountStore, fingerprint: string, options: SealBudgetOptions = {}): Promise<SealBudget> {
    const block = options.block ?? 2 ** 16;
    if (!Number.isSafeInteger(block) || block < 2) throw new TypeError('block must be an integer ≥ 2');
    const loaded = await store.load(fingerprint);
    if (!Number.isSafeInteger(loaded) || loaded < 0) {
      throw new StrataError('store_damaged', `the encryption count for key ${fingerprint} is not a count`);
    }
    const budget = new SealBudget(store, fingerprint, loaded, options);
    budget.#schedule();
    await budget.flush();
    return budget;
  }

  /** Encryptions counted for this master by this writer (everything reserved before counts). */
  get count(): number {
    return this.#used;
  }

  /** The reservation known to be durable. */
  get reserved(): number {
    return this.#durable;
  }

  level(): SealLevel {
    const total = this.#used + this.#others;
    if (total >= SEAL_ROTATE_AT) return 'rotate_now';
    if (total >= SEAL_WARN_AT) return 'rotate_soon';
    return 'ok';
  }

  take(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new TypeError('take(n) needs a whole number');
    if (this.#used + this.#others + n > SEAL_LIMIT) {
      throw new StrataError(
        'internal',
        `The store's key has encrypted 2^32 objects, the most one key may safely encrypt. Rotate the master key (strata encryption rotate-master) before writing more.`,
      );
    }
    this.#used += n;
    if (this.#used + this.#block / 2 > this.#target) this.#schedule();
  }

  /** Resolves once every encryption taken so far is inside a durable reservation. */
  async flush(): Promise<void> {
    for (;;) {
      await this.#chain;
      if (this.#error !== null) {
        const e = this.#error;
        this.#error = null;
        throw e;
      }
      if (this.#used <= this.#durable) return;
      this.#schedule();
    }
  }

  #schedule(): void {
    const target = this.#used + this.#block;
    this.#target = target;
    this.#chain = this.#chain.then(async () => {
      if (target <= this.#durable) return;
      try {
        await this.#store.save(this.#fingerprint, target);
        this.#durable = Math.max(this.#durable, target);
      } catch (e) {
        this.#error = e;
        // The next take() tries again rather than trusting a reservation that was never saved.
        this.#target = this.#durable;
      }
    });
  }
}
