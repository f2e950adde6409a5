import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PageStore, pagesOfBuffers, type Manifest } from '../../src-main/page-store';
import { seededRandom } from '../../src-main/db/demo-data';
import { Codec, encodeAgainstBase, encodeObject, ObjectKind, sha256 } from '../../src-main/page-store/object-codec';
import { scanPackObjects } from '../../src-main/page-store/pack-reader';
import { decodePageList, encodePageList } from '../../src-main/page-store/page-list';
import { DELTA_SHARE, MAX_LIST_CHAIN } from '../../src-main/page-store/store-writer';
import { packFile } from '../../src-main/page-store/store-paths';
import { tempDir } from '../helpers/temp-dir';
import { meta } from './store-fixtures';

/**
 * Format-2 points: page lists stored as deltas on the point before's list, and changed pages
 * stored against the page they replaced (codec 4). Every point must read back byte for byte,
 * damage anywhere down a chain must be found and pinned to the points on it, and GC must keep
 * every list and base that a kept point needs through those chains.
 */

const script = path.resolve(__dirname, '..', '..', 'scripts', 'recover.mjs');
const WORDS = 'session message model token prompt answer cache index page table row value'.split(' ');

/** Compressible, text-like pages, so that storing a changed page against its old version pays. */
function textPage(rand: () => number): Buffer {
  const words: string[] = [];
  for (let n = 0; n < 4096; n += 7) words.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  return Buffer.from(words.join(' ').padEnd(4096, '.').slice(0, 4096), 'latin1');
}

/** A small edit of one page: a few words rewritten in place, as a changed SQLite cell would be. */
function edit(page: Buffer, rand: () => number): Buffer {
  const out = Buffer.from(page);
  const at = Math.floor(rand() * (4096 - 64));
  out.write(`edited ${Math.floor(rand() * 1e9).toString(36)} `, at, 'latin1');
  return out;
}

async function put(store: PageStore, id: string, pages: Buffer[], previous?: Manifest): Promise<Manifest> {
  const w = await store.beginWrite('test');
  try {
    const stored = await w.putPages(pagesOfBuffers(pages), previous ? { previous } : {});
    return w.commitManifest(stored, { id, meta: meta() });
  } finally {
    w.close();
  }
}

/** `points` points: a few pages edited each time, pages sometimes appended or cut off. */
async function history(store: PageStore, points: number, seed = 1, pageCount = 120) {
  const rand = seededRandom(seed);
  let pages = Array.from({ length: pageCount }, () => textPage(rand));
  const expected: Buffer[][] = [];
  const manifests: Manifest[] = [];
  for (let i = 0; i < points; i++) {
    if (i > 0) {
      pages = pages.map((p) => p);
      for (let k = 0; k < 4; k++) {
        const n = Math.floor(rand() * pages.length);
        pages[n] = edit(pages[n]!, rand);
      }
      if (i % 7 === 0) pages.push(textPage(rand));
      if (i % 11 === 0) pages.pop();
    }
    manifests.push(await put(store, `p${String(i).padStart(3, '0')}`, pages, manifests.at(-1)));
    expected.push(pages);
  }
  return { manifests, expected };
}

function recordOf(store: PageStore, id: string): { file: string; offset: number; length: number; codec: number } {
  const loc = store.reloadIndex().locations.get(id)!;
  const file = packFile(store.paths, loc.packId);
  const head = Buffer.alloc(16);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, head, 0, 16, loc.offset);
  fs.closeSync(fd);
  return { file, offset: loc.offset, length: loc.length, codec: head[4]! };
}

/**
 * Damages a byte in the middle of the record's payload. (The last byte of a deflate stream can be
 * all padding bits, which no decoder reads: flipping it changes nothing.)
 */
function flipPayloadByte(r: { file: string; offset: number; length: number }): void {
  const data = fs.readFileSync(r.file);
  const at = r.offset + 16 + Math.floor((r.length - 16) / 2);
  data[at] = data[at]! ^ 0x5a;
  fs.writeFileSync(r.file, data);
}

