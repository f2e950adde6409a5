import crypto from 'node:crypto';

export const NONCE_BYTES = 12;

/** Fills a buffer with random bytes; `crypto.randomFillSync` outside tests. */
export type RandomFill = (buf: Buffer) => void;

const systemFill: RandomFill = (buf) => {
  crypto.randomFillSync(buf);
};

/**
 * Random 96-bit nonces for AES-GCM, drawn from the system CSPRNG in chunks (4,096 nonces, 48 KiB,
 * per refill). Random rather than counted because the same object id may be sealed again with
 * another payload (another codec, a repair copy, another device sharing the master), and a
 * counter would have to be shared by every thread and device to stay unique. A call to
 * `randomBytes(12)` per object costs several microseconds; a slice of the pool costs a copy.
 *
 * Every byte handed out is used once: the pool never rewinds, and a refill overwrites the whole
 * chunk. Each thread (and each sealer) keeps its own pool.
 */
export class NoncePool {
  readonly #chunk: Buffer;
  #at: number;
  readonly #fill: RandomFill;

  constructor(noncesPerRefill = 4096, fill: RandomFill = systemFill) {
    if (!Number.isInteger(noncesPerRefill) || noncesPerRefill < 1) throw new TypeError('noncesPerRefill must be ≥ 1');
    this.#chunk = Buffer.alloc(noncesPerRefill * NONCE_BYTES);
    this.#at = this.#chunk.length;
    this.#fill = fill;
  }

  /** Writes the next nonce into `target` at `offset`. */
  writeNext(target: Buffer, offset: number): void {
    if (this.#at === this.#chunk.length) {
      this.#fill(this.#chunk);
      this.#at = 0;
    }
    this.#chunk.copy(target, offset, this.#at, this.#at + NONCE_BYTES);
    this.#at += NONCE_BYTES;
  }

  /** The next nonce as its own buffer. */
  next(): Buffer {
    const out = Buffer.allocUnsafe(NONCE_BYTES);
    this.writeNext(out, 0);
    return out;
  }
}
