import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../core/errors';
import { listDictionaryIds } from './dictionaries';
import { decodeObject } from './object-codec';
import { asIndexedPacks, listIndexFiles, writeIndexFile, type ObjectIndex, type PackInfo } from './object-index';
import type { ObjectReader } from './object-reader';
import { PackCache } from './pack-reader';
import { PACK_TARGET_BYTES, PackWriter, type SealedPack } from './pack-writer';
import { readAllManifests, salvageRoots } from './manifest';
import { objectsOfPoint, PointResolver, type PageListRoots } from './point-pages';
import { indexFile, isTempName, packFile, type StorePaths } from './store-paths';

export interface GcOptions {
  dryRun?: boolean;
  /** Packs and temp files younger than this are never touched (default 1 hour). */
  graceMs?: number;
  /** Repack a pack once this share of its bytes is unreferenced (default 0.25). */
  repackThreshold?: number;
  /** More objects to keep (the WAL segments of continuous protection reference pages too). */
  extraRoots?: Iterable<string>;
  now?: number;
}

export interface GcResult {
  dryRun: boolean;
  liveObjects: number;
  packsDeleted: number;
  packsRepacked: number;
  packsWritten: number;
  packsKeptYoung: number;
  /** Pack bytes before minus pack bytes after (or the estimate, in a dry run). */
  bytesFreed: number;
  tempFilesRemoved: number;
}

export const DEFAULT_GRACE_MS = 60 * 60 * 1000;

/**
 * Every object a kept point references: its page-list objects (through every base list), its
 * pages, and the bases its pages are stored against. Refuses when a point's references cannot
 * all be read.
 */
function markLive(paths: StorePaths, reader: ObjectReader, extraRoots: Iterable<string>): Set<string> {
  const live = new Set<string>(extraRoots);
  const listing = readAllManifests(paths);
  const points: { id: string; roots: PageListRoots }[] = listing.manifests.map((m) => ({
    id: m.id,
    roots: m.format === 1 ? { chunks: m.chunks } : { pageList: m.pageList },
  }));
  for (const d of listing.damaged) {
    const roots = salvageRoots(paths, d.id);
    if (!roots) {
      throw new StrataError(
        'store_damaged',
        `Point ${d.id} cannot be read (${d.reason}), so garbage collection would not know what it needs. Nothing was deleted.`,
      );
    }
    points.push({ id: d.id, roots });
  }
  const resolver = new PointResolver(reader);
  for (const { id, roots } of points) {
    let objects: string[];
    try {
      objects = objectsOfPoint(resolver.pagesOf(roots));
    } catch (e) {
      throw new StrataError(
        'store_damaged',
        `Point ${id} has a damaged page list (${(e as Error).message}). Nothing was deleted; run verify.`,
      );
    }
    for (const o of objects) live.add(o);
  }
  return live;
}

