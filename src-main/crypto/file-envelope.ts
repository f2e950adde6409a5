import crypto from 'node:crypto';
import { DamagedFileError } from './errors';
import { FINGERPRINT_BYTES, type StoreKeys } from './key-derivation';
import { NONCE_BYTES, NoncePool } from './nonces';
import type { SealTally } from './seal-budget';

/**
 * The envelope for whole files that are not object records: manifests, index files, segment
 * footers, generation records, WAL-change records, anything else that carries content or
 * metadata (docs/encryption-format.md, "Sealed files").
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 4 | magic `STSF` |
 * | 4 | 1 | envelope version, `1` |
 * | 5 | 1 | algorithm: `1` = AES-256-GCM under the file key |
 * | 6 | 2 | reserved, `0` |
 * | 8 | 8 | fingerprint of the master whose file key sealed it |
 * | 16 | 12 | nonce |
 * | 28 | n | ciphertext |
 * | 28 + n | 16 | tag |
 *
 * Associated data: the first 16 bytes, then the UTF-8 bytes of `JSON.stringify([kind, name])`:
 * the file's kind and its name within that kind. A manifest copied over another manifest's name,
 * a segment footer put in another segment, or an index file presented as a manifest does not open.
 */
export const ENVELOPE_MAGIC = Buffer.from('STSF', 'latin1');
export const ENVELOPE_VERSION = 1;
export const ENVELOPE_AES_256_GCM = 1;
export const ENVELOPE_HEADER_BYTES = 16;
const TAG_BYTES = 16;
export const ENVELOPE_OVERHEAD = ENVELOPE_HEADER_BYTES + NONCE_BYTES + TAG_BYTES;

/** Which file an envelope holds: the storage kind (`manifest`, `index`, ...) and its name there. */
export interface FileContext {
  kind: string;
  name: string;
}

function contextBytes(c: FileContext): Buffer {
  return Buffer.from(JSON.stringify([c.kind, c.name]), 'utf8');
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Whether `bytes` start like an envelope (a plain file of an older store does not). */
export function isSealedFile(bytes: Uint8Array): boolean {
  const b = asBuffer(bytes);
  return b.length >= ENVELOPE_OVERHEAD && b.subarray(0, 4).equals(ENVELOPE_MAGIC);
}

/** The fingerprint of the master an envelope names, or null when it is not an envelope. */
export function sealedFileFingerprint(bytes: Uint8Array): string | null {
  const b = asBuffer(bytes);
  return isSealedFile(b) ? b.subarray(8, 8 + FINGERPRINT_BYTES).toString('hex') : null;
}

export interface FileSealerOptions {
  tally?: SealTally;
  nonces?: NoncePool;
}

/** Seals and opens envelopes under one master's file key. */
export class FileSealer {
  readonly #key: crypto.KeyObject;
  readonly #header: Buffer;
  readonly #fingerprint: string;
  readonly #nonces: NoncePool;
  readonly #tally: SealTally | null;

  constructor(keys: Pick<StoreKeys, 'fileKey' | 'fingerprint'>, options: FileSealerOptions = {}) {
    this.#key = crypto.createSecretKey(Buffer.from(keys.fileKey));
    this.#fingerprint = keys.fingerprint;
    this.#header = Buffer.alloc(ENVELOPE_HEADER_BYTES);
    ENVELOPE_MAGIC.copy(this.#header, 0);
    this.#header[4] = ENVELOPE_VERSION;
    this.#header[5] = ENVELOPE_AES_256_GCM;
    Buffer.from(keys.fingerprint, 'hex').copy(this.#header, 8);
    this.#nonces = options.nonces ?? new NoncePool(64);
    this.#tally = options.tally ?? null;
  }

  seal(context: FileContext, plain: Uint8Array): Buffer {
    this.#tally?.take(1);
    const out = Buffer.allocUnsafe(ENVELOPE_OVERHEAD + plain.length);
    this.#header.copy(out, 0);
    this.#nonces.writeNext(out, ENVELOPE_HEADER_BYTES);
    const c = crypto.createCipheriv(
      'aes-256-gcm',
      this.#key,
      out.subarray(ENVELOPE_HEADER_BYTES, ENVELOPE_HEADER_BYTES + NONCE_BYTES),
      { authTagLength: TAG_BYTES },
    );
    c.setAAD(Buffer.concat([this.#header, contextBytes(context)]));
    const ct = c.update(plain);
    c.final();
    ct.copy(out, ENVELOPE_HEADER_BYTES + NONCE_BYTES);
    c.getAuthTag().copy(out, out.length - TAG_BYTES);
    return out;
  }

  /** The plain bytes, or a `DamagedFileError` naming the file; never a crash. */
  open(context: FileContext, sealed: Uint8Array): Buffer {
    const b = asBuffer(sealed);
    const damaged = (reason: string) => new DamagedFileError(context.kind, context.name, reason);
    if (!isSealedFile(b)) throw damaged('it is not a sealed file');
    if (b[4] !== ENVELOPE_VERSION) throw damaged(`envelope version ${b[4]} is not one this build reads`);
    if (b[5] !== ENVELOPE_AES_256_GCM || b[6] !== 0 || b[7] !== 0) throw damaged('unknown algorithm or flags');
    const fingerprint = b.subarray(8, 16).toString('hex');
    if (fingerprint !== this.#fingerprint) {
      throw damaged(`it was sealed under master ${fingerprint}, not this store's ${this.#fingerprint}`);
    }
    const ctEnd = b.length - TAG_BYTES;
    try {
      const d = crypto.createDecipheriv(
        'aes-256-gcm',
        this.#key,
        b.subarray(ENVELOPE_HEADER_BYTES, ENVELOPE_HEADER_BYTES + NONCE_BYTES),
        { authTagLength: TAG_BYTES },
      );
      d.setAAD(Buffer.concat([b.subarray(0, ENVELOPE_HEADER_BYTES), contextBytes(context)]));
      d.setAuthTag(b.subarray(ctEnd));
      const pt = d.update(b.subarray(ENVELOPE_HEADER_BYTES + NONCE_BYTES, ctEnd));
      d.final();
      return pt;
    } catch {
      throw damaged('it does not authenticate as this file (changed, cut, or put under another name)');
    }
  }
}
