import fs from 'node:fs';
import { readFully } from './durable-write';
import {
  decodeObject,
  ObjectDamagedError,
  recordLengthOf,
  sha256,
  OBJECT_HEADER_BYTES,
  type DictionaryLookup,
} from './object-codec';
import {
  PACK_ENTRY_BYTES,
  PACK_FOOTER_BYTES,
  PackDamagedError,
  packChecksumOk,
  parseEntries,
  parseFooter,
  type PackEntry,
} from './pack-format';
import { packFile, type StorePaths } from './store-paths';

export class PackMissingError extends Error {
  constructor(readonly packId: string) {
    super(`pack ${packId} is missing`);
    this.name = 'PackMissingError';
  }
}

/** Reads a pack's own index (its trailer) without reading its objects. */
export function readPackTrailer(file: string): { entries: PackEntry[]; size: number } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size < PACK_FOOTER_BYTES) throw new PackDamagedError('the pack is shorter than its footer');
    const { count } = parseFooter(readFully(fd, PACK_FOOTER_BYTES, size - PACK_FOOTER_BYTES));
    const entriesLength = count * PACK_ENTRY_BYTES;
    if (entriesLength + PACK_FOOTER_BYTES > size) throw new PackDamagedError('the pack trailer does not fit the file');
    const bytes = readFully(fd, entriesLength, size - PACK_FOOTER_BYTES - entriesLength);
    return { entries: parseEntries(bytes, count, size), size };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Recovers what a pack holds when its trailer is damaged: walks the object headers from offset 0
 * and names each object by the hash of its content. Stops at the first record that does not
 * decode, so a truncated or scribbled pack still yields every object before the damage.
 */
export function scanPackObjects(whole: Buffer, dicts?: DictionaryLookup): PackEntry[] {
  const found: PackEntry[] = [];
  let at = 0;
  while (at + OBJECT_HEADER_BYTES <= whole.length) {
    const length = recordLengthOf(whole.subarray(at, at + OBJECT_HEADER_BYTES));
    if (length === null || at + length > whole.length) break;
    try {
      const { content } = decodeObject(whole.subarray(at, at + length), undefined, dicts);
      found.push({ id: sha256(content), offset: at, length });
    } catch {
      break;
    }
    at += length;
  }
  return found;
}

export interface PackCheck {
  /** The file's hash equals its name and its footer checksum holds. */
  intact: boolean;
  /** Ids (hex) of objects in the pack that decode and match their hash. */
  goodObjects: Set<string>;
  problem: string | null;
}

/** Reads a whole pack and checks every object in it, so damage is pinned to single objects. */
export function checkPack(
  file: string,
  packId: string,
  expected: readonly PackEntry[],
  dicts?: DictionaryLookup,
): PackCheck {
  const whole = fs.readFileSync(file);
  const intact = sha256(whole).toString('hex') === packId && packChecksumOk(whole);
  const goodObjects = new Set<string>();
  for (const e of expected) {
    if (e.offset + e.length > whole.length) continue;
    try {
      decodeObject(whole.subarray(e.offset, e.offset + e.length), e.id, dicts);
      goodObjects.add(e.id.toString('hex'));
    } catch (err) {
      if (!(err instanceof ObjectDamagedError)) throw err;
    }
  }
  const bad = expected.length - goodObjects.size;
  const problem = intact ? null : `pack checksum mismatch; ${bad} of ${expected.length} objects damaged`;
  return { intact, goodObjects, problem };
}

/**
 * Reads object records from packs, keeping a few whole packs in memory: a point's pages sit in
 * long runs in the same packs, so one read of 4 MiB replaces thousands of small ones.
 */
export class PackCache {
  private readonly cache = new Map<string, Buffer>();

  constructor(
    private readonly paths: StorePaths,
    private readonly maxPacks = 8,
  ) {}

  readRecord(packId: string, offset: number, length: number): Buffer {
    let whole = this.cache.get(packId);
    if (whole) {
      this.cache.delete(packId);
    } else {
      try {
        whole = fs.readFileSync(packFile(this.paths, packId));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new PackMissingError(packId);
        throw e;
      }
      if (this.cache.size >= this.maxPacks) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(packId, whole);
    if (offset + length > whole.length) throw new ObjectDamagedError('object lies past the end of its pack');
    return whole.subarray(offset, offset + length);
  }

  forget(packId?: string): void {
    if (packId === undefined) this.cache.clear();
    else this.cache.delete(packId);
  }
}
