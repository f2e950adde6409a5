import crypto from 'node:crypto';
import zlib from 'node:zlib';

/** Byte layout of one stored object; see docs/store-format.md, "Objects". */
export const OBJECT_HEADER_BYTES = 16;
const MAGIC0 = 0x53; // 'S'
const MAGIC1 = 0x4f; // 'O'
const OBJECT_VERSION = 1;

export const ObjectKind = { page: 0, chunk: 1, dictionary: 2, pageList: 4 } as const;
export const Codec = { raw: 0, deflateRaw: 1, zstd: 2, deflateRawDict: 3, deflateRawBase: 4 } as const;

/** A preset dictionary for deflate (codec 3): sample pages of the same database. */
export interface Dictionary {
  id: Buffer;
  data: Buffer;
}

/** Finds a dictionary by id (hex); null when it cannot be found or is damaged. */
export type DictionaryLookup = (id: string) => Buffer | null;
/** Finds a base object's content by id (hex), checked against its hash; null when it cannot. */
export type BaseLookup = (id: string) => Buffer | null;
export const Encryption = { none: 0 } as const;

/**
 * Level 1 for a page alone: with the preset dictionary, level 3 is only 2 % smaller on SQLite pages
 * but about 40 % slower, and compressing is most of a full snapshot's time (see the format doc).
 */
export const DEFLATE_LEVEL = 1;
/**
 * Level 3 against a base: level 1 looks at too few earlier matches to find the old version's long
 * runs among the page's own repeats, and the deltas are few (only changed pages), so speed matters less.
 */
export const BASE_DEFLATE_LEVEL = 3;

export interface DecodedObject {
  kind: number;
  codec: number;
  content: Buffer;
}

export class ObjectDamagedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ObjectDamagedError';
  }
}

/**
 * The record is well formed but the base it was stored against cannot be read. After a GC this is
 * normal for an object nothing references any more (its base went, it waits in a kept pack).
 */
export class BaseMissingError extends ObjectDamagedError {
  constructor(readonly baseId: string) {
    super(`base object ${baseId.slice(0, 12)} is missing or damaged`);
    this.name = 'BaseMissingError';
  }
}

/** One-shot hashing: a fifth faster than createHash() on 4 KiB pages, which every snapshot hashes. */
export function sha256(data: Uint8Array): Buffer {
  return crypto.hash('sha256', data, 'buffer');
}

/**
 * Compresses `content` and frames it with its header; raw when compressing does not help. With a
 * dictionary the payload starts with the dictionary's id, so every object names what it needs.
 */
export function encodeObject(kind: number, content: Uint8Array, compress = true, dict?: Dictionary): Buffer {
  let codec: number = Codec.raw;
  let payload: Uint8Array = content;
  if (compress && dict) {
    const deflated = zlib.deflateRawSync(content, { level: DEFLATE_LEVEL, dictionary: dict.data });
    if (deflated.length + 32 < content.length) {
      codec = Codec.deflateRawDict;
      payload = Buffer.concat([dict.id, deflated]);
    }
  } else if (compress) {
    const deflated = zlib.deflateRawSync(content, { level: DEFLATE_LEVEL });
    if (deflated.length < content.length) {
      codec = Codec.deflateRaw;
      payload = deflated;
    }
  }
  return frame(kind, codec, content.length, payload);
}

/**
 * A changed page compressed against the page it replaced (codec 4): the old version, as deflate's
 * preset dictionary, holds most of the new one, so only the changed cells cost bytes. Returns null
 * when that is not smaller than `than` bytes (the record the page would otherwise get).
 */
export function encodeAgainstBase(
  content: Uint8Array,
  base: { id: Buffer; content: Buffer },
  than: number,
): Buffer | null {
  const deflated = zlib.deflateRawSync(content, { level: BASE_DEFLATE_LEVEL, dictionary: base.content });
  if (OBJECT_HEADER_BYTES + 32 + deflated.length >= than) return null;
  return frame(ObjectKind.page, Codec.deflateRawBase, content.length, Buffer.concat([base.id, deflated]));
}

