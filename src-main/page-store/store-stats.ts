import fs from 'node:fs';
import path from 'node:path';
import type { ObjectReader } from './object-reader';
import { objectsOfPoint, PointResolver } from './point-pages';
import type { ObjectIndex } from './object-index';
import type { Manifest } from './manifest';
import type { StorePaths } from './store-paths';

export interface PointSize {
  id: string;
  /** The database size of this point. */
  logicalBytes: number;
  /** Stored bytes of objects no earlier point references: what this point added. */
  addedBytes: number;
  /** Stored bytes of objects only this point references: what deleting it frees (after GC). */
  freesBytes: number;
}

export interface StoreStats {
  logicalBytes: number;
  storedBytes: number;
  packBytes: number;
  /** Bytes of objects that no point references (what `gc` would free, roughly). */
  unreferencedBytes: number;
  uniquePages: number;
  packs: number;
  points: number;
  dedupRatio: number;
  perPoint: PointSize[];
  /** With `deleting`: what deleting those points together frees. */
  deletingFreesBytes: number;
}

function folderBytes(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? folderBytes(p) : fs.statSync(p).size;
  }
  return n;
}

/**
 * Honest sizes: the logical size of each point, the bytes it added, and what deleting it (or a
 * set of points) frees, all known before anything is deleted.
 */
export function storeStats(
  paths: StorePaths,
  index: ObjectIndex,
  reader: ObjectReader,
  manifests: readonly Manifest[],
  deleting: ReadonlySet<string> = new Set(),
): StoreStats {
  const refs = new Map<string, number>();
  const keptRefs = new Set<string>();
  const perPointObjects: string[][] = [];
  const pageIds = new Set<string>();
  const resolver = new PointResolver(reader);
  for (const m of manifests) {
    const pages = resolver.pages(m);
    for (const id of pages.ids) pageIds.add(id);
    // A point holds its bases and its base lists too: deleting it frees none that a kept point needs.
    const objs = [...new Set(objectsOfPoint(pages))];
    perPointObjects.push(objs);
    for (const id of objs) {
      refs.set(id, (refs.get(id) ?? 0) + 1);
      if (!deleting.has(m.id)) keptRefs.add(id);
    }
  }
  const sizeOf = (id: string) => index.locations.get(id)?.length ?? 0;
  const seen = new Set<string>();
  const perPoint: PointSize[] = manifests.map((m, i) => {
    let added = 0;
    let frees = 0;
    for (const id of perPointObjects[i]!) {
      if (!seen.has(id)) {
        seen.add(id);
        added += sizeOf(id);
      }
      if (refs.get(id) === 1) frees += sizeOf(id);
    }
    return { id: m.id, logicalBytes: m.pageCount * m.pageSize, addedBytes: added, freesBytes: frees };
  });
  let deletingFrees = 0;
  if (deleting.size > 0) for (const id of refs.keys()) if (!keptRefs.has(id)) deletingFrees += sizeOf(id);
  let packBytes = 0;
  let unreferenced = 0;
  for (const p of index.packs.values()) {
    packBytes += p.sizeOnDisk;
    for (const e of p.entries) if (!refs.has(e.id)) unreferenced += e.length;
  }
  const storedBytes = packBytes + folderBytes(paths.index) + folderBytes(paths.manifests);
  const logicalBytes = perPoint.reduce((n, p) => n + p.logicalBytes, 0);
  return {
    logicalBytes,
    storedBytes,
    packBytes,
    unreferencedBytes: unreferenced,
    uniquePages: pageIds.size,
    packs: index.packs.size,
    points: manifests.length,
    dedupRatio: storedBytes > 0 ? logicalBytes / storedBytes : 0,
    perPoint,
    deletingFreesBytes: deletingFrees,
  };
}
