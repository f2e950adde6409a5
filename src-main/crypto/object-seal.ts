import crypto from 'node:crypto';
import { DamagedObjectError } from './errors';
import { NONCE_BYTES, NoncePool } from './nonces';
import { OBJECT_ID_BYTES } from './object-ids';
import type { SealTally } from './seal-budget';

/**
 * Encrypted object records (docs/encryption-format.md, "Objects"). A record keeps the page
 * store's 16-byte header (docs/store-format.md, "Objects") with byte 5, encryption, set to 1 and
 * the stored length counting the sealed payload; the payload is
 *
 *   nonce (12) ‖ AES-256-GCM ciphertext of the codec's payload ‖ tag (16)
 *
 * with the 16 header bytes (as written, byte 5 = 1) followed by the 32-byte object id as
 * associated data. So the codec, the kind and both lengths are authenticated, and a payload moved
 * under another id, or into another record's header, does not open.
 *
 * The sealer works on whole records so it plugs in after the existing codec: `seal` takes the
 * record `encodeObject` made (byte 5 = 0) and `open` gives that record back, for `decodeObject`.
 */
export const OBJECT_HEADER_BYTES = 16;
export const TAG_BYTES = 16;
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;
export const ENCRYPTION_NONE = 0;
export const ENCRYPTION_AES_256_GCM = 1;

const GCM = 'aes-256-gcm';
const MAX_STORED = 0xffffffff;

type Bytes = Uint8Array;

function asBuffer(b: Bytes): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function isObjectHeader(r: Buffer): boolean {
  return r.length >= OBJECT_HEADER_BYTES && r[0] === 0x53 && r[1] === 0x4f && r[2] === 1;
}

/** Whether a record's header says its payload is sealed. */
export function isSealedRecord(record: Bytes): boolean {
  const r = asBuffer(record);
  return isObjectHeader(r) && r[5] === ENCRYPTION_AES_256_GCM;
}

export interface SealerOptions {
  /** Counts each encryption (a `SealBudget`); omit it where the caller counts (encoder threads). */
  tally?: SealTally;
  nonces?: NoncePool;
}

/** The sealed records of one batch: views, back to back, into one allocation (`block`). */
export interface SealedBatch {
  block: Buffer;
  records: Buffer[];
}

/**
 * Seals and opens object records under one data key. Opening always passes `authTagLength: 16`:
 * without it Node's GCM decipher accepts a tag cut to 4 bytes, which a forger can match by trying
 * 2^32 payloads. Not for use from two threads at once (each thread makes its own).
 */
export class ObjectSealer {
  readonly #key: crypto.KeyObject;
  readonly #nonces: NoncePool;
  readonly #tally: SealTally | null;
  readonly #aad = Buffer.alloc(OBJECT_HEADER_BYTES + OBJECT_ID_BYTES);

  constructor(dataKey: Bytes, options: SealerOptions = {}) {
    if (dataKey.length !== 32) throw new TypeError('the data key is 32 bytes');
    this.#key = crypto.createSecretKey(Buffer.from(dataKey));
    this.#nonces = options.nonces ?? new NoncePool();
    this.#tally = options.tally ?? null;
  }

  /** Seals one record made by the codec (byte 5 = 0) stored under `id`. */
  seal(plainRecord: Bytes, id: Bytes): Buffer {
    const plain = asBuffer(plainRecord);
    const payloadLength = checkPlainRecord(plain, id);
    this.#tally?.take(1);
    const out = Buffer.allocUnsafe(OBJECT_HEADER_BYTES + SEAL_OVERHEAD + payloadLength);
    this.#sealInto(plain, id, out);
    return out;
  }

  /**
   * Seals many records with one call to the tally and one allocation for all of them; each
   * record still gets its own nonce and cipher (GCM cannot share either between messages).
   */
  sealBatch(plainRecords: readonly Bytes[], ids: readonly Bytes[]): SealedBatch {
    if (plainRecords.length !== ids.length) throw new TypeError('one id per record');
    let total = 0;
    const plains = plainRecords.map((r, i) => {
      const b = asBuffer(r);
      total += OBJECT_HEADER_BYTES + SEAL_OVERHEAD + checkPlainRecord(b, ids[i]!);
      return b;
    });
    this.#tally?.take(plains.length);
    const block = Buffer.allocUnsafe(total);
    const records: Buffer[] = [];
    let at = 0;
    for (let i = 0; i < plains.length; i++) {
      const plain = plains[i]!;
      const out = block.subarray(at, at + plain.length + SEAL_OVERHEAD);
      this.#sealInto(plain, ids[i]!, out);
      records.push(out);
      at += out.length;
    }
    return { block, records };
  }

