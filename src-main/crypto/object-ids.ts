import crypto from 'node:crypto';

/**
 * Object ids of an encrypted store: HMAC-SHA256(id key, uncompressed content). A plain store's
 * ids are SHA-256 of the content, so anyone holding a guessed page could confirm the store holds
 * it; under the id key they cannot, and dedup still works within the store and across devices
 * sharing its master.
 */
export const OBJECT_ID_BYTES = 32;

/** One id. */
export function objectId(idKey: Uint8Array | crypto.KeyObject, content: Uint8Array): Buffer {
  return crypto.createHmac('sha256', idKey).update(content).digest();
}

/**
 * Ids for many pages under one key (the key prepared once). Measured against computing HMAC by
 * its definition with two one-shot `crypto.hash` calls over kept buffers, and against an HMAC of
 * the page's SHA-256: `createHmac` per page was as fast or faster in every run
 * (docs/encryption-format.md, "Measured"). Either way an HMAC id costs about two SHA-256 ids on a
 * 4 KiB page: Node's fixed cost per call, not the hashing, is most of it.
 */
export class IdHasher {
  readonly #key: crypto.KeyObject;

  constructor(idKey: Uint8Array) {
    if (idKey.length !== 32) throw new TypeError('the id key is 32 bytes');
    this.#key = crypto.createSecretKey(Buffer.from(idKey));
  }

  /** HMAC-SHA256 of `content`. */
  id(content: Uint8Array): Buffer {
    return objectId(this.#key, content);
  }

  /** Ids of many contents, in order. */
  ids(contents: readonly Uint8Array[]): Buffer[] {
    return contents.map((c) => this.id(c));
  }
}
