import { sha256 } from './object-codec';

/** Byte layout of an index file; see docs/store-format.md, "Index files". */
const INDEX_MAGIC = Buffer.from('STIX', 'latin1');
const INDEX_VERSION = 1;
const HEADER_BYTES = 16;
const PACK_BYTES = 36;
const ENTRY_BYTES = 44;

export interface IndexedPack {
  packId: string;
  size: number;
  /** `hex`, when given, is `id` in hex (parsing gives it, so loading an index makes no copy). */
  entries: { id: Buffer; offset: number; length: number; hex?: string }[];
}

export class IndexDamagedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexDamagedError';
  }
}

export function encodeIndexFile(packs: readonly IndexedPack[]): Buffer {
  const entryCount = packs.reduce((n, p) => n + p.entries.length, 0);
  const out = Buffer.alloc(HEADER_BYTES + packs.length * PACK_BYTES + entryCount * ENTRY_BYTES + 32);
  INDEX_MAGIC.copy(out, 0);
  out[4] = INDEX_VERSION;
  out.writeUInt32LE(packs.length, 8);
  out.writeUInt32LE(entryCount, 12);
  let at = HEADER_BYTES;
  for (const p of packs) {
    Buffer.from(p.packId, 'hex').copy(out, at);
    out.writeUInt32LE(p.size, at + 32);
    at += PACK_BYTES;
  }
  packs.forEach((p, packNo) => {
    for (const e of p.entries) {
      e.id.copy(out, at);
      out.writeUInt32LE(packNo, at + 32);
      out.writeUInt32LE(e.offset, at + 36);
      out.writeUInt32LE(e.length, at + 40);
      at += ENTRY_BYTES;
    }
  });
  sha256(out.subarray(0, at)).copy(out, at);
  return out;
}

/** Parses and checks an index file; `indexId` is its name, the SHA-256 of the whole file. */
export function parseIndexFile(data: Buffer, indexId: string): IndexedPack[] {
  if (sha256(data).toString('hex') !== indexId) throw new IndexDamagedError('index file does not match its name');
  if (data.length < HEADER_BYTES + 32 || !data.subarray(0, 4).equals(INDEX_MAGIC)) {
    throw new IndexDamagedError('not an index file');
  }
  if (data[4] !== INDEX_VERSION) throw new IndexDamagedError(`unknown index version ${data[4]}`);
  const packCount = data.readUInt32LE(8);
  const entryCount = data.readUInt32LE(12);
  if (HEADER_BYTES + packCount * PACK_BYTES + entryCount * ENTRY_BYTES + 32 !== data.length) {
    throw new IndexDamagedError('index file has the wrong length');
  }
  const body = data.length - 32;
  if (!sha256(data.subarray(0, body)).equals(data.subarray(body)))
    throw new IndexDamagedError('index checksum mismatch');
  const packs: IndexedPack[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i < packCount; i++) {
    packs.push({
      packId: data.subarray(at, at + 32).toString('hex'),
      size: data.readUInt32LE(at + 32),
      entries: [],
    });
    at += PACK_BYTES;
  }
  for (let i = 0; i < entryCount; i++) {
    const pack = packs[data.readUInt32LE(at + 32)];
    if (!pack) throw new IndexDamagedError('index entry names a pack that is not listed');
    pack.entries.push({
      id: data.subarray(at, at + 32),
      hex: data.toString('hex', at, at + 32),
      offset: data.readUInt32LE(at + 36),
      length: data.readUInt32LE(at + 40),
    });
    at += ENTRY_BYTES;
  }
  return packs;
}
