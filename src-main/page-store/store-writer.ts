import { StrataError } from '../core/errors';
import { saveDictionary, trainDictionary } from './dictionaries';
import { encodeAgainstBase, encodeObject, ObjectKind, sha256, type Dictionary } from './object-codec';
import { writeIndexFile, type ObjectIndex } from './object-index';
import { chunkPageIds, ObjectReader } from './object-reader';
import { PACK_TARGET_BYTES, PackWriter, type SealedPack } from './pack-writer';
import { DEFAULT_CHUNK_SIZE, writeManifest, type Manifest, type ManifestMeta } from './manifest';
import { encodePageList, type PageListEntry } from './page-list';
import { PointResolver, type PointPageIds } from './point-pages';
import { MANIFEST_ID, type StorePaths } from './store-paths';
import type { PageSource } from './page-source';
import type { StoreLock } from './store-lock';

/** The pages of one point, stored: what a manifest will reference. */
export interface StoredPages {
  pageSize: number;
  pageCount: number;
  /** 2: one page-list object (`pageList`); 1: chunk objects (`chunkSize`, `chunks`). */
  format: 1 | 2;
  pageList: string | null;
  chunkSize: number;
  chunks: string[];
  /** Pages whose content was read and hashed (the rest were reused from `previous`). */
  pagesHashed: number;
  /** New objects this call wrote and their bytes as stored. */
  newObjects: number;
  newBytes: number;
}

export interface PutPagesOptions {
  /** The point this one follows: its unchanged chunks are reused without reading their pages. */
  previous?: Manifest;
  /** Pages that may differ from `previous` (for example the pages the WAL says changed). */
  changedPages?: ReadonlySet<number>;
  /** Chunk size of a format-1 (`layout: 'chunks'`) point. */
  chunkSize?: number;
  /**
   * `list` (the default): a format-2 point, whose page list is a delta against the previous
   * point's and whose changed pages are compressed against the pages they replace. `chunks`: a
   * format-1 point, as earlier versions wrote.
   */
  layout?: 'list' | 'chunks';
  /**
   * Objects that verify found damaged or missing: when the source holds the same content, a fresh
   * copy is stored (in a new pack) instead of trusting the index. Points that referenced the
   * damaged copy are healed as soon as the pack and its index are written (`flush`).
   */
  heal?: ReadonlySet<string>;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A changed page is stored against the page that stood at its place, or against that page's own
 * base: always a page stored on its own, never another delta. Reading a page then decodes at most
 * two objects, and a kept page pins only its one base: deleting old points frees the deltas they
 * alone used. When the delta is not below this share of the page stored alone, the page is stored
 * alone and becomes the base for the versions after it (measured in the format document).
 */
export const DELTA_SHARE = 0.5;
/** A page list is a delta on at most this many lists; then a whole list starts a new chain. */
export const MAX_LIST_CHAIN = 64;

/**
 * One write session under the store's writer lock: stores new objects into packs, then commits
 * manifests. Objects are named by hash, so a page already in the store costs a hash and a lookup.
 */
export class StoreWriter {
  private readonly pack: PackWriter;
  private readonly sealed: SealedPack[] = [];
  /** Objects in the pack being written, not yet sealed or indexed. */
  private readonly pending = new Set<string>();
  private closed = false;
  private dict: Dictionary | null = null;
  private heal = new Set<string>();
  /** What each object this session wrote needs to be decoded (its codec-4 bases). */
  private readonly written = new Map<string, readonly string[]>();

  constructor(
    private readonly paths: StorePaths,
    private readonly index: ObjectIndex,
    private readonly lock: StoreLock,
    private readonly reader: ObjectReader,
  ) {
    this.pack = new PackWriter(paths);
  }

  async putPages(source: PageSource, opts: PutPagesOptions = {}): Promise<StoredPages> {
    this.assertOpen();
    const prev = opts.previous && opts.previous.pageSize === source.pageSize ? opts.previous : undefined;
    const layout = opts.layout ?? 'list';
    const chunkSize =
      layout === 'chunks' ? (prev?.format === 1 ? prev.chunkSize : undefined) ?? opts.chunkSize ?? DEFAULT_CHUNK_SIZE : 0;
    const result: StoredPages = {
      pageSize: source.pageSize,
      pageCount: source.pageCount,
      format: layout === 'list' ? 2 : 1,
      pageList: null,
      chunkSize,
      chunks: [],
      pagesHashed: 0,
      newObjects: 0,
      newBytes: 0,
    };
    for (const id of opts.heal ?? []) this.heal.add(id);
    this.dict ??= this.reader.dictionaries.current() ?? this.newDictionary(source, result);
    if (layout === 'list') await this.putListed(source, prev, opts.changedPages, result);
    else await this.putChunked(source, prev, opts.changedPages, result);
    return result;
  }

