import { StrataError } from '../core/errors';
import { saveDictionary, trainDictionary } from './dictionaries';
import { encodeObject, ObjectKind, sha256, type Dictionary } from './object-codec';
import { writeIndexFile, type ObjectIndex } from './object-index';
import { chunkPageIds, ObjectReader } from './object-reader';
import { PACK_TARGET_BYTES, PackWriter, type SealedPack } from './pack-writer';
import { DEFAULT_CHUNK_SIZE, writeManifest, type Manifest, type ManifestMeta } from './manifest';
import { putListedPages, type ListedWriteContext } from './listed-pages';
import { MANIFEST_ID, type StorePaths } from './store-paths';
import type { PageSource } from './page-source';
import type { StoreLock } from './store-lock';

/** The pages of one point, stored: what a manifest will reference. */
export { DELTA_SHARE, MAX_LIST_CHAIN } from './listed-pages';

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
  /** New pages compressed in encoder threads rather than the writing thread. */
  encodedInThreads: number;
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
  /** Compress new pages in encoder threads when there are many (the default); false: this thread only. */
  encoderThreads?: boolean;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

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
      layout === 'chunks'
        ? ((prev?.format === 1 ? prev.chunkSize : undefined) ?? opts.chunkSize ?? DEFAULT_CHUNK_SIZE)
        : 0;
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
      encodedInThreads: 0,
    };
    for (const id of opts.heal ?? []) this.heal.add(id);
    this.dict ??= this.reader.dictionaries.current() ?? this.newDictionary(source, result);
    if (layout === 'list')
      await putListedPages(this.listedContext(), source, prev, opts.changedPages, result, opts.encoderThreads ?? true);
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
      const reused = prev?.format === 1 && changedPages ? this.reusableChunk(prev, c, first, last, changedPages) : null;
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

  /** In the store and not known to be damaged. */
  private present(id: string): boolean {
    return this.index.has(id) && !this.heal.has(id);
  }

  private dependencies(id: string): readonly string[] {
    return this.written.get(id) ?? this.reader.dependenciesOf(id);
  }

  /** What the format-2 layout needs from this session. */
  private listedContext(): ListedWriteContext {
    return {
      reader: this.reader,
      dict: this.dict,
      present: (id) => this.present(id),
      healing: (id) => this.heal.has(id),
      dependencies: (id) => this.dependencies(id),
      written: this.written,
      store: (id, kind, content, result, encoded) => this.store(id, kind, content, result, encoded),
    };
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
    // Pages and page lists are compressed; chunks are hashes, and dictionaries stay raw on purpose.
    const record =
      encoded ??
      encodeObject(
        kind,
        content,
        kind === ObjectKind.page || kind === ObjectKind.pageList,
        kind === ObjectKind.page ? (this.dict ?? undefined) : undefined,
      );
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
