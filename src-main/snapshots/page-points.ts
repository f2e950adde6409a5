import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../core/errors';
import { PageStore, type Manifest } from '../page-store';
import { entryOfManifest, metaOfSidecar } from './manifest-entry';
import { parseSnapshotId } from './snapshot-id';
import type { SnapshotEntry, SnapshotSidecar } from './sidecar';
import type { DamagedEntry } from './store';

interface Cached {
  key: string;
  entry: SnapshotEntry | null;
  problem: string | null;
}

/**
 * The snapshots kept as manifests in the page store. Parsed manifests are cached by file size,
 * mtime and inode: a manifest is only ever replaced whole by rename, so any change shows there.
 */
export class PagePoints {
  readonly store: PageStore;
  private readonly cache = new Map<string, Cached>();

  constructor(readonly dir: string) {
    this.store = PageStore.open(dir);
  }

  private manifestPath(id: string): string {
    return path.join(this.store.paths.manifests, `${id}.json`);
  }

  scan(): { entries: SnapshotEntry[]; damaged: DamagedEntry[] } {
    const entries: SnapshotEntry[] = [];
    const damaged: DamagedEntry[] = [];
    let names: string[];
    try {
      names = fs.readdirSync(this.store.paths.manifests);
    } catch {
      names = [];
    }
    const seen = new Set<string>();
    for (const name of names) {
      if (name.startsWith('.') || !name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      seen.add(id);
      const r = this.read(id);
      if (r === null) continue;
      if (r.entry) entries.push(r.entry);
      else damaged.push(this.damagedOf(id, r.problem ?? 'unreadable'));
    }
    for (const id of [...this.cache.keys()]) if (!seen.has(id)) this.cache.delete(id);
    return { entries, damaged };
  }

  has(id: string): boolean {
    return fs.existsSync(this.manifestPath(id));
  }

  get(id: string): SnapshotEntry {
    const r = this.read(id);
    if (r === null) throw new StrataError('not_found', `No snapshot with id ${id}. 'strata list' shows the ids.`);
    if (!r.entry)
      throw new StrataError('snapshot_damaged', `The manifest of snapshot ${id} is damaged (${r.problem ?? ''}).`);
    return r.entry;
  }

  private read(id: string): Cached | null {
    const file = this.manifestPath(id);
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return null;
    }
    const key = `${st.size}:${st.mtimeMs}:${st.ino}`;
    const hit = this.cache.get(id);
    if (hit?.key === key) return hit;
    let out: Cached;
    try {
      const m = this.store.readManifest(id);
      const r = entryOfManifest(m, this.dir, file);
      out = r.ok ? { key, entry: r.entry, problem: null } : { key, entry: null, problem: r.problem };
    } catch (e) {
      if (e instanceof StrataError && e.code === 'not_found') return null;
      out = { key, entry: null, problem: (e as Error).message };
    }
    this.cache.set(id, out);
    return out;
  }

  private damagedOf(id: string, problem: string): DamagedEntry {
    const parsed = parseSnapshotId(id);
    return {
      id,
      reason: `its manifest is damaged (${problem}); the pages it names stay in the store`,
      // The pages stay (GC keeps what a damaged manifest names), so nothing deletes it unasked.
      recoverable: true,
      storedPath: null,
      sidecarPath: this.manifestPath(id),
      tier: parsed?.tier ?? null,
      createdAt: parsed ? new Date(parsed.createdAt).toISOString() : null,
      storage: 'pages',
    };
  }

  /**
   * Rewrites a point's metadata under the store's writer lock, from the manifest as it is on disk
   * under that lock, so two processes never lose each other's changes.
   */
  async update(id: string, change: (current: SnapshotSidecar) => SnapshotSidecar): Promise<SnapshotEntry> {
    const writer = await this.store.beginWrite(`update ${id}`);
    try {
      const m: Manifest = this.store.readManifest(id);
      const r = entryOfManifest(m, this.dir, this.manifestPath(id));
      if (!r.ok) throw new StrataError('snapshot_damaged', `The manifest of snapshot ${id} is damaged (${r.problem}).`);
      const { storedPath: _s, sidecarPath: _p, storage: _k, ...sidecar } = r.entry;
      writer.updateMeta(m, metaOfSidecar(m.meta, change(sidecar)));
    } finally {
      writer.close();
    }
    return this.get(id);
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.store.deleteManifests(ids);
    for (const id of ids) this.cache.delete(id);
  }
}