  private async putChunked(
    source: PageSource,
    prev: Manifest | undefined,
    changedPages: ReadonlySet<number> | undefined,
    result: StoredPages,
  ): Promise<void> {
    const chunkSize = result.chunkSize;
    const chunkCount = Math.ceil(source.pageCount / chunkSize);
    for (let c = 0; c < chunkCount; c++) {
      const first = c * chunkSize + 1;
      const last = Math.min((c + 1) * chunkSize, source.pageCount);
      const reused =
        prev?.format === 1 && changedPages ? this.reusableChunk(prev, c, first, last, changedPages) : null;
      if (reused) {
        result.chunks.push(reused);
        continue;
      }
      const ids = Buffer.allocUnsafe((last - first + 1) * 32);
      for (let pgno = first; pgno <= last; pgno++) {
        const page = source.readPage(pgno);
        const id = sha256(page);
        id.copy(ids, (pgno - first) * 32);
        result.pagesHashed++;
        // A format-1 point cannot name bases, so it never relies on a copy stored against one.
        if (this.index.has(id.toString('hex')) && this.dependencies(id.toString('hex')).length) {
          this.heal.add(id.toString('hex'));
        }
        this.store(id, ObjectKind.page, page, result);
      }
      const chunkId = sha256(ids);
      this.store(chunkId, ObjectKind.chunk, ids, result);
      result.chunks.push(chunkId.toString('hex'));
      if (c % 16 === 15) await yieldToLoop();
    }
  }

  /**
   * A format-2 point: every page hashed (or, outside `changedPages`, taken from the previous
   * point), new pages compressed against the page they replace, and a page list that names only
   * what differs from the previous point's list.
   */
  private async putListed(
    source: PageSource,
    prev: Manifest | undefined,
    changedPages: ReadonlySet<number> | undefined,
    result: StoredPages,
  ): Promise<void> {
    const before = prev ? this.previousPages(prev) : null;
    const asDelta =
      prev?.format === 2 &&
      before !== null &&
      before.listObjects.length < MAX_LIST_CHAIN &&
      before.deltaBytes < before.wholeBytes &&
      before.listObjects.every((id) => this.present(id));
    const entries: PageListEntry[] = [];
    for (let pgno = 1; pgno <= source.pageCount; pgno++) {
      const prevId = before?.ids[pgno - 1];
      const prevDeps = before?.deps.get(pgno) ?? [];
      let id: string;
      let deps: readonly string[];
      if (changedPages && prevId && !changedPages.has(pgno) && [prevId, ...prevDeps].every((d) => this.present(d))) {
        id = prevId;
        deps = prevDeps;
      } else {
        const page = source.readPage(pgno);
        const idBuf = sha256(page);
        id = idBuf.toString('hex');
        result.pagesHashed++;
        // An unchanged page keeps the bases its entry already names, without reading its record.
        if (id === prevId && prev?.format === 2 && [id, ...prevDeps].every((d) => this.present(d))) deps = prevDeps;
        else deps = this.storePage(idBuf, page, prevId && prevId !== id ? { id: prevId, deps: prevDeps } : null, result);
      }
      if (!asDelta || id !== prevId || !sameIds(deps, prevDeps)) entries.push({ pgno, id, deps });
      if (pgno % 4096 === 0) await yieldToLoop();
    }
    const list = encodePageList(source.pageCount, asDelta ? (prev as { pageList: string }).pageList : null, entries);
    const listId = sha256(list);
    this.store(listId, ObjectKind.pageList, list, result);
    result.pageList = listId.toString('hex');
  }

  /** The previous point's pages, or null when they cannot be read (then nothing is reused). */
  private previousPages(prev: Manifest): PointPageIds | null {
    try {
      return new PointResolver(this.reader).pages(prev);
    } catch {
      return null;
    }
  }

  /**
   * Stores one page unless the store has it, and returns the objects it needs to be decoded. A new
   * page that replaced `replaced` is stored against its base (see DELTA_SHARE) when that is enough
   * smaller.
   */
  private storePage(
    id: Buffer,
    page: Buffer,
    replaced: { id: string; deps: readonly string[] } | null,
    result: StoredPages,
  ): readonly string[] {
    const hex = id.toString('hex');
    const known = this.written.get(hex);
    if (known) return known;
    if (this.present(hex)) return this.dependencies(hex);
    let record = encodeObject(ObjectKind.page, page, true, this.dict ?? undefined);
    let deps: readonly string[] = [];
    const baseId = !replaced || replaced.deps.length > 1 ? null : (replaced.deps[0] ?? replaced.id);
    if (baseId && !this.heal.has(hex) && this.present(baseId)) {
      let base: Buffer | null = null;
      try {
        base = this.reader.read(baseId);
      } catch {
        base = null; // a damaged base: store the page on its own
      }
      const limit = Math.floor(record.length * DELTA_SHARE);
      const delta = base && encodeAgainstBase(page, { id: Buffer.from(baseId, 'hex'), content: base }, limit);
      if (delta) {
        record = delta;
        deps = [baseId];
      }
    }
    this.store(id, ObjectKind.page, page, result, record);
    this.written.set(hex, deps);
    return deps;
  }

