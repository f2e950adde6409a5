import crypto from 'node:crypto';

/**
 * The key hierarchy (docs/encryption-format.md, "Keys"): one random 256-bit master secret per
 * store, and from it, with HKDF-SHA256 (empty salt, the label below as `info`), one key per job.
 * Nothing ever encrypts or authenticates with the master itself, and no two jobs share a key:
 *
 * - `data`: AES-256-GCM for object records. Its invocation count is what the nonce budget
 *   (seal-budget.ts) watches.
 * - `objectId`: HMAC-SHA256 object ids. Ids are public (pack trailers, page lists, index files,
 *   a remote's listing), so the id key must not be a key that also encrypts.
 * - `file`: AES-256-GCM for whole files (manifests, index files, segment footers, generation
 *   records...). Kept apart from `data` so an object record can never be opened as a file or the
 *   other way round, whatever their associated data, and so each key's count stays its own.
 * - `config`: HMAC-SHA256 over the store's config, which must stay readable without the key (it
 *   says the store is encrypted and which master it expects). Without a tag, whoever can write the
 *   folder could flip the config to "not encrypted" and have the next writer store plain pages (the
 *   Litestream #790 failure, caused on purpose), or swap in another master's fingerprint.
 * - `fingerprint`: 8 bytes that name a master in public (key files, envelopes, the config) so a
 *   reader can tell "another master" from "damaged", and a count file names its key. Derived, so it
 *   says nothing about the master.
 * - `names` is reserved: HMAC of file names, for a later format that hides the times and tiers
 *   a manifest's name shows today (docs/security.md).
 */
export const KEY_LABELS = {
  data: 'strata/v1 data key aes-256-gcm',
  objectId: 'strata/v1 object id key hmac-sha256',
  file: 'strata/v1 file key aes-256-gcm',
  config: 'strata/v1 config key hmac-sha256',
  fingerprint: 'strata/v1 master fingerprint',
  names: 'strata/v1 name key hmac-sha256',
} as const;

export const MASTER_BYTES = 32;
export const FINGERPRINT_BYTES = 8;

const REDACTED = Symbol.for('nodejs.util.inspect.custom');

/** HKDF-SHA256 with an empty salt and `info` = the label's UTF-8 bytes. */
export function hkdf(ikm: Uint8Array, label: string, length: number, salt: Uint8Array = Buffer.alloc(0)): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from(label, 'utf8'), length));
}

/** The master's public name: 16 hex characters. */
export function fingerprintOf(master: Uint8Array): string {
  return hkdf(master, KEY_LABELS.fingerprint, FINGERPRINT_BYTES).toString('hex');
}

/**
 * A store's master secret. The bytes sit in a private field: `JSON.stringify`, `console.log` and
 * error details show only the fingerprint, so a master cannot leak into a log or an export by
 * being passed along in an object.
 */
export class MasterSecret {
  readonly #bytes: Buffer;
  readonly fingerprint: string;

  constructor(bytes: Uint8Array) {
    if (bytes.length !== MASTER_BYTES) throw new TypeError(`a master secret is ${MASTER_BYTES} bytes`);
    this.#bytes = Buffer.from(bytes);
    this.fingerprint = fingerprintOf(this.#bytes);
  }

  /** 256 bits from the system's CSPRNG. */
  static generate(): MasterSecret {
    return new MasterSecret(crypto.randomBytes(MASTER_BYTES));
  }

  /** A copy of the bytes, for wrapping into a key file or keeping in the keychain. */
  reveal(): Buffer {
    return Buffer.from(this.#bytes);
  }

  keys(): StoreKeys {
    return new StoreKeys(this.#bytes);
  }

  equals(other: MasterSecret): boolean {
    return crypto.timingSafeEqual(this.#bytes, other.#bytes);
  }

  toJSON(): { fingerprint: string } {
    return { fingerprint: this.fingerprint };
  }

  [REDACTED](): string {
    return `MasterSecret(${this.fingerprint})`;
  }
}

/** What a worker thread needs to encode objects: plain bytes, so it crosses `postMessage`. */
export interface WorkerKeys {
  fingerprint: string;
  dataKey: Uint8Array;
  idKey: Uint8Array;
}

/** The keys derived from one master (see KEY_LABELS). Redacted like the master. */
export class StoreKeys {
  readonly fingerprint: string;
  readonly #data: Buffer;
  readonly #objectId: Buffer;
  readonly #file: Buffer;
  readonly #config: Buffer;

  constructor(master: Uint8Array) {
    this.fingerprint = fingerprintOf(master);
    this.#data = hkdf(master, KEY_LABELS.data, 32);
    this.#objectId = hkdf(master, KEY_LABELS.objectId, 32);
    this.#file = hkdf(master, KEY_LABELS.file, 32);
    this.#config = hkdf(master, KEY_LABELS.config, 32);
  }

  get dataKey(): Buffer {
    return this.#data;
  }
  get idKey(): Buffer {
    return this.#objectId;
  }
  get fileKey(): Buffer {
    return this.#file;
  }
  get configKey(): Buffer {
    return this.#config;
  }

  /** Copies of the two keys an encoder thread uses; never the master, file or config key. */
  forWorker(): WorkerKeys {
    return { fingerprint: this.fingerprint, dataKey: Buffer.from(this.#data), idKey: Buffer.from(this.#objectId) };
  }

  toJSON(): { fingerprint: string } {
    return { fingerprint: this.fingerprint };
  }

  [REDACTED](): string {
    return `StoreKeys(${this.fingerprint})`;
  }
}

/**
 * The config tag: HMAC-SHA256 under the config key over exactly the bytes the store says it
 * covers (its canonical JSON without the tag), as 64 hex characters.
 */
export function configTag(keys: StoreKeys, configBytes: Uint8Array): string {
  return crypto.createHmac('sha256', keys.configKey).update(configBytes).digest('hex');
}

/** Whether `tag` is the config tag of `configBytes`, compared in constant time. */
export function checkConfigTag(keys: StoreKeys, configBytes: Uint8Array, tag: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(tag)) return false;
  return crypto.timingSafeEqual(Buffer.from(configTag(keys, configBytes), 'hex'), Buffer.from(tag, 'hex'));
}
