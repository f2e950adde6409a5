import fs from 'node:fs';
import { dictionaryFile, listDictionaryIds } from './dictionaries';
import { sha256 } from './object-codec';
import { chunkPageIds, ObjectMissingError, type ObjectReader } from './object-reader';
import { objectsOfPoint, PointResolver, type PointPageIds } from './point-pages';
import { checkPack } from './pack-reader';
import type { ObjectIndex, IndexProblem } from './object-index';
import type { ManifestListing } from './manifest';
import { packFile, type StorePaths } from './store-paths';

export interface VerifyOptions {
  /** Read packs and check every object's hash (restic's `check --read-data`). */
  readData?: boolean;
  /** With readData: read only this share of the packs (0–100). */
  subsetPercent?: number;
  /** Shifts which packs a subset picks, so successive runs cover every pack (0 ≤ seed < 1). */
  subsetSeed?: number;
}

export interface PointProblem {
  kind: 'damaged_manifest' | 'missing_object' | 'damaged_object';
  objectId: string | null;
  packId: string | null;
  detail: string;
}

export interface PointVerdict {
  id: string;
  ok: boolean;
  /** Objects of this point that were read and checked (0 without readData). */
  problems: PointProblem[];
  /** Problems beyond the ones listed, when a point has very many. */
  moreProblems: number;
}

export interface VerifyReport {
  ok: boolean;
  points: PointVerdict[];
  packs: { packId: string; ok: boolean; problem: string | null }[];
  index: IndexProblem[];
  /** Dictionary files whose content does not match their name (objects then use the pack copy). */
  dictionaries: { id: string; ok: boolean }[];
  packsRead: number;
}

const MAX_LISTED = 50;

/** A GC removed a pack while we read: the caller starts over from a fresh listing and index. */
export class PackVanishedError extends Error {
  constructor(readonly packId: string) {
    super(`pack ${packId} was removed while it was being read`);
    this.name = 'PackVanishedError';
  }
}

/** Whether a subset run reads this pack: a fixed position per pack, shifted by the seed. */
function inSubset(packId: string, percent: number, seed: number): boolean {
  const pos = parseInt(packId.slice(0, 8), 16) / 2 ** 32;
  return (pos + seed) % 1 < percent / 100;
}

/**
 * Checks the store and names, for every point, exactly which of its objects are damaged or missing
 * and in which pack. A damaged pack only affects the points that reference its objects.
 */
export function verifyStore(
  paths: StorePaths,
  index: ObjectIndex,
  reader: ObjectReader,
  listing: ManifestListing,
  opts: VerifyOptions = {},
): VerifyReport {
  // Per object: the packs where its copy is damaged or cut off.
  const bad = new Map<string, Map<string, { kind: PointProblem['kind']; detail: string }>>();
  const markBad = (id: string, packId: string, kind: PointProblem['kind'], detail: string) => {
    const perPack = bad.get(id) ?? new Map<string, { kind: PointProblem['kind']; detail: string }>();
    if (!perPack.has(packId)) perPack.set(packId, { kind, detail });
    bad.set(id, perPack);
  };
  const packs: VerifyReport['packs'] = [];
  // A truncated pack loses the objects past the cut; no data read is needed to know that.
  for (const p of index.packs.values()) {
    for (const e of p.entries) {
      if (e.offset + e.length > p.sizeOnDisk) {
        markBad(e.id, p.packId, 'missing_object', 'pack is truncated before this object');
      }
    }
  }
  if (opts.readData) {
    const baseLookup = (id: string) => {
      try {
        return reader.read(id);
      } catch {
        return null;
      }
    };
    const percent = opts.subsetPercent ?? 100;
    for (const p of index.packs.values()) {
      if (percent < 100 && !inSubset(p.packId, percent, opts.subsetSeed ?? 0)) continue;
      const entries = p.entries.map((e) => ({ id: Buffer.from(e.id, 'hex'), offset: e.offset, length: e.length }));
      let check: ReturnType<typeof checkPack>;
      try {
        check = checkPack(packFile(paths, p.packId), p.packId, entries, reader.dictionaries.lookup, baseLookup);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new PackVanishedError(p.packId);
        throw e;
      }
      // A record whose base is gone is only a problem for a point that references it, and then
      // that point reports it; the pack's bytes are fine.
      packs.push({
        packId: p.packId,
        ok: check.intact && check.goodObjects.size + check.orphans.size === entries.length,
        problem: check.problem,
      });
      for (const e of p.entries) {
        if (check.orphans.has(e.id)) markBad(e.id, p.packId, 'damaged_object', 'the base it is stored against is gone');
        else if (!check.goodObjects.has(e.id)) {
          markBad(e.id, p.packId, 'damaged_object', 'object does not match its hash');
        }
      }
    }
  }
  const points: PointVerdict[] = [];
  const resolver = new PointResolver(reader);
  for (const d of listing.damaged) {
    points.push({
      id: d.id,
      ok: false,
      problems: [{ kind: 'damaged_manifest', objectId: null, packId: null, detail: d.reason }],
      moreProblems: 0,
    });
  }
  for (const m of listing.manifests) {
    const problems: PointProblem[] = [];
    let more = 0;
    const note = (p: PointProblem) => (problems.length < MAX_LISTED ? problems.push(p) : more++);
    const checkId = (id: string) => {
      const copies = index.copiesOf(id);
      const perPack = bad.get(id);
      // Damaged only when every copy is: an intact copy elsewhere heals it.
      if (perPack && copies.length > 0 && copies.every((c) => perPack.has(c.packId))) {
        const [packId, b] = [...perPack][0]!;
        note({ kind: b.kind, objectId: id, packId, detail: b.detail });
        return false;
      }
      if (copies.length === 0) {
        note({ kind: 'missing_object', objectId: id, packId: null, detail: 'object is in no pack' });
        return false;
      }
      return true;
    };
    const readFailed = (e: unknown, objectId: string | null) => {
      const missing = e instanceof ObjectMissingError;
      note({
        kind: 'damaged_object',
        objectId: missing ? e.objectId : objectId,
        packId: missing ? e.packId : null,
        detail: (e as Error).message,
      });
    };
    if (m.format === 1) {
      for (const chunkId of m.chunks) {
        if (!checkId(chunkId)) continue;
        let ids: string[];
        try {
          ids = chunkPageIds(reader.read(chunkId));
        } catch (e) {
          readFailed(e, chunkId);
          continue;
        }
        for (const id of ids) checkId(id);
      }
    } else if (checkId(m.pageList)) {
      // A damaged base list anywhere down the chain affects this point and every later one on it.
      let pages: PointPageIds | null = null;
      try {
        pages = resolver.pages(m);
      } catch (e) {
        readFailed(e, m.pageList);
      }
      if (pages) for (const id of new Set(objectsOfPoint(pages))) if (id !== m.pageList) checkId(id);
    }
    points.push({ id: m.id, ok: problems.length === 0, problems, moreProblems: more });
  }
  const dictionaries = listDictionaryIds(paths).map((id) => {
    try {
      return { id, ok: sha256(fs.readFileSync(dictionaryFile(paths, id))).toString('hex') === id };
    } catch {
      return { id, ok: false };
    }
  });
  const ok =
    points.every((p) => p.ok) &&
    packs.every((p) => p.ok) &&
    index.problems.length === 0 &&
    dictionaries.every((d) => d.ok);
  return { ok, points, packs, index: index.problems, dictionaries, packsRead: packs.length };
}
