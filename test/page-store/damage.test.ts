import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PageStore, pagesOfBuffers, type VerifyReport } from '../../src-main/page-store';
import { packFile, indexFile } from '../../src-main/page-store/store-paths';
import { listIndexFiles } from '../../src-main/page-store/object-index';
import { tempDir } from '../helpers/temp-dir';
import { filesUnder, meta, seededRandom } from './store-fixtures';

const PAGE = 4096;

function randomPages(rand: () => number, n: number, tag: string): Buffer[] {
  return Array.from({ length: n }, (_v, i) => {
    const b = Buffer.alloc(PAGE);
    for (let k = 0; k < PAGE; k += 4) b.writeUInt32LE(Math.floor(rand() * 2 ** 32), k);
    b.write(`${tag}-${i}`, 0);
    return b;
  });
}

async function put(store: PageStore, id: string, pages: Buffer[]): Promise<void> {
  const w = await store.beginWrite('test');
  try {
    w.commitManifest(await w.putPages(pagesOfBuffers(pages)), { id, meta: meta() });
  } finally {
    w.close();
  }
}

/**
 * Three points over two packs of pages: X = x pages (pack PX), Y = y pages (pack PY),
 * Z = first half of x + second half of y (only its chunks are new).
 */
async function threePoints() {
  const dir = tempDir('strata-ps-damage-');
  const store = PageStore.open(path.join(dir, 'store'));
  const rand = seededRandom(7);
  const x = randomPages(rand, 100, 'x');
  const y = randomPages(rand, 100, 'y');
  await put(store, 'X', x);
  await put(store, 'Y', y);
  await put(store, 'Z', [...x.slice(0, 50), ...y.slice(50)]);
  const idOf = (p: Buffer) => crypto.createHash('sha256').update(p).digest('hex');
  const loc = (p: Buffer) => store.reloadIndex().locations.get(idOf(p))!;
  return { dir, store, x, y, idOf, loc };
}

const affected = (r: VerifyReport) =>
  r.points
    .filter((p) => !p.ok)
    .map((p) => p.id)
    .sort();

function flipByte(file: string, at: number): void {
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0x5a;
  fs.writeSync(fd, b, 0, 1, at);
  fs.closeSync(fd);
}

