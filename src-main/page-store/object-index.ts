import fs from 'node:fs';
import path from 'node:path';
import { writeDurable } from './durable-write';
import { encodeIndexFile, parseIndexFile, type IndexedPack } from './index-file';
import { sha256 } from './object-codec';
import { readPackTrailer, walkPack } from './pack-reader';
import { ObjectReader } from './object-reader';
import { HEX64, indexFile, isTempName, type StorePaths } from './store-paths';

export interface Location {
  packId: string;
  offset: number;
  length: number;
}

export interface PackInfo {
  packId: string;
  size: number;
  /** Size of the file on disk (differs from `size` when the pack was truncated). */
  sizeOnDisk: number;
  entries: { id: string; offset: number; length: number }[];
}

export interface IndexProblem {
  file: string;
  kind: 'damaged_index' | 'damaged_pack_trailer' | 'truncated_pack';
  detail: string;
}

/** Pack files on disk: id -> size. */
export function listPackFiles(paths: StorePaths): Map<string, number> {
  const found = new Map<string, number>();
  if (!fs.existsSync(paths.packs)) return found;
  for (const sub of fs.readdirSync(paths.packs)) {
    if (!/^[0-9a-f]{2}$/.test(sub)) continue;
    const dir = path.join(paths.packs, sub);
    for (const name of fs.readdirSync(dir)) {
      const id = name.slice(0, -'.pack'.length);
      if (!name.endsWith('.pack') || !HEX64.test(id) || !id.startsWith(sub)) continue;
      try {
        found.set(id, fs.statSync(path.join(dir, name)).size);
      } catch {
        // Deleted by a GC between the listing and the stat.
      }
    }
  }
  return found;
}

export function listIndexFiles(paths: StorePaths): string[] {
  if (!fs.existsSync(paths.index)) return [];
  return fs
    .readdirSync(paths.index)
    .filter((n) => !isTempName(n) && n.endsWith('.idx') && HEX64.test(n.slice(0, -4)))
    .map((n) => n.slice(0, -4));
}

/**
 * Where every object is: built from the index files, plus the trailers of any pack no valid index
 * file covers. The index files are only a cache, so a damaged or missing one costs a slower load,
 * never an object.
 */
export class ObjectIndex {
  readonly locations = new Map<string, Location>();
  /** Other copies of an object (after a repack or a crashed writer): used when the first is damaged. */
  readonly alternates = new Map<string, Location[]>();
  readonly packs = new Map<string, PackInfo>();
  readonly problems: IndexProblem[] = [];
  readonly indexFiles: string[] = [];

  static load(paths: StorePaths, opts: { ignoreIndexFiles?: boolean } = {}): ObjectIndex {
    const index = new ObjectIndex();
    const onDisk = listPackFiles(paths);
    if (!opts.ignoreIndexFiles) {
      for (const indexId of listIndexFiles(paths)) {
        let packs: IndexedPack[];
        try {
          packs = parseIndexFile(fs.readFileSync(indexFile(paths, indexId)), indexId);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed by a GC meanwhile
          index.problems.push({ file: `index/${indexId}.idx`, kind: 'damaged_index', detail: (e as Error).message });
          continue;
        }
        index.indexFiles.push(indexId);
        for (const p of packs) {
          const size = onDisk.get(p.packId);
          if (size !== undefined) index.addPack(p, size);
        }
      }
    }
    const damaged: string[] = [];
    for (const [packId, size] of onDisk) {
      if (index.packs.has(packId)) continue;
      const entries = readPackEntries(paths, packId, index.problems);
      if (entries) index.addPack(entries, size);
      else damaged.push(packId);
    }
    // Packs whose trailer is damaged are walked last, so objects stored against a base in another
    // pack (codec 4) can be decoded, and so named, through what is indexed by then. A pack whose
    // walk left records unnamed waits for the other damaged packs, until no walk names more.
    const reader = new ObjectReader(paths, index, () => index);
    const bases = (id: string) => {
      try {
        return reader.read(id);
      } catch {
        return null;
      }
    };
    for (let waiting = damaged, progress = true; waiting.length;) {
      const next: string[] = [];
      let named = false;
      for (const packId of waiting) {
        let whole: Buffer;
        try {
          whole = fs.readFileSync(packPath(paths, packId));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed by a GC meanwhile
          throw e;
        }
        const walk = walkPack(whole, reader.dictionaries.lookup, bases);
        if (walk.unnamed > 0 && progress) {
          next.push(packId);
          continue;
        }
        index.addPack({ packId, size: whole.length, entries: walk.entries }, onDisk.get(packId)!);
        named = true;
      }
      // No pack finished this round: the next round takes the rest as they are.
      progress = named;
      waiting = next;
    }
    for (const p of index.packs.values()) {
      if (p.sizeOnDisk !== p.size) {
        index.problems.push({
          file: packRel(p.packId),
          kind: 'truncated_pack',
          detail: `pack is ${p.sizeOnDisk} bytes on disk, ${p.size} expected`,
        });
      }
    }
    return index;
  }

  addPack(p: IndexedPack, sizeOnDisk: number): void {
    if (this.packs.has(p.packId)) return;
    const info: PackInfo = { packId: p.packId, size: p.size, sizeOnDisk, entries: [] };
    for (const e of p.entries) {
      const id = e.hex ?? e.id.toString('hex');
      // One object serves as the pack's entry and as the object's location.
      const loc = { id, packId: p.packId, offset: e.offset, length: e.length };
      info.entries.push(loc);
      if (!this.locations.has(id)) this.locations.set(id, loc);
      else this.alternates.set(id, [...(this.alternates.get(id) ?? []), loc]);
    }
    this.packs.set(p.packId, info);
  }

  has(id: string): boolean {
    return this.locations.has(id);
  }

  /** Every known copy of an object, the first one first. */
  copiesOf(id: string): Location[] {
    const first = this.locations.get(id);
    return first ? [first, ...(this.alternates.get(id) ?? [])] : [];
  }
}

function packRel(packId: string): string {
  return `packs/${packId.slice(0, 2)}/${packId}.pack`;
}

function packPath(paths: StorePaths, packId: string): string {
  return path.join(paths.packs, packId.slice(0, 2), `${packId}.pack`);
}

/** A pack's entries from its trailer; null (and a problem noted) when the trailer is damaged. */
function readPackEntries(paths: StorePaths, packId: string, problems: IndexProblem[]): IndexedPack | null {
  try {
    const { entries, size } = readPackTrailer(packPath(paths, packId));
    return { packId, size, entries };
  } catch (e) {
    problems.push({ file: packRel(packId), kind: 'damaged_pack_trailer', detail: (e as Error).message });
    return null;
  }
}

/** Writes one index file for `packs` and returns its id. */
export function writeIndexFile(paths: StorePaths, packs: readonly IndexedPack[]): string {
  const data = encodeIndexFile(packs);
  const indexId = sha256(data).toString('hex');
  writeDurable(indexFile(paths, indexId), [data]);
  return indexId;
}

/** The index's packs in the shape an index file stores. */
export function asIndexedPacks(packs: Iterable<PackInfo>): IndexedPack[] {
  return [...packs].map((p) => ({
    packId: p.packId,
    size: p.size,
    entries: p.entries.map((e) => ({ id: Buffer.from(e.id, 'hex'), offset: e.offset, length: e.length })),
  }));
}
