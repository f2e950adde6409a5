import fs from 'node:fs';
import { readFully } from './durable-write';
import {
  BaseMissingError,
  decodeObject,
  ObjectDamagedError,
  recordLengthOf,
  sha256,
  OBJECT_HEADER_BYTES,
  type BaseLookup,
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
 * decode, so a truncated or scribbled pack still yields every object before the damage. A record
 * stored against a base (codec 4) is named once its base is found, in `bases` or earlier or later
 * in this pack; one whose base is found nowhere is stepped over, unnamed.
 */
export function scanPackObjects(whole: Buffer, dicts?: DictionaryLookup, bases?: BaseLookup): PackEntry[] {
  return walkPack(whole, dicts, bases).entries;
}

/** `scanPackObjects`, also saying how many well-framed records it could not name yet. */
export function walkPack(
  whole: Buffer,
  dicts?: DictionaryLookup,
  bases?: BaseLookup,
): { entries: PackEntry[]; unnamed: number } {
  const found: PackEntry[] = [];
  const local = new Map<string, Buffer>();
  const lookup = (id: string) => local.get(id) ?? bases?.(id) ?? null;
  let waiting: { at: number; length: number }[] = [];
  const tryDecode = (at: number, length: number): boolean => {
    const { content } = decodeObject(whole.subarray(at, at + length), undefined, dicts, lookup);
    const id = sha256(content);
    local.set(id.toString('hex'), content);
    found.push({ id, offset: at, length });
    return true;
  };
  let at = 0;
  while (at + OBJECT_HEADER_BYTES <= whole.length) {
    const length = recordLengthOf(whole.subarray(at, at + OBJECT_HEADER_BYTES));
    if (length === null || at + length > whole.length) break;
    try {
      tryDecode(at, length);
    } catch (e) {
      if (!(e instanceof BaseMissingError)) break;
      waiting.push({ at, length });
    }
    at += length;
  }
  for (let progress = true; progress && waiting.length;) {
    progress = false;
    const still: typeof waiting = [];
    for (const w of waiting) {
      try {
        progress = tryDecode(w.at, w.length) || progress;
      } catch {
        still.push(w);
      }
    }
    waiting = still;
  }
  return { entries: found.sort((x, y) => x.offset - y.offset), unnamed: waiting.length };
}

export interface PackCheck {
  /** The file's hash equals its name and its footer checksum holds. */
  intact: boolean;
  /** Ids (hex) of objects in the pack that decode and match their hash. */
  goodObjects: Set<string>;
  /** Ids (hex) of intact records whose base (codec 4) cannot be read: undecodable, not damaged. */
  orphans: Set<string>;
  problem: string | null;
}

/** Reads a whole pack and checks every object in it, so damage is pinned to single objects. */
export function checkPack(
  file: string,
  packId: string,
  expected: readonly PackEntry[],
  dicts?: DictionaryLookup,
  bases?: BaseLookup,
): PackCheck {
  const whole = fs.readFileSync(file);
  const intact = sha256(whole).toString('hex') === packId && packChecksumOk(whole);
  const goodObjects = new Set<string>();
  const orphans = new Set<string>();
  for (const e of expected) {
    if (e.offset + e.length > whole.length) continue;
    try {
      decodeObject(whole.subarray(e.offset, e.offset + e.length), e.id, dicts, bases);
      goodObjects.add(e.id.toString('hex'));
    } catch (err) {
      if (!(err instanceof ObjectDamagedError)) throw err;
      if (intact && err instanceof BaseMissingError) orphans.add(e.id.toString('hex'));
    }
  }
  const bad = expected.length - goodObjects.size - orphans.size;
  const problem = intact ? null : `pack checksum mismatch; ${bad} of ${expected.length} objects damaged`;
  return { intact, goodObjects, orphans, problem };
}

/** Bytes read at once around a wanted object: a run of a point's pages, not the whole pack. */
const WINDOW_BYTES = 128 * 1024;
/** Windows kept in memory (16 MiB). */
const MAX_WINDOWS = 128;

/**
 * Reads object records from packs through a cache of 128 KiB windows. A point's pages sit in
 * runs in the packs that stored them, so one window read serves many pages; a late point, whose
 * changed pages are spread over many packs, costs one window per scattered page instead of a
 * whole pack each time (whole-pack caching thrashed once a point spanned more packs than fit).
 * No file descriptor outlives a read, so a reader needs no closing.
 */
export class PackCache {
  private readonly windows = new Map<string, Buffer>();

  constructor(private readonly paths: StorePaths) {}

  readRecord(packId: string, offset: number, length: number): Buffer {
    const first = Math.floor(offset / WINDOW_BYTES);
    if (Math.floor((offset + length - 1) / WINDOW_BYTES) !== first) {
      const record = this.read(packId, offset, length);
      if (record.length < length) throw new ObjectDamagedError('object lies past the end of its pack');
      return record;
    }
    const key = `${packId}:${first}`;
    let win = this.windows.get(key);
    if (win) this.windows.delete(key);
    else {
      win = this.read(packId, first * WINDOW_BYTES, WINDOW_BYTES);
      if (this.windows.size >= MAX_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
    }
    this.windows.set(key, win);
    const at = offset - first * WINDOW_BYTES;
    if (at + length > win.length) throw new ObjectDamagedError('object lies past the end of its pack');
    return win.subarray(at, at + length);
  }

  private read(packId: string, position: number, length: number): Buffer {
    let fd: number;
    try {
      fd = fs.openSync(packFile(this.paths, packId), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new PackMissingError(packId);
      throw e;
    }
    try {
      return readFully(fd, length, position);
    } finally {
      fs.closeSync(fd);
    }
  }

  forget(packId?: string): void {
    if (packId === undefined) this.windows.clear();
    else for (const k of [...this.windows.keys()]) if (k.startsWith(`${packId}:`)) this.windows.delete(k);
  }
}