  /** In the store and not known to be damaged. */
  private present(id: string): boolean {
    return this.index.has(id) && !this.heal.has(id);
  }

  private dependencies(id: string): readonly string[] {
    return this.written.get(id) ?? this.reader.dependenciesOf(id);
  }

  /**
   * Seals the open pack, indexes what this session wrote, then writes the manifest: the manifest
   * is the commit point, so it comes last.
   */
  commitManifest(pages: StoredPages, m: { id: string; createdAt?: string; meta: ManifestMeta }): Manifest {
    this.assertOpen();
    if (!MANIFEST_ID.test(m.id)) throw new StrataError('invalid_input', `Invalid point id: ${m.id}`);
    this.flush();
    const common = {
      id: m.id,
      createdAt: m.createdAt ?? new Date().toISOString(),
      pageSize: pages.pageSize,
      pageCount: pages.pageCount,
    };
    if (pages.format === 2) {
      if (!pages.pageList) throw new StrataError('internal', 'A format-2 point has no page list.');
      return writeManifest(this.paths, { format: 2, ...common, pageList: pages.pageList, meta: m.meta });
    }
    return writeManifest(this.paths, {
      format: 1,
      ...common,
      chunkSize: pages.chunkSize,
      chunks: pages.chunks,
      meta: m.meta,
    });
  }

  /** Rewrites a manifest's metadata (tiers, pinned, label, check); its pages stay as they are. */
  updateMeta(manifest: Manifest, meta: ManifestMeta): Manifest {
    this.assertOpen();
    const { checksum: _old, ...rest } = manifest;
    return writeManifest(this.paths, { ...rest, meta });
  }

  /** Seals the open pack and writes one index file for every pack sealed since the last flush. */
  flush(): void {
    const last = this.pack.seal();
    if (last) this.addSealed(last);
    if (this.sealed.length === 0) return;
    writeIndexFile(this.paths, this.sealed.splice(0));
  }

  /** Releases the lock. Unsealed objects are dropped; sealed, unreferenced ones wait for GC. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pack.abandon();
    this.lock.release();
  }

  private store(id: Buffer, kind: number, content: Buffer, result: StoredPages, encoded?: Buffer): void {
    const hex = id.toString('hex');
    if ((this.index.has(hex) && !this.heal.has(hex)) || this.pending.has(hex)) return;
    this.heal.delete(hex);
    const record =
      encoded ??
      encodeObject(kind, content, kind !== ObjectKind.chunk, kind === ObjectKind.page ? (this.dict ?? undefined) : undefined);
    this.pack.add(id, record);
    this.pending.add(hex);
    result.newObjects++;
    result.newBytes += record.length;
    if (this.pack.bytes >= PACK_TARGET_BYTES) {
      const sealed = this.pack.seal();
      if (sealed) this.addSealed(sealed);
    }
  }

  /** Trains the store's dictionary from this point's pages; kept as a file and as a pack object. */
  private newDictionary(source: PageSource, result: StoredPages): Dictionary | null {
    const dict = trainDictionary(source);
    if (!dict) return null;
    this.store(dict.id, ObjectKind.dictionary, dict.data, result);
    saveDictionary(this.paths, dict);
    return dict;
  }

  private addSealed(p: SealedPack): void {
    this.sealed.push(p);
    this.index.addPack({ packId: p.packId, size: p.size, entries: p.entries }, p.size);
    for (const e of p.entries) this.pending.delete(e.id.toString('hex'));
  }

  /**
   * The previous point's chunk when none of its pages changed and every object it names is still
   * in the store (a GC may have removed them if that point was pruned meanwhile).
   */
  private reusableChunk(
    prev: Extract<Manifest, { format: 1 }>,
    c: number,
    first: number,
    last: number,
    changed: ReadonlySet<number>,
  ): string | null {
    const chunkId = prev.chunks[c];
    if (!chunkId || last > prev.pageCount) return null;
    if (c === prev.chunks.length - 1 && last !== prev.pageCount) return null;
    for (let p = first; p <= last; p++) if (changed.has(p)) return null;
    if (!this.index.has(chunkId)) return null;
    try {
      const ids = chunkPageIds(this.reader.read(chunkId));
      const present = (id: string) => this.index.has(id) && !this.heal.has(id);
      if (ids.length !== last - first + 1 || !ids.every(present) || this.heal.has(chunkId)) return null;
    } catch {
      return null;
    }
    return chunkId;
  }

  private assertOpen(): void {
    if (this.closed) throw new StrataError('internal', 'This store write session is closed.');
  }
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
