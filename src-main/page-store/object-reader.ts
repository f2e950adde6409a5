import { Dictionaries } from './dictionaries';
import { baseOf, decodeObject, ObjectDamagedError } from './object-codec';
import { PackCache, PackMissingError } from './pack-reader';
import type { ObjectIndex } from './object-index';
import type { StorePaths } from './store-paths';

export class ObjectMissingError extends Error {
  constructor(
    readonly objectId: string,
    readonly packId: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'ObjectMissingError';
  }
}

/**
 * Reads objects by id, checking each one's hash. Tries every known copy, and reloads the index
 * once when a pack has gone (a GC that ran meanwhile moved the object to a new pack first).
 */
export class ObjectReader {
  private readonly packs: PackCache;
  private reloaded = false;
  readonly dictionaries: Dictionaries;

  constructor(
    paths: StorePaths,
    private index: ObjectIndex,
    private readonly reloadIndex: () => ObjectIndex,
  ) {
    this.packs = new PackCache(paths);
    // Dictionary objects are stored raw, so reading one never needs a dictionary.
    this.dictionaries = new Dictionaries(paths, (id) => {
      try {
        return this.read(id);
      } catch {
        return null;
      }
    });
  }

  /** Bases (codec 4) are read through here too; a chain deeper than this is damage, not data. */
  static readonly MAX_BASE_DEPTH = 64;

  read(id: string, depth = 0): Buffer {
    if (depth > ObjectReader.MAX_BASE_DEPTH) throw new ObjectDamagedError('base chain is too deep');
    const bases = (baseId: string) => {
      try {
        return this.read(baseId, depth + 1);
      } catch {
        return null;
      }
    };
    for (;;) {
      const copies = this.index.copiesOf(id);
      let lastProblem: { packId: string | null; message: string } = { packId: null, message: 'not in any pack' };
      let packGone = false;
      for (const loc of copies) {
        try {
          const record = this.packs.readRecord(loc.packId, loc.offset, loc.length);
          return decodeObject(record, Buffer.from(id, 'hex'), this.dictionaries.lookup, bases).content;
        } catch (e) {
          if (e instanceof PackMissingError) packGone = true;
          else if (!(e instanceof ObjectDamagedError)) throw e;
          lastProblem = { packId: loc.packId, message: (e as Error).message };
        }
      }
      if ((packGone || copies.length === 0) && !this.reloaded) {
        this.reloaded = true;
        this.index = this.reloadIndex();
        this.packs.forget();
        continue;
      }
      throw new ObjectMissingError(id, lastProblem.packId, `object ${id.slice(0, 12)}: ${lastProblem.message}`);
    }
  }

  /**
   * The objects `id` needs to be decoded: the base of every copy stored against one (codec 4),
   * and their bases in turn, nearest first. Empty for an object stored on its own.
   */
  dependenciesOf(id: string, depth = 0): string[] {
    if (depth > ObjectReader.MAX_BASE_DEPTH) throw new ObjectDamagedError('base chain is too deep');
    const out: string[] = [];
    for (const loc of this.index.copiesOf(id)) {
      let base: string | null = null;
      try {
        base = baseOf(this.packs.readRecord(loc.packId, loc.offset, loc.length));
      } catch (e) {
        if (!(e instanceof PackMissingError) && !(e instanceof ObjectDamagedError)) throw e;
      }
      if (base === null || out.includes(base)) continue;
      out.push(base, ...this.dependenciesOf(base, depth + 1).filter((d) => !out.includes(d)));
    }
    return out;
  }
}

/** The page ids of one chunk object: 32 bytes each. */
export function chunkPageIds(content: Buffer): string[] {
  if (content.length % 32 !== 0) throw new ObjectDamagedError('chunk length is not a multiple of 32');
  const ids: string[] = [];
  for (let at = 0; at < content.length; at += 32) ids.push(content.subarray(at, at + 32).toString('hex'));
  return ids;
}