function frame(kind: number, codec: number, rawLength: number, payload: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(OBJECT_HEADER_BYTES + payload.length);
  record[0] = MAGIC0;
  record[1] = MAGIC1;
  record[2] = OBJECT_VERSION;
  record[3] = kind;
  record[4] = codec;
  record[5] = Encryption.none;
  record.writeUInt16LE(0, 6);
  record.writeUInt32LE(rawLength, 8);
  record.writeUInt32LE(payload.length, 12);
  record.set(payload, OBJECT_HEADER_BYTES);
  return record;
}

/** The header's record length (header + payload), or null when `head` is not an object header. */
export function recordLengthOf(head: Uint8Array): number | null {
  if (head.length < OBJECT_HEADER_BYTES || head[0] !== MAGIC0 || head[1] !== MAGIC1 || head[2] !== OBJECT_VERSION) {
    return null;
  }
  return OBJECT_HEADER_BYTES + Buffer.from(head.buffer, head.byteOffset, head.length).readUInt32LE(12);
}

/**
 * Decodes one record and checks it: framing, codec, length and, when `expectedId` is given, that
 * the content's SHA-256 is that id. Throws ObjectDamagedError on any mismatch.
 */
export function decodeObject(
  record: Buffer,
  expectedId?: Buffer,
  dicts?: DictionaryLookup,
  bases?: BaseLookup,
): DecodedObject {
  const total = recordLengthOf(record);
  if (total === null) throw new ObjectDamagedError('not an object header');
  if (total !== record.length) throw new ObjectDamagedError('object length does not match its header');
  const kind = record[3]!;
  const codec = record[4]!;
  const encryption = record[5]!;
  const rawLength = record.readUInt32LE(8);
  if (encryption !== Encryption.none) throw new ObjectDamagedError(`unknown encryption ${encryption}`);
  const payload = record.subarray(OBJECT_HEADER_BYTES);
  let content: Buffer;
  if (codec === Codec.raw) content = payload;
  else if (codec === Codec.deflateRaw) {
    try {
      content = zlib.inflateRawSync(payload, { maxOutputLength: Math.max(rawLength, 1) });
    } catch {
      throw new ObjectDamagedError('object payload does not inflate');
    }
  } else if (codec === Codec.deflateRawDict) {
    if (payload.length < 32) throw new ObjectDamagedError('object payload is too short');
    const dictId = payload.subarray(0, 32).toString('hex');
    const dictionary = dicts?.(dictId);
    if (!dictionary) throw new ObjectDamagedError(`dictionary ${dictId.slice(0, 12)} is missing or damaged`);
    try {
      content = zlib.inflateRawSync(payload.subarray(32), { dictionary, maxOutputLength: Math.max(rawLength, 1) });
    } catch {
      throw new ObjectDamagedError('object payload does not inflate');
    }
  } else if (codec === Codec.deflateRawBase) {
    const baseId = baseOf(record);
    if (!baseId) throw new ObjectDamagedError('object payload is too short');
    const base = bases?.(baseId);
    if (!base) throw new BaseMissingError(baseId);
    try {
      content = zlib.inflateRawSync(payload.subarray(32), {
        dictionary: base,
        maxOutputLength: Math.max(rawLength, 1),
      });
    } catch {
      throw new ObjectDamagedError('object payload does not inflate');
    }
  } else throw new ObjectDamagedError(`codec ${codec} is not supported by this reader`);
  if (content.length !== rawLength) throw new ObjectDamagedError('object content has the wrong length');
  if (expectedId && !sha256(content).equals(expectedId)) throw new ObjectDamagedError('object hash mismatch');
  return { kind, codec, content };
}

/** The id (hex) of the object a codec-4 record was compressed against; null for other codecs. */
export function baseOf(record: Buffer): string | null {
  if (record.length < OBJECT_HEADER_BYTES + 32 || record[4] !== Codec.deflateRawBase) return null;
  return record.subarray(OBJECT_HEADER_BYTES, OBJECT_HEADER_BYTES + 32).toString('hex');
}
