import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PageStore, pagesOfBuffers, type Manifest } from '../../src-main/page-store';
import { tempDir } from '../helpers/temp-dir';
import { filesUnder, meta, seededRandom } from './store-fixtures';

/**
 * Many new pages are compressed in encoder threads; what lands in the store must not depend on
 * whether they were (nor on which thread finished first).
 */
const WORDS = 'session message model token prompt answer cache index page table row value'.split(' ');

function textPage(rand: () => number): Buffer {
  const words: string[] = [];
  for (let n = 0; n < 4096; n += 7) words.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  return Buffer.from(words.join(' ').padEnd(4096, '.').slice(0, 4096), 'latin1');
}

/** 3,000 pages with repeats (one page content in many places), then half of them edited. */
function history(): Buffer[][] {
  const rand = seededRandom(11);
  const first: Buffer[] = [];
  for (let i = 0; i < 3000; i++) first.push(i > 5 && i % 97 === 5 ? first[5]! : textPage(rand));
  const second = first.map((p, i) => {
    if (i % 2) return p;
    const out = Buffer.from(p);
    out.write(`edited ${i} ${Math.floor(rand() * 1e9).toString(36)}`, Math.floor(rand() * 4000), 'latin1');
    return out;
  });
  return [first, second];
}

async function storeAll(dir: string, points: Buffer[][], encoderThreads: boolean) {
  const store = PageStore.open(path.join(dir, 'store'));
  const manifests: Manifest[] = [];
  const inThreads: number[] = [];
  for (const [i, pages] of points.entries()) {
    const w = await store.beginWrite('test');
    try {
      const previous = manifests.at(-1);
      const stored = await w.putPages(pagesOfBuffers(pages), { ...(previous ? { previous } : {}), encoderThreads });
      inThreads.push(stored.encodedInThreads);
      manifests.push(w.commitManifest(stored, { id: `p${i}`, createdAt: '2026-12-01T12:00:00.000Z', meta: meta() }));
    } finally {
      w.close();
    }
  }
  return { store, manifests, inThreads };
}

describe('encoder threads', () => {
  it('store exactly the packs one thread would, and every point reads back page for page', async () => {
    const points = history();
    const threaded = await storeAll(tempDir('strata-ps-enc-'), points, true);
    const single = await storeAll(tempDir('strata-ps-enc-'), points, false);
    // The threads did the work: every new page of the first point, and the changed ones after.
    expect(threaded.inThreads[0]).toBeGreaterThan(2500);
    expect(threaded.inThreads[1]).toBeGreaterThan(1000);
    expect(single.inThreads).toEqual([0, 0]);

    const packs = (s: PageStore) =>
      filesUnder(s.paths.root, 'packs')
        .map((f) => path.basename(f))
        .sort();
    expect(packs(threaded.store)).toEqual(packs(single.store));
    expect(threaded.manifests.map((m) => m.format === 2 && m.pageList)).toEqual(
      single.manifests.map((m) => m.format === 2 && m.pageList),
    );
    for (const [i, m] of threaded.manifests.entries()) {
      const point = threaded.store.openPoint(m.id);
      expect(point.pageCount).toBe(points[i]!.length);
      for (let n = 1; n <= point.pageCount; n++) {
        if (!point.readPage(n).equals(points[i]![n - 1]!)) throw new Error(`point ${i} page ${n} differs`);
      }
    }
    // The edited pages went in against the pages they replaced, from the threads too.
    expect(threaded.store.verify({ readData: true }).points.every((p) => p.ok)).toBe(true);
  });
});
