import fs from 'node:fs';
import { StrataError } from '../core/errors';
import { collectGarbage, type GcOptions, type GcResult } from './garbage-collect';
import { materialisePoint, pageIdsOf, PointPages, type MaterialiseOptions } from './materialise';
import { listIndexFiles, ObjectIndex, writeIndexFile, asIndexedPacks } from './object-index';
import { ObjectReader } from './object-reader';
import { parseManifest, readAllManifests, type Manifest, type ManifestListing } from './manifest';
import { acquireStoreLock } from './store-lock';
import { indexFile, manifestFile, MANIFEST_ID, storePaths, type StorePaths } from './store-paths';
import { storeStats, type StoreStats } from './store-stats';
import { StoreWriter } from './store-writer';
import { PackVanishedError, verifyStore, type VerifyOptions, type VerifyReport } from './verify';

/**
 * A content-addressed store of SQLite pages: points in time are manifests over shared page
 * objects. Readers take no lock and see only committed state; one writer at a time, across
 * processes, changes it. The layout is in docs/store-format.md.
 */
export class PageStore {
  readonly paths: StorePaths;
  private index: ObjectIndex | null = null;

  private constructor(root: string) {
    this.paths = storePaths(root);
  }

  static open(root: string): PageStore {
    const store = new PageStore(root);
    for (const dir of [store.paths.packs, store.paths.index, store.paths.manifests, store.paths.locks]) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    }
    return store;
  }

  /** The index as of now (packs or index files written since the last call are picked up). */
  reloadIndex(): ObjectIndex {
    this.index = ObjectIndex.load(this.paths);
    return this.index;
  }

  currentIndex(): ObjectIndex {
    return this.index ?? this.reloadIndex();
  }

  reader(): ObjectReader {
    return new ObjectReader(this.paths, this.currentIndex(), () => this.reloadIndex());
  }

  listManifests(): ManifestListing {
    return readAllManifests(this.paths);
  }

  readManifest(id: string): Manifest {
    if (!MANIFEST_ID.test(id)) throw new StrataError('invalid_input', `Invalid point id: ${id}`);
    let text: string;
    try {
      text = fs.readFileSync(manifestFile(this.paths, id), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new StrataError('not_found', `No point ${id}.`);
      throw e;
    }
    return parseManifest(text, id);
  }

  /**
   * Starts a write session under the writer lock. The index is reloaded under the lock, so
   * objects that a GC removed before the lock was ours are stored again instead of referenced.
   */
  async beginWrite(owner: string, opts: { timeoutMs?: number } = {}): Promise<StoreWriter> {
    const lock = await acquireStoreLock(this.paths, owner, opts);
    try {
      const index = this.reloadIndex();
      return new StoreWriter(this.paths, index, lock, new ObjectReader(this.paths, index, () => index));
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** Random access to a point's pages (for browsing a point without a whole copy). */
  openPoint(id: string): PointPages {
    const manifest = this.readManifest(id);
    const reader = this.reader();
    return new PointPages(manifest, pageIdsOf(manifest, reader), reader);
  }

  /** Writes a point as a plain SQLite file, every page checked against its hash. */
  async materialise(
    id: string,
    outFile: string,
    opts: MaterialiseOptions = {},
  ): Promise<{ bytes: number; manifest: Manifest }> {
    const point = this.openPoint(id);
    const { bytes } = await materialisePoint(point, outFile, opts);
    return { bytes, manifest: point.manifest };
  }

  /**
   * Manifests are listed before the index is loaded: a point committed in between then has all its
   * objects in the index, while the other order would take its new packs for missing ones.
   */
  verify(opts: VerifyOptions = {}): VerifyReport {
    for (let attempt = 0; ; attempt++) {
      const listing = this.listManifests();
      const index = this.reloadIndex();
      try {
        return verifyStore(this.paths, index, this.reader(), listing, opts);
      } catch (e) {
        if (!(e instanceof PackVanishedError) || attempt >= 3) throw e;
      }
    }
  }

  stats(opts: { deleting?: readonly string[] } = {}): StoreStats {
    const manifests = this.listManifests().manifests;
    const index = this.reloadIndex();
    return storeStats(this.paths, index, this.reader(), manifests, new Set(opts.deleting ?? []));
  }

  /** Deletes points (their objects stay until a GC); under the writer lock. */
  async deleteManifests(ids: readonly string[], owner = 'prune'): Promise<void> {
    for (const id of ids) if (!MANIFEST_ID.test(id)) throw new StrataError('invalid_input', `Invalid point id: ${id}`);
    const lock = await acquireStoreLock(this.paths, owner);
    try {
      for (const id of ids) fs.rmSync(manifestFile(this.paths, id), { force: true });
    } finally {
      lock.release();
    }
  }

  async gc(opts: GcOptions & { timeoutMs?: number } = {}): Promise<GcResult> {
    const lock = await acquireStoreLock(this.paths, 'gc', opts);
    try {
      const index = this.reloadIndex();
      const result = collectGarbage(this.paths, index, new ObjectReader(this.paths, index, () => index), opts);
      if (!opts.dryRun) this.reloadIndex();
      return result;
    } finally {
      lock.release();
    }
  }

  /** Rewrites the index from the packs alone, then removes every older index file. */
  async rebuildIndex(): Promise<{ packs: number; objects: number }> {
    const lock = await acquireStoreLock(this.paths, 'rebuild-index');
    try {
      const rebuilt = ObjectIndex.load(this.paths, { ignoreIndexFiles: true });
      const old = listIndexFiles(this.paths);
      const id = writeIndexFile(this.paths, asIndexedPacks(rebuilt.packs.values()));
      for (const o of old) if (o !== id) fs.rmSync(indexFile(this.paths, o), { force: true });
      this.index = ObjectIndex.load(this.paths);
      return { packs: rebuilt.packs.size, objects: rebuilt.locations.size };
    } finally {
      lock.release();
    }
  }
}
