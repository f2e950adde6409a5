import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PageStore, pagesOfBuffers } from '../../src-main/page-store';
import { packFile } from '../../src-main/page-store/store-paths';
import { tempDir } from '../helpers/temp-dir';
import { seededPages } from './fixtures/seeded-pages';
import { meta } from './store-fixtures';

const idOf = (p: Buffer) => crypto.createHash('sha256').update(p).digest('hex');

async function put(store: PageStore, id: string, pages: Buffer[]): Promise<void> {
  const w = await store.beginWrite('test');
  try {
    w.commitManifest(await w.putPages(pagesOfBuffers(pages)), { id, meta: meta() });
  } finally {
    w.close();
  }
}

function ageAllPacks(store: PageStore, ms: number): void {
  const t = new Date(Date.now() - ms);
  for (const p of store.reloadIndex().packs.keys()) fs.utimesSync(packFile(store.paths, p), t, t);
}

describe('garbage collection', () => {
  it('removes what no kept point references, keeps what one does, and predicts what it frees', async () => {
    const store = PageStore.open(path.join(tempDir('strata-ps-gc-'), 'store'));
    const shared = seededPages(1, 30);
    const onlyA = seededPages(2, 30);
    const onlyB = seededPages(3, 30);
    await put(store, 'A', [...shared, ...onlyA]);
    await put(store, 'B', [...shared, ...onlyB]);
    ageAllPacks(store, 2 * 3600_000);
    const predicted = store.stats({ deleting: ['A'] }).deletingFreesBytes;
    expect(store.stats().perPoint.find((p) => p.id === 'A')!.freesBytes).toBe(predicted);
    await store.deleteManifests(['A']);
    const dry = await store.gc({ dryRun: true });
    expect(store.reloadIndex().has(idOf(onlyA[0]!))).toBe(true); // a dry run changes nothing
    const result = await store.gc();
    expect(result.bytesFreed).toBe(dry.bytesFreed);
    const index = store.reloadIndex();
    for (const p of onlyA) expect(index.has(idOf(p))).toBe(false);
    for (const p of [...shared, ...onlyB]) expect(index.has(idOf(p))).toBe(true);
    // Only A's pages and chunks were unique to A; repacking keeps the shared pages.
    expect(predicted).toBeGreaterThan(30 * 4096);
    expect(result.bytesFreed).toBeGreaterThan(predicted * 0.9);
    const out = path.join(store.paths.root, 'b.db');
    await store.materialise('B', out);
    expect(fs.readFileSync(out).equals(Buffer.concat([...shared, ...onlyB]))).toBe(true);
    expect(store.verify({ readData: true }).ok).toBe(true);
  });

  it('never touches packs younger than the grace period', async () => {
    const store = PageStore.open(path.join(tempDir('strata-ps-gc-'), 'store'));
    const pages = seededPages(4, 20);
    await put(store, 'A', pages);
    // Objects written by a writer that has not committed its manifest yet look unreferenced.
    const w = await store.beginWrite('slow writer');
    const pending = await w.putPages(pagesOfBuffers(seededPages(5, 20)));
    w.flush();
    w.close();
    await store.deleteManifests(['A']);
    const first = await store.gc({ graceMs: 3600_000 });
    expect(first.packsDeleted + first.packsRepacked).toBe(0);
    expect(first.packsKeptYoung).toBe(2);
    const index = store.reloadIndex();
    for (const c of [...pending.chunks, pending.pageList!]) expect(index.has(c)).toBe(true);
    // The writer that started before the GC can still commit a point over those objects.
    const w2 = await store.beginWrite('slow writer');
    const m = w2.commitManifest(pending, { id: 'late', meta: meta() });
    w2.close();
    expect(store.verify({ readData: true }).ok).toBe(true);
    await store.materialise(m.id, path.join(store.paths.root, 'late.db'));
    // Once old enough, what nothing references goes.
    ageAllPacks(store, 2 * 3600_000);
    const later = await store.gc({ graceMs: 3600_000 });
    expect(later.packsDeleted).toBe(1);
    expect(store.reloadIndex().has(idOf(pages[0]!))).toBe(false);
    expect(store.verify({ readData: true }).ok).toBe(true);
  });

  it('a writer re-checks the index under the lock: pages a GC removed are stored again', async () => {
    const store = PageStore.open(path.join(tempDir('strata-ps-gc-'), 'store'));
    const pages = seededPages(6, 20);
    await put(store, 'A', pages);
    const previous = store.readManifest('A');
    await store.deleteManifests(['A']);
    ageAllPacks(store, 2 * 3600_000);
    await store.gc({ graceMs: 0 });
    // The caller still holds A's manifest and says nothing changed: the writer must not trust it.
    const w = await store.beginWrite('test');
    const stored = await w.putPages(pagesOfBuffers(pages), { previous, changedPages: new Set() });
    w.commitManifest(stored, { id: 'B', meta: meta() });
    w.close();
    expect(stored.newObjects).toBeGreaterThanOrEqual(20);
    expect(store.verify({ readData: true }).ok).toBe(true);
  });
});