function ageMs(file: string, now: number): number {
  try {
    return now - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Marks what kept points reference, then deletes or repacks what nothing references: new packs
 * first, then one new index, then deletions. A kill -9 at any instant leaves every live object in
 * a pack that loading finds, so every kept point stays restorable; running GC again finishes.
 */
export function collectGarbage(
  paths: StorePaths,
  index: ObjectIndex,
  reader: ObjectReader,
  opts: GcOptions = {},
): GcResult {
  const now = opts.now ?? Date.now();
  const grace = opts.graceMs ?? DEFAULT_GRACE_MS;
  const threshold = opts.repackThreshold ?? 0.25;
  // Dictionaries are never collected: objects name them, and they are few and small.
  const live = markLive(paths, reader, [...(opts.extraRoots ?? []), ...listDictionaryIds(paths)]);
  const result: GcResult = {
    dryRun: !!opts.dryRun,
    liveObjects: live.size,
    packsDeleted: 0,
    packsRepacked: 0,
    packsWritten: 0,
    packsKeptYoung: 0,
    bytesFreed: 0,
    tempFilesRemoved: 0,
  };
  const keep: PackInfo[] = [];
  const drop: PackInfo[] = [];
  const repack: PackInfo[] = [];
  for (const p of index.packs.values()) {
    const liveBytes = p.entries.reduce((n, e) => n + (live.has(e.id) ? e.length : 0), 0);
    const deadBytes = p.entries.reduce((n, e) => n + (live.has(e.id) ? 0 : e.length), 0);
    if (deadBytes === 0) keep.push(p);
    else if (ageMs(packFile(paths, p.packId), now) < grace) {
      keep.push(p);
      result.packsKeptYoung++;
    } else if (liveBytes === 0) drop.push(p);
    else if (deadBytes / (liveBytes + deadBytes) >= threshold) repack.push(p);
    else keep.push(p);
  }
  const inKept = new Set<string>();
  for (const p of keep) for (const e of p.entries) inKept.add(e.id);
  // A repack pack whose live object has no intact copy to move stays where it is.
  const packs = new PackCache(paths);
  const moves: { pack: PackInfo; records: { id: string; record: Buffer }[] }[] = [];
  // A base is live whenever a live object is stored against it, so it is read from where it is.
  const bases = (id: string) => {
    try {
      return reader.read(id);
    } catch {
      return null;
    }
  };
  for (const p of repack) {
    const records: { id: string; record: Buffer }[] = [];
    let movable = true;
    for (const e of p.entries) {
      if (!live.has(e.id) || inKept.has(e.id)) continue;
      try {
        const record = packs.readRecord(p.packId, e.offset, e.length);
        decodeObject(record, Buffer.from(e.id, 'hex'), reader.dictionaries.lookup, bases);
        records.push({ id: e.id, record: Buffer.from(record) });
      } catch {
        movable = false;
        break;
      }
    }
    if (!movable) keep.push(p);
    else moves.push({ pack: p, records });
  }
  const removed = [...drop, ...moves.map((m) => m.pack)];
  const sizeAfterEstimate = moves.reduce((n, m) => n + m.records.reduce((k, r) => k + r.record.length + 40, 44), 0);
  result.packsDeleted = drop.length;
  result.packsRepacked = moves.length;
  result.bytesFreed = removed.reduce((n, p) => n + p.sizeOnDisk, 0) - sizeAfterEstimate;
  if (opts.dryRun || removed.length === 0) {
    if (!opts.dryRun) result.tempFilesRemoved = removeStaleTemps(paths, now, grace);
    return result;
  }
  // 1. New packs holding the live objects of the packs being repacked.
  const writer = new PackWriter(paths);
  const written: SealedPack[] = [];
  const copied = new Set<string>();
  for (const m of moves) {
    for (const r of m.records) {
      if (copied.has(r.id)) continue;
      copied.add(r.id);
      writer.add(Buffer.from(r.id, 'hex'), r.record);
      if (writer.bytes >= PACK_TARGET_BYTES) written.push(writer.seal()!);
    }
  }
  const last = writer.seal();
  if (last) written.push(last);
  result.packsWritten = written.length;
  // 2. One index for everything that stays; 3. then the old index files; 4. then the packs.
  const oldIndexFiles = listIndexFiles(paths);
  const newIndexId = writeIndexFile(paths, [
    ...asIndexedPacks(keep),
    ...written.map((w) => ({ packId: w.packId, size: w.size, entries: w.entries })),
  ]);
  for (const id of oldIndexFiles) if (id !== newIndexId) fs.rmSync(indexFile(paths, id), { force: true });
  for (const p of removed) fs.rmSync(packFile(paths, p.packId), { force: true });
  result.tempFilesRemoved = removeStaleTemps(paths, now, grace);
  return result;
}

/** Leftovers of crashed writes, once they are older than the grace period. */
function removeStaleTemps(paths: StorePaths, now: number, grace: number): number {
  let n = 0;
  for (const dir of [paths.packs, paths.index, paths.manifests]) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name);
      if (isTempName(name) && ageMs(file, now) >= grace) {
        fs.rmSync(file, { force: true });
        n++;
      }
    }
  }
  return n;
}
