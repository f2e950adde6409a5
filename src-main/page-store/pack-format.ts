import { sha256 } from './object-codec';

/** Byte layout of a pack's trailer; see docs/store-format.md, "Packs". */
export const PACK_ENTRY_BYTES = 40;
export const PACK_FOOTER_BYTES = 44;
const PACK_MAGIC = Buffer.from('STPK', 'latin1');
const PACK_VERSION = 1;

/** Where one object sits: its id, and its record's offset and length inside a pack. */
export interface PackEntry {
  id: Buffer;
  offset: number;
  length: number;
}

export class PackDamagedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackDamagedError';
  }
}

/** The entries and footer that end a pack; `body` is every object record before them. */
export function encodeTrailer(entries: readonly PackEntry[], bodyHash: (trailerWithoutSum: Buffer) => Buffer): Buffer {
  const out = Buffer.alloc(entries.length * PACK_ENTRY_BYTES + PACK_FOOTER_BYTES);
  entries.forEach((e, i) => {
    const at = i * PACK_ENTRY_BYTES;
    e.id.copy(out, at);
    out.writeUInt32LE(e.offset, at + 32);
    out.writeUInt32LE(e.length, at + 36);
  });
  const foot = entries.length * PACK_ENTRY_BYTES;
  PACK_MAGIC.copy(out, foot);
  out[foot + 4] = PACK_VERSION;
  out.writeUInt32LE(entries.length, foot + 8);
  bodyHash(out.subarray(0, foot + 12)).copy(out, foot + 12);
  return out;
}

/** The footer's entry count and the stored checksum, read from the last 44 bytes. */
export function parseFooter(footer: Buffer): { count: number; checksum: Buffer } {
  if (footer.length !== PACK_FOOTER_BYTES || !footer.subarray(0, 4).equals(PACK_MAGIC)) {
    throw new PackDamagedError('the pack has no valid footer');
  }
  if (footer[4] !== PACK_VERSION) throw new PackDamagedError(`unknown pack version ${footer[4]}`);
  return { count: footer.readUInt32LE(8), checksum: Buffer.from(footer.subarray(12, 44)) };
}

/** Parses the entries of a pack of `fileLength` bytes; every entry must lie inside the objects. */
export function parseEntries(entryBytes: Buffer, count: number, fileLength: number): PackEntry[] {
  const bodyEnd = fileLength - PACK_FOOTER_BYTES - count * PACK_ENTRY_BYTES;
  if (bodyEnd < 0 || entryBytes.length !== count * PACK_ENTRY_BYTES) {
    throw new PackDamagedError('the pack trailer does not fit the file');
  }
  const entries: PackEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * PACK_ENTRY_BYTES;
    const offset = entryBytes.readUInt32LE(at + 32);
    const length = entryBytes.readUInt32LE(at + 36);
    if (offset + length > bodyEnd) throw new PackDamagedError('a pack entry points past the objects');
    entries.push({ id: Buffer.from(entryBytes.subarray(at, at + 32)), offset, length });
  }
  return entries;
}

/** Whole-pack check: the footer checksum covers every byte before it. */
export function packChecksumOk(whole: Buffer): boolean {
  if (whole.length < PACK_FOOTER_BYTES) return false;
  const stored = whole.subarray(whole.length - 32);
  return sha256(whole.subarray(0, whole.length - 32)).equals(stored);
}
