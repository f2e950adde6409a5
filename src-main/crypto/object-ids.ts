import crypto from 'node:crypto';

/**
 * Object ids of an encrypted store: HMAC-SHA256(id key, uncompressed content). A plain store's
 * ids are SHA-256 of the content, so anyone holding a guessed page could confirm the store holds
 * it; under the id key they cannot, and dedup still works within the store and across devices
 * sharing its master.
 */
export const OBJECT_ID_BYTES = 32;

const BLOCK = 64; // SHA-256's block size

/** One id, the plain way. */
export function objectId(idKey: Uint8Array, content: Uint8Array): Buffer {
  return crypto.createHmac('sha256', idKey).update(content).digest();
}

/**
 * The fast path, for hashing every page of a snapshot: HMAC computed by its definition,
 * H((K ^ opad) || H((K ^ ipad) || m)), with two one-shot `crypto.hash` calls over buffers kept
 * between calls. `createHmac` builds a new object per page and costs more than the hashing of a
 * 4 KiB page itself (figures in docs/encryption-format.md, "Measured"). Not for use from two
 * threads at once (each thread makes its own).
 */
export class IdHasher {
  readonly #inner: Buffer;
  readonly #outer: Buffer;
  #scratch: Buffer;

  constructor(idKey: Uint8Array, expectedSize = 4096) {
    if (idKey.length !== 32) throw new TypeError('the id key is 32 bytes');
    const ipad = Buffer.alloc(BLOCK, 0x36);
    const opad = Buffer.alloc(BLOCK, 0x5c);
    for (let i = 0; i < idKey.length; i++) {
      ipad[i]! ^= idKey[i]!;
      opad[i]! ^= idKey[i]!;
    }
    this.#inner = ipad;
    this.#outer = Buffer.alloc(BLOCK + 32);
    opad.copy(this.#outer, 0);
    this.#scratch = Buffer.alloc(BLOCK + expectedSize);
    ipad.copy(this.#scratch, 0);
  }

  /** HMAC-SHA256 of `content`: the same bytes `objectId` gives. */
  id(content: Uint8Array): Buffer {
    const need = BLOCK + content.length;
    if (this.#scratch.length < need) {
      this.#scratch = Buffer.alloc(need);
      this.#inner.copy(this.#scratch, 0);
    }
    this.#scratch.set(content, BLOCK);
    const inner = crypto.hash('sha256', this.#scratch.subarray(0, need), 'buffer');
    this.#outer.set(inner, BLOCK);
    return crypto.hash('sha256', this.#outer, 'buffer');
  }

  /** Ids of many contents, in order. */
  ids(contents: readonly Uint8Array[]): Buffer[] {
    return contents.map((c) => this.id(c));
  }
}