  /**
   * Opens a sealed record stored under `id` and gives back the codec's record (byte 5 = 0, the
   * stored length of the plain payload). Anything wrong is a `DamagedObjectError`, never a crash.
   */
  open(sealedRecord: Bytes, id: Bytes): Buffer {
    const rec = asBuffer(sealedRecord);
    if (id.length !== OBJECT_ID_BYTES) throw new TypeError('an object id is 32 bytes');
    if (!isObjectHeader(rec)) throw new DamagedObjectError('not an object header');
    if (rec[5] !== ENCRYPTION_AES_256_GCM) throw new DamagedObjectError(`encryption byte is ${rec[5]}, not 1`);
    const stored = rec.readUInt32LE(12);
    if (stored !== rec.length - OBJECT_HEADER_BYTES) throw new DamagedObjectError('stored length does not match');
    if (stored < SEAL_OVERHEAD) throw new DamagedObjectError('payload is shorter than a nonce and a tag');
    const payloadLength = stored - SEAL_OVERHEAD;
    const nonce = rec.subarray(OBJECT_HEADER_BYTES, OBJECT_HEADER_BYTES + NONCE_BYTES);
    const ctStart = OBJECT_HEADER_BYTES + NONCE_BYTES;
    this.#aad.set(rec.subarray(0, OBJECT_HEADER_BYTES), 0);
    this.#aad.set(id, OBJECT_HEADER_BYTES);
    const out = Buffer.allocUnsafe(OBJECT_HEADER_BYTES + payloadLength);
    try {
      const d = crypto.createDecipheriv(GCM, this.#key, nonce, { authTagLength: TAG_BYTES });
      d.setAAD(this.#aad);
      d.setAuthTag(rec.subarray(ctStart + payloadLength));
      const pt = d.update(rec.subarray(ctStart, ctStart + payloadLength));
      d.final();
      pt.copy(out, OBJECT_HEADER_BYTES);
    } catch {
      throw new DamagedObjectError('it does not authenticate under this key and id');
    }
    rec.copy(out, 0, 0, OBJECT_HEADER_BYTES);
    out[5] = ENCRYPTION_NONE;
    out.writeUInt32LE(payloadLength, 12);
    return out;
  }

  /** Opens many records; a damaged one gives its error in its place instead of failing the rest. */
  openBatch(sealedRecords: readonly Bytes[], ids: readonly Bytes[]): (Buffer | DamagedObjectError)[] {
    if (sealedRecords.length !== ids.length) throw new TypeError('one id per record');
    return sealedRecords.map((r, i) => {
      try {
        return this.open(r, ids[i]!);
      } catch (e) {
        if (e instanceof DamagedObjectError) return e;
        throw e;
      }
    });
  }

  #sealInto(plain: Buffer, id: Bytes, out: Buffer): void {
    const payloadLength = plain.length - OBJECT_HEADER_BYTES;
    plain.copy(out, 0, 0, OBJECT_HEADER_BYTES);
    out[5] = ENCRYPTION_AES_256_GCM;
    out.writeUInt32LE(payloadLength + SEAL_OVERHEAD, 12);
    this.#nonces.writeNext(out, OBJECT_HEADER_BYTES);
    this.#aad.set(out.subarray(0, OBJECT_HEADER_BYTES), 0);
    this.#aad.set(id, OBJECT_HEADER_BYTES);
    const nonce = out.subarray(OBJECT_HEADER_BYTES, OBJECT_HEADER_BYTES + NONCE_BYTES);
    const c = crypto.createCipheriv(GCM, this.#key, nonce, { authTagLength: TAG_BYTES });
    c.setAAD(this.#aad);
    const ct = c.update(plain.subarray(OBJECT_HEADER_BYTES));
    c.final();
    const ctStart = OBJECT_HEADER_BYTES + NONCE_BYTES;
    ct.copy(out, ctStart);
    c.getAuthTag().copy(out, ctStart + payloadLength);
  }
}

/** The payload length of a codec record fit to seal; a caller's mistake is a TypeError. */
function checkPlainRecord(r: Buffer, id: Bytes): number {
  if (id.length !== OBJECT_ID_BYTES) throw new TypeError('an object id is 32 bytes');
  if (!isObjectHeader(r)) throw new TypeError('not an object record');
  if (r[5] !== ENCRYPTION_NONE) throw new TypeError('the record is already sealed');
  const payloadLength = r.readUInt32LE(12);
  if (payloadLength !== r.length - OBJECT_HEADER_BYTES) throw new TypeError('the record length does not match');
  if (payloadLength + SEAL_OVERHEAD > MAX_STORED) throw new TypeError('the record is too large to seal');
  return payloadLength;
}