function listOf(store: PageStore, m: Manifest) {
  if (m.format !== 2) throw new Error('expected a format-2 point');
  return decodePageList(store.reader().read(m.pageList));
}

describe('format-2 points: delta page lists and pages stored against their base', () => {
  it('encodes page lists exactly as documented and refuses malformed ones', () => {
    const id = (n: number) => n.toString(16).padStart(64, '0');
    const entries = [
      { pgno: 3, id: id(1), deps: [] },
      { pgno: 200, id: id(2), deps: [id(3)] },
      { pgno: 70000, id: id(4), deps: [] },
    ];
    const bytes = encodePageList(70000, id(9), entries);
    // Header, base, then gap 3 (1 byte), 0 deps, id; gap 197 (2 bytes), 1 dep, id, dep; gap 69800 (3 bytes).
    expect(bytes.length).toBe(12 + 32 + (1 + 1 + 32) + (2 + 1 + 64) + (3 + 1 + 32));
    expect([bytes[0], bytes[1], bytes.readUInt32LE(4), bytes.readUInt32LE(8)]).toEqual([1, 1, 70000, 3]);
    expect(bytes.subarray(44, 46)).toEqual(Buffer.from([3, 0]));
    expect(bytes.subarray(78, 80)).toEqual(Buffer.from([197 | 0x80, 1]));
    expect(decodePageList(bytes)).toEqual({ pageCount: 70000, base: id(9), entries });
    expect(() => decodePageList(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/trailing/);
    expect(() => decodePageList(bytes.subarray(0, bytes.length - 1))).toThrow(/cut short/);
    const whole = encodePageList(2, null, [{ pgno: 1, id: id(1), deps: [] }]);
    expect(() => decodePageList(whole)).toThrow(/every page/);
    const outOfRange = Buffer.from(bytes);
    outOfRange.writeUInt32LE(100, 4); // fewer pages than the entries name
    expect(() => decodePageList(outOfRange)).toThrow(/out of range/);
  });

  it('round-trips many points page for page, with lists as deltas and a new whole list after the longest chain', async () => {
    const store = PageStore.open(path.join(tempDir('strata-ps-delta-'), 'store'));
    // Enough pages that a whole list outweighs 64 small deltas: the chain-length rule decides.
    const { manifests, expected } = await history(store, MAX_LIST_CHAIN + 6, 1, 1200);
    let wholeLists = 0;
    for (const [i, m] of manifests.entries()) {
      const list = listOf(store, m);
      if (list.base === null) wholeLists++;
      else {
        const prev = manifests[i - 1]!;
        expect(list.base).toBe(prev.format === 2 ? prev.pageList : null);
        // Only what changed is listed: the four edits, and any page appended.
        expect(list.entries.length).toBeLessThanOrEqual(5);
      }
      const point = store.openPoint(m.id);
      expect(point.pageCount).toBe(expected[i]!.length);
      for (let n = 1; n <= point.pageCount; n++) {
        if (!point.readPage(n).equals(expected[i]![n - 1]!)) throw new Error(`point ${i} page ${n} differs`);
      }
    }
    // The first point, and one more once the chain reached its longest.
    expect(wholeLists).toBe(2);
    expect(listOf(store, manifests[MAX_LIST_CHAIN]!).base).toBeNull();
    // Changed pages went in against the page they replaced, and are far smaller than alone.
    const deltas = manifests.flatMap((m) => listOf(store, m).entries.filter((e) => e.deps.length > 0));
    expect(deltas.length).toBeGreaterThan(MAX_LIST_CHAIN);
    const reader = store.reader();
    const dict = reader.dictionaries.current() ?? undefined;
    for (const e of deltas.slice(0, 40)) {
      const r = recordOf(store, e.id);
      expect(r.codec).toBe(Codec.deflateRawBase);
      expect(recordOf(store, e.deps[0]!).codec).not.toBe(Codec.deflateRawBase); // a base stands alone
      const alone = encodeObject(ObjectKind.page, reader.read(e.id), true, dict).length;
      expect(r.length).toBeLessThan(alone * DELTA_SHARE);
    }
    const out = path.join(store.paths.root, 'last.db');
    await store.materialise(manifests.at(-1)!.id, out);
    expect(fs.readFileSync(out).equals(Buffer.concat(expected.at(-1)!))).toBe(true);
    expect(store.verify({ readData: true }).ok).toBe(true);
    // An incremental point costs its few changed pages, not a fixed share of the list.
    expect(store.stats().perPoint[1]!.addedBytes).toBeLessThan(4 * 300 + 800);
  });

  it('starts a whole list once the deltas under a point outweigh one', async () => {
    const store = PageStore.open(path.join(tempDir('strata-ps-delta-'), 'store'));
    const { manifests } = await history(store, 40, 6);
    const reader = store.reader();
    let deltaBytes = 0;
    let wholeBytes = 0;
    let restarts = 0;
    for (const m of manifests) {
      if (m.format !== 2) throw new Error('expected a format-2 point');
      const content = reader.read(m.pageList);
      const list = decodePageList(content);
      if (wholeBytes > 0) expect(list.base === null, m.id).toBe(deltaBytes >= wholeBytes);
      if (list.base === null) {
        if (wholeBytes > 0) restarts++;
        wholeBytes = content.length;
        deltaBytes = 0;
      } else deltaBytes += content.length;
    }
    expect(restarts).toBeGreaterThan(0);
  });

  it('detects a damaged list or base by its hash and names only the points that depend on it', async () => {
    const store = PageStore.open(path.join(tempDir('strata-ps-delta-'), 'store'));
    const { manifests } = await history(store, 12, 2);
    const ids = manifests.map((m) => m.id);
    const bad = (report: ReturnType<PageStore['verify']>) => report.points.filter((p) => !p.ok).map((p) => p.id);
    // A delta list in the middle of the chain: it and every later point are cut off from their pages.
    const k = 5;
    const m = manifests[k]!;
    if (m.format !== 2) throw new Error('expected a format-2 point');
    flipPayloadByte(recordOf(store, m.pageList));
    expect(bad(store.verify())).toEqual(ids.slice(k));
    expect(bad(store.verify({ readData: true }))).toEqual(ids.slice(k));
    await expect(store.materialise(m.id, path.join(store.paths.root, 'x.db'))).rejects.toThrow();
    const out = path.join(store.paths.root, 'before.db');
    await store.materialise(ids[k - 1]!, out);
    const r = spawnSync(process.execPath, [script, '--store', store.paths.root, '--point', m.id, '--out', out + '.2']);
    expect(r.status).toBe(1);
    expect(fs.existsSync(out + '.2')).toBe(false);
  });

  it('pins a damaged base to exactly the points that read it', async () => {
    const store = PageStore.open(path.join(tempDir('strata-ps-delta-'), 'store'));
    const { manifests } = await history(store, 10, 3);
    const last = manifests.at(-1)!;
    const entry = listOf(store, last).entries.find((e) => e.deps.length > 0)!;
    const base = entry.deps[0]!;
    flipPayloadByte(recordOf(store, base));
    const report = store.verify({ readData: true });
    for (const m of manifests) {
      const verdict = report.points.find((p) => p.id === m.id)!;
      // A point needs the base when one of its pages is the base or is stored against it.
      const needs = pointNeeds(store, m).has(base);
      expect(verdict.ok, m.id).toBe(!needs);
      if (needs) expect(verdict.problems.some((p) => p.objectId === base)).toBe(true);
    }
  });

  it('GC keeps every list and base that kept points reach through their chains', async () => {
    const store = PageStore.open(path.join(tempDir('strata-ps-delta-'), 'store'));
    const { manifests, expected } = await history(store, 20, 4);
    const keep = [manifests[19]!, manifests[12]!];
    const drop = manifests.filter((m) => !keep.includes(m)).map((m) => m.id);
    const predicted = store.stats({ deleting: drop }).deletingFreesBytes;
    await store.deleteManifests(drop);
    const t = new Date(Date.now() - 2 * 3600_000);
    for (const p of store.reloadIndex().packs.keys()) fs.utimesSync(packFile(store.paths, p), t, t);
    const gc = await store.gc({ repackThreshold: 0.01 });
    expect(gc.packsDeleted + gc.packsRepacked).toBeGreaterThan(0);
    // What deleting was said to free is what went (packs' own framing aside).
    expect(gc.bytesFreed).toBeGreaterThan(predicted * 0.9);
    expect(gc.bytesFreed).toBeLessThan(predicted * 1.5 + 4096); // plus 40 B of trailer per object
    const index = store.reloadIndex();
    for (const m of keep) {
      for (const id of pointNeeds(store, m)) expect(index.has(id), `${m.id} needs ${id.slice(0, 12)}`).toBe(true);
      const out = path.join(store.paths.root, `${m.id}.db`);
      await store.materialise(m.id, out);
      expect(fs.readFileSync(out).equals(Buffer.concat(expected[manifests.indexOf(m)]!))).toBe(true);
    }
    expect(store.verify({ readData: true }).ok).toBe(true);
    // The chain goes on from a kept point after its bases' points are gone.
    const rand = seededRandom(44);
    const next = await put(
      store,
      'after-gc',
      expected[19]!.map((p, n) => (n === 3 ? edit(p, rand) : p)),
      keep[0],
    );
    expect(listOf(store, next).base).toBe(keep[0]!.format === 2 ? keep[0]!.pageList : null);
    expect(store.verify({ readData: true }).ok).toBe(true);
    // A second GC finds nothing more that a kept point does not need.
    const again = await store.gc({ graceMs: 0, repackThreshold: 0.01 });
    expect(again.bytesFreed).toBe(0);
  });

  it('walks a pack with a damaged trailer and names a page and its base in any order', () => {
    const rand = seededRandom(9);
    const base = textPage(rand);
    const page = edit(base, rand);
    const baseId = sha256(base);
    const delta = encodeAgainstBase(page, { id: baseId, content: base }, 4096)!;
    expect(delta).not.toBeNull();
    // The page comes before its base, as a repack may leave them.
    const whole = Buffer.concat([delta, encodeObject(ObjectKind.page, base), Buffer.from('not a record at all')]);
    const found = scanPackObjects(whole);
    expect(found.map((e) => [e.id.toString('hex'), e.offset])).toEqual([
      [sha256(page).toString('hex'), 0],
      [baseId.toString('hex'), delta.length],
    ]);
    // With no base anywhere the page is stepped over, and the walk goes on to what follows.
    const alone = scanPackObjects(Buffer.concat([delta, encodeObject(ObjectKind.page, page)]));
    expect(alone.map((e) => e.offset)).toEqual([delta.length]);
  });

  it('names pages stored against a base in a pack whose trailer is damaged, in the app and the script', async () => {
    const store = PageStore.open(path.join(tempDir('strata-ps-delta-'), 'store'));
    const { manifests, expected } = await history(store, 12, 8);
    const keep = [manifests[11]!, manifests[6]!];
    const index = store.reloadIndex();
    const together = listOf(store, keep[0]!).entries.find((e) => e.deps.length > 0);
    expect(together, 'a page stored against a base').toBeDefined();
    const packId = index.locations.get(together!.id)!.packId;
    const basePack = index.locations.get(together!.deps[0]!)!.packId;
    expect(basePack).not.toBe(packId);
    // Both the page's pack and its base's: whichever is walked first, the page is named.
    for (const p of [packId, basePack]) {
      const file = packFile(store.paths, p);
      const data = fs.readFileSync(file);
      data[data.length - 44] = data[data.length - 44]! ^ 0xff; // the footer's magic
      fs.writeFileSync(file, data);
    }
    for (const f of fs.readdirSync(store.paths.index)) fs.rmSync(path.join(store.paths.index, f));
    const reloaded = store.reloadIndex();
    expect(reloaded.problems.map((p) => p.kind)).toContain('damaged_pack_trailer');
    expect(reloaded.locations.get(together!.id)?.packId).toBe(packId);
    expect(reloaded.locations.get(together!.deps[0]!)?.packId).toBe(basePack);
    for (const m of keep) {
      const want = Buffer.concat(expected[manifests.indexOf(m)]!);
      const out = path.join(store.paths.root, `${m.id}.db`);
      await store.materialise(m.id, out);
      expect(fs.readFileSync(out).equals(want)).toBe(true);
      const r = spawnSync(process.execPath, [
        script,
        '--store',
        store.paths.root,
        '--point',
        m.id,
        '--out',
        `${out}.s`,
      ]);
      expect(r.status, String(r.stderr)).toBe(0);
      expect(fs.readFileSync(`${out}.s`).equals(want)).toBe(true);
    }
  });

  it('takes pages outside changedPages from the previous point without reading them', async () => {
    const store = PageStore.open(path.join(tempDir('strata-ps-delta-'), 'store'));
    const { manifests, expected } = await history(store, 3, 10);
    const pages = expected.at(-1)!.map((p, n) => (n === 7 ? edit(p, seededRandom(11)) : p));
    const read: number[] = [];
    const source = pagesOfBuffers(pages);
    const counted = { ...source, readPage: (n: number) => (read.push(n), source.readPage(n)) };
    const w = await store.beginWrite('test');
    const stored = await w.putPages(counted, { previous: manifests.at(-1)!, changedPages: new Set([8]) });
    const m = w.commitManifest(stored, { id: 'wal-told', meta: meta() });
    w.close();
    expect(read).toEqual([8]);
    expect(stored.pagesHashed).toBe(1);
    expect(stored.newObjects).toBe(2); // the changed page and the page list
    expect(listOf(store, m).entries.map((e) => e.pgno)).toEqual([8]);
    const out = path.join(store.paths.root, 'wal-told.db');
    await store.materialise(m.id, out);
    expect(fs.readFileSync(out).equals(Buffer.concat(pages))).toBe(true);
  });

  it('reads format-1 points as before, and continues from one with a whole format-2 list', async () => {
    const store = PageStore.open(path.join(tempDir('strata-ps-delta-'), 'store'));
    const rand = seededRandom(5);
    const pages = Array.from({ length: 80 }, () => textPage(rand));
    const w = await store.beginWrite('test');
    const old = w.commitManifest(await w.putPages(pagesOfBuffers(pages), { layout: 'chunks', chunkSize: 16 }), {
      id: 'old',
      meta: meta(),
    });
    w.close();
    expect(old.format).toBe(1);
    const changed = pages.map((p, n) => (n === 10 ? edit(p, rand) : p));
    const next = await put(store, 'new', changed, old);
    expect(next.format).toBe(2);
    expect(listOf(store, next).base).toBeNull();
    for (const [m, want] of [
      [old, pages],
      [next, changed],
    ] as const) {
      const out = path.join(store.paths.root, `${m.id}.db`);
      await store.materialise(m.id, out);
      expect(fs.readFileSync(out).equals(Buffer.concat(want))).toBe(true);
      const viaScript = `${out}.script`;
      const r = spawnSync(process.execPath, [script, '--store', store.paths.root, '--point', m.id, '--out', viaScript]);
      expect(r.status, String(r.stderr)).toBe(0);
      expect(fs.readFileSync(viaScript).equals(Buffer.concat(want))).toBe(true);
    }
    expect(store.verify({ readData: true }).ok).toBe(true);
  });
});

/** Every object a point needs, resolved here from its list objects without the store's resolver. */
function pointNeeds(store: PageStore, m: Manifest): Set<string> {
  const reader = store.reader();
  const needs = new Set<string>();
  if (m.format !== 2) throw new Error('expected a format-2 point');
  const chain: ReturnType<typeof decodePageList>[] = [];
  for (let id: string | null = m.pageList; id;) {
    needs.add(id);
    const list = decodePageList(reader.read(id));
    chain.push(list);
    id = list.base;
  }
  const entries = new Map<number, { id: string; deps: readonly string[] }>();
  for (const list of chain.reverse()) {
    for (const pgno of [...entries.keys()]) if (pgno > list.pageCount) entries.delete(pgno);
    for (const e of list.entries) entries.set(e.pgno, e);
  }
  for (const e of entries.values()) {
    needs.add(e.id);
    for (const d of e.deps) needs.add(d);
  }
  return needs;
}