describe('damage stays local and is named exactly', () => {
  it('an undamaged store verifies, with and without reading data', async () => {
    const { store } = await threePoints();
    expect(store.verify().ok).toBe(true);
    const full = store.verify({ readData: true });
    expect(full.ok).toBe(true);
    expect(full.packsRead).toBe(store.currentIndex().packs.size);
    const half = store.verify({ readData: true, subsetPercent: 50, subsetSeed: 0 });
    const otherHalf = store.verify({ readData: true, subsetPercent: 50, subsetSeed: 0.5 });
    expect(half.packsRead + otherHalf.packsRead).toBe(full.packsRead);
  });

  it('a flipped byte in a pack damages only the points that reference that object', async () => {
    const { store, y, loc, idOf } = await threePoints();
    // y[10] is only in Y; y[60] is in Y and Z.
    const only = loc(y[10]!);
    flipByte(packFile(store.paths, only.packId), only.offset + 100);
    let r = store.verify({ readData: true });
    expect(affected(r)).toEqual(['Y']);
    expect(r.points.find((p) => p.id === 'Y')!.problems).toEqual([
      expect.objectContaining({ kind: 'damaged_object', objectId: idOf(y[10]!), packId: only.packId }),
    ]);
    expect(r.packs.filter((p) => !p.ok).map((p) => p.packId)).toEqual([only.packId]);
    const shared = loc(y[60]!);
    flipByte(packFile(store.paths, shared.packId), shared.offset + 200);
    r = store.verify({ readData: true });
    expect(affected(r)).toEqual(['Y', 'Z']);
    // The undamaged point still materialises; the damaged one refuses instead of writing bad pages.
    await store.materialise('X', path.join(store.paths.root, 'x.db'));
    await expect(store.materialise('Y', path.join(store.paths.root, 'y.db'))).rejects.toThrow(/hash mismatch/);
    expect(fs.existsSync(path.join(store.paths.root, 'y.db'))).toBe(false);
  });

  it('a truncated pack is found without reading data, and only its dependants are reported', async () => {
    const { store, x, loc } = await threePoints();
    const cut = loc(x[70]!);
    fs.truncateSync(packFile(store.paths, cut.packId), cut.offset + 10);
    const r = store.verify();
    // x[70..99] are only in X; x[0..49] (in X and Z) sit before the cut.
    expect(affected(r)).toEqual(['X']);
    expect(r.index.map((p) => p.kind)).toContain('truncated_pack');
    const cutEarly = loc(x[20]!);
    fs.truncateSync(packFile(store.paths, cutEarly.packId), cutEarly.offset);
    expect(affected(store.verify())).toEqual(['X', 'Z']);
  });

  it('a damaged or truncated index file loses nothing: packs are read instead, and rebuild fixes it', async () => {
    const { store } = await threePoints();
    const [first] = listIndexFiles(store.paths);
    flipByte(indexFile(store.paths, first!), 40);
    let r = store.verify({ readData: true });
    expect(affected(r)).toEqual([]);
    expect(r.index).toEqual([expect.objectContaining({ kind: 'damaged_index' })]);
    const second = listIndexFiles(store.paths).find((i) => i !== first)!;
    fs.truncateSync(indexFile(store.paths, second), 20);
    r = store.verify();
    expect(affected(r)).toEqual([]);
    expect(r.index.filter((p) => p.kind === 'damaged_index')).toHaveLength(2);
    const rebuilt = await store.rebuildIndex();
    expect(rebuilt.packs).toBe(store.currentIndex().packs.size);
    expect(listIndexFiles(store.paths)).toHaveLength(1);
    expect(store.verify({ readData: true }).ok).toBe(true);
  });

  it('rebuilds the index from packs alone', async () => {
    const { store } = await threePoints();
    const before = [...store.reloadIndex().locations.keys()].sort();
    for (const f of filesUnder(store.paths.root, 'index')) fs.rmSync(f);
    await store.rebuildIndex();
    expect([...store.reloadIndex().locations.keys()].sort()).toEqual(before);
    expect(store.verify({ readData: true }).ok).toBe(true);
  });

  it('a damaged pack trailer is recovered by walking the objects', async () => {
    const { store, x } = await threePoints();
    const px = store.reloadIndex().locations.get(crypto.createHash('sha256').update(x[0]!).digest('hex'))!.packId;
    const file = packFile(store.paths, px);
    flipByte(file, fs.statSync(file).size - 40); // inside the footer
    for (const f of filesUnder(store.paths.root, 'index')) fs.rmSync(f);
    const index = store.reloadIndex();
    expect(index.problems).toEqual([expect.objectContaining({ kind: 'damaged_pack_trailer' })]);
    const r = store.verify({ readData: true });
    expect(affected(r)).toEqual([]);
    expect(r.packs.find((p) => p.packId === px)!.ok).toBe(false);
  });

  it('a flipped or truncated manifest is detected and only that point is reported', async () => {
    const { store } = await threePoints();
    const file = path.join(store.paths.manifests, 'Y.json');
    const text = fs.readFileSync(file, 'utf8');
    // A flipped `pinned` keeps valid JSON: only the checksum can tell.
    fs.writeFileSync(file, text.replace('"pinned": false', '"pinned": true'));
    let r = store.verify();
    expect(affected(r)).toEqual(['Y']);
    expect(r.points.find((p) => p.id === 'Y')!.problems[0]!.kind).toBe('damaged_manifest');
    expect(store.listManifests().manifests.map((m) => m.id)).toEqual(['X', 'Z']);
    // GC keeps what a damaged but parseable manifest references.
    await store.gc({ graceMs: 0 });
    fs.writeFileSync(file, text);
    expect(store.verify({ readData: true }).ok).toBe(true);
    fs.truncateSync(path.join(store.paths.manifests, 'Z.json'), 30);
    r = store.verify();
    expect(affected(r)).toEqual(['Z']);
    // A manifest that cannot be read at all stops GC before it deletes anything.
    const packsBefore = store.reloadIndex().packs.size;
    await expect(store.gc({ graceMs: 0 })).rejects.toMatchObject({ code: 'store_damaged' });
    expect(store.reloadIndex().packs.size).toBe(packsBefore);
  });

  it('repair: a damaged page that the live database still has is stored again and heals its points', async () => {
    const { store, y, loc, idOf } = await threePoints();
    const hit = loc(y[60]!);
    flipByte(packFile(store.paths, hit.packId), hit.offset + 100);
    const damaged = store.verify({ readData: true });
    expect(affected(damaged)).toEqual(['Y', 'Z']);
    const ids = new Set(damaged.points.flatMap((p) => p.problems.map((q) => q.objectId!)));
    expect([...ids]).toEqual([idOf(y[60]!)]);
    // The live data still holds that page unchanged (here: Y's pages).
    const w = await store.beginWrite('repair');
    const healed = await w.putPages(pagesOfBuffers(y), { heal: ids });
    w.flush();
    w.close();
    expect(healed.newObjects).toBe(1);
    expect(store.verify({ readData: true }).points.every((p) => p.ok)).toBe(true);
    const out = path.join(store.paths.root, 'y.db');
    await store.materialise('Y', out);
    expect(fs.readFileSync(out).equals(Buffer.concat(y))).toBe(true);
  });
});
