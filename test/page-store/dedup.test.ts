import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PageStore } from '../../src-main/page-store';
import { tempDir } from '../helpers/temp-dir';
import { churn, integrityCheck, makeDemoDb, pageHashes, seededRandom, takePoint } from './store-fixtures';

/**
 * 45 points of a database that changes about 1 % of its pages between points, with the same
 * kind of work as a chat app: new messages in recent sessions, a few edits and deletions.
 */
describe('deduplication', () => {
  it('45 points cost about what changed, far below 45 copies; sizes are reported honestly', async () => {
    const dir = tempDir('strata-ps-dedup-');
    const db = await makeDemoDb(path.join(dir, 'strata.db'), 40, 250);
    const store = PageStore.open(path.join(dir, 'store'));
    const rand = seededRandom(45);
    let before = pageHashes(db);
    let previous = await takePoint(store, db, 'p00');
    const firstStored = store.stats().storedBytes;
    let changedPages = 0;
    for (let i = 1; i < 45; i++) {
      churn(db, rand, 25, 3, 1);
      const after = pageHashes(db);
      changedPages += after.filter((h, n) => before[n] !== h).length;
      before = after;
      previous = await takePoint(store, db, `p${String(i).padStart(2, '0')}`, previous);
    }
    const stats = store.stats();
    const gzipCopy = zlib.gzipSync(fs.readFileSync(db), { level: 1 }).length;
    const pages = before.length;
    const churnShare = changedPages / 44 / pages;
    console.log(
      `[dedup] ${pages} pages; mean churn ${(churnShare * 100).toFixed(2)} % per point; ` +
        `store ${stats.storedBytes} B = ${(stats.storedBytes / gzipCopy).toFixed(2)}x one gzip -1 copy (${gzipCopy} B); ` +
        `first point ${firstStored} B; logical ${stats.logicalBytes} B; dedup ratio ${stats.dedupRatio.toFixed(1)}`,
    );
    expect(churnShare).toBeGreaterThan(0.005);
    expect(churnShare).toBeLessThan(0.03);
    // What 44 changes can cost at most: each changed page stored once, uncompressed, with its
    // framing and index entries, plus each point's changed chunks. Derived from the run itself.
    const perPageOverhead = 16 + 40 + 44;
    const chunkBytes = 64 * 32 + perPageOverhead;
    const bound = firstStored + changedPages * (4096 + perPageOverhead + chunkBytes / 8) + 44 * 8192;
    expect(stats.storedBytes).toBeLessThan(bound);
    expect(stats.storedBytes).toBeLessThan(45 * gzipCopy * 0.1);
    // The goal: 45 points for the price of two gzip copies (the data is seeded, so this is exact).
    expect(stats.storedBytes).toBeLessThan(2 * gzipCopy);
    // Honest sizes: what each point added sums to the referenced bytes; the newest point alone
    // frees only what nobody else holds.
    const added = stats.perPoint.reduce((n, p) => n + p.addedBytes, 0);
    expect(added).toBe(stats.packBytes - stats.unreferencedBytes - packFraming(store));
    expect(stats.perPoint[0]!.addedBytes).toBeGreaterThan(stats.perPoint[1]!.addedBytes * 10);
    const deleteThirty = stats.perPoint.slice(0, 30).map((p) => p.id);
    const freesThirty = store.stats({ deleting: deleteThirty }).deletingFreesBytes;
    await store.deleteManifests(deleteThirty);
    const t0 = performance.now();
    const gc = await store.gc({ graceMs: 0 });
    const gcMs = performance.now() - t0;
    const afterGc = store.stats();
    console.log(
      `[dedup] deleting 30 points was predicted to free ${freesThirty} B; GC freed ${gc.bytesFreed} B ` +
        `(${gc.packsDeleted} packs deleted, ${gc.packsRepacked} repacked) in ${gcMs.toFixed(0)} ms`,
    );
    expect(afterGc.unreferencedBytes).toBeLessThanOrEqual(freesThirty * 0.25 + 4 * 1024 * 1024 * 0.25);
    expect(gc.bytesFreed).toBeGreaterThan(0);
    const out = path.join(dir, 'newest.db');
    await store.materialise(previous.id, out);
    expect(fs.readFileSync(out).equals(fs.readFileSync(db))).toBe(true);
    expect(integrityCheck(out)).toBe('ok');
    expect(store.verify({ readData: true }).ok).toBe(true);
  });
});

/** Pack bytes that are not object records: entries and footers. */
function packFraming(store: PageStore): number {
  let n = 0;
  for (const p of store.currentIndex().packs.values()) n += p.size - p.entries.reduce((k, e) => k + e.length, 0);
  return n;
}
