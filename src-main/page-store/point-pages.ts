import { StrataError } from '../core/errors';
import { PageListResolver } from './page-list';
import { chunkPageIds, type ObjectReader } from './object-reader';
import type { Manifest } from './manifest';

/** A point's pages as ids, whichever manifest format names them. */
export interface PointPageIds {
  /** Page ids in page order (page n at index n - 1). */
  ids: string[];
  /** Pages whose object is stored against other objects (codec 4): page number -> those objects. */
  deps: ReadonlyMap<number, readonly string[]>;
  /** The objects that hold the page list itself: chunks (format 1) or page lists (format 2). */
  listObjects: string[];
  /** For format 2: the list's delta and whole content bytes, which a writer uses to pick its base. */
  deltaBytes: number;
  wholeBytes: number;
}

export type PageListRoots = { chunks: string[] } | { pageList: string };

const NO_DEPS: ReadonlyMap<number, readonly string[]> = new Map();

/**
 * Resolves the page ids of points, each object checked against its hash. One resolver shared
 * across many points reads each shared page-list object once.
 */
export class PointResolver {
  private readonly lists: PageListResolver;

  constructor(private readonly reader: ObjectReader) {
    this.lists = new PageListResolver((id) => reader.read(id));
  }

  /** Throws when a list object is missing or damaged (ObjectMissingError, ObjectDamagedError). */
  pages(m: Manifest): PointPageIds {
    const out = this.pagesOf(m.format === 1 ? { chunks: m.chunks } : { pageList: m.pageList });
    if (out.ids.length !== m.pageCount) {
      throw new StrataError(
        'corrupt',
        `Point ${m.id}: its page list names ${out.ids.length} pages, not ${m.pageCount}.`,
      );
    }
    return out;
  }

  /** The pages that a manifest's chunk ids (format 1) or page-list id (format 2) name. */
  pagesOf(roots: PageListRoots): PointPageIds {
    if ('chunks' in roots) {
      const ids: string[] = [];
      for (const c of roots.chunks) ids.push(...chunkPageIds(this.reader.read(c)));
      return { ids, deps: NO_DEPS, listObjects: [...roots.chunks], deltaBytes: 0, wholeBytes: 0 };
    }
    const r = this.lists.resolve(roots.pageList);
    return { ids: r.ids, deps: r.deps, listObjects: r.chain, deltaBytes: r.deltaBytes, wholeBytes: r.wholeBytes };
  }

  /** Every object the point needs: its list objects, then its pages, then their bases. */
  objectsOf(m: Manifest): string[] {
    return objectsOfPoint(this.pages(m));
  }
}

export function objectsOfPoint(p: PointPageIds): string[] {
  const out = [...p.listObjects, ...p.ids];
  for (const d of p.deps.values()) out.push(...d);
  return out;
}
