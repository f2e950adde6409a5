import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { PageStore } from '../../src-main/page-store';
import { ObjectReader } from '../../src-main/page-store/object-reader';
import { tempDir } from '../helpers/temp-dir';
import { integrityCheck, makeDemoDb, seededRandom, takePoint } from './store-fixtures';

/**
 * A restore reads the pages the live database still holds unchanged from it (`sameAs`), each
 * checked against its id, instead of inflating them from the store. These tests prove that a
 * page that differs there, or is missing, never gets in, and that the reuse is real.
 */

const PAGE = 4096;

async function pointAndNeighbour(seed: number) {
  const dir = tempDir('strata-same-as-');
  const db = path.join(dir, 'strata.db');
  await makeDemoDb(db, 12, 60);
  const store = PageStore.open(path.join(dir, 'store'));
  const m = await takePoint(store, db, 'p1');
  const exact = path.join(dir, 'exact.db');
  await store.materialise(m.id, exact);
  // The neighbour: the same file with some pages changed (seeded), and cut short.
  const random = seededRandom(seed);
  const bytes = fs.readFileSync(exact);
  const changed: number[] = [];
  for (let pgno = 1; pgno <= m.pageCount; pgno++) {
    if (random() < 0.2) {
      const at = (pgno - 1) * PAGE + Math.floor(random() * PAGE);
      bytes[at] = bytes[at]! ^ (1 + Math.floor(random() * 255));
      changed.push(pgno);
    }
  }
  const neighbour = path.join(dir, 'neighbour.db');
  fs.writeFileSync(neighbour, bytes.subarray(0, (m.pageCount - 7) * PAGE + 100));
  return { dir, store, m, exact, neighbour, changed };
}

describe('materialise with pages from a neighbouring file', () => {
  it('writes exactly the point: changed, torn and missing pages come from the store', async () => {
    for (const seed of [1, 2, 3]) {
      const { dir, store, m, exact, neighbour, changed } = await pointAndNeighbour(seed);
      expect(changed.length, `seed ${seed}: some pages differ`).toBeGreaterThan(0);
      const fd = fs.openSync(neighbour, 'r');
      try {
        const out = path.join(dir, 'out.db');
        await store.materialise(m.id, out, { sameAs: fd, durable: false });
        expect(fs.readFileSync(out).equals(fs.readFileSync(exact)), `seed ${seed}`).toBe(true);
        expect(integrityCheck(out)).toBe('ok');
      } finally {
        fs.closeSync(fd);
      }
    }
  }, 60_000);

  it('takes the unchanged pages from the neighbour instead of reading them from the store', async () => {
    const { dir, store, m, exact, neighbour, changed } = await pointAndNeighbour(4);
    const reads = vi.spyOn(ObjectReader.prototype, 'read');
    const count = async (sameAs: number | undefined) => {
      reads.mockClear();
      const out = path.join(dir, `out-${reads.mock.calls.length}-${Math.random()}.db`);
      await store.materialise(m.id, out, sameAs === undefined ? {} : { sameAs });
      expect(fs.readFileSync(out).equals(fs.readFileSync(exact))).toBe(true);
      return reads.mock.calls.length;
    };
    const unchanged = fs.openSync(exact, 'r');
    const partial = fs.openSync(neighbour, 'r');
    try {
      const plain = await count(undefined);
      expect(plain).toBeGreaterThanOrEqual(m.pageCount);
      // Only the page list is read from the store when every page is there unchanged.
      const lists = plain - m.pageCount;
      expect(await count(unchanged)).toBe(lists);
      // Changed pages and the 7 missing at the end come from the store, no others.
      expect(await count(partial)).toBe(lists + changed.filter((p) => p <= m.pageCount - 7).length + 7);
    } finally {
      reads.mockRestore();
      fs.closeSync(unchanged);
      fs.closeSync(partial);
    }
  }, 60_000);
});
