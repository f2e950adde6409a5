import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PageStore } from '../../src-main/page-store';
import { tempDir } from '../helpers/temp-dir';
import { runChild } from './child-process';
import { seededPages } from './fixtures/seeded-pages';

describe('two processes writing to one store', () => {
  it('serialize on the writer lock, and readers meanwhile see only committed points', async () => {
    const dir = tempDir('strata-ps-conc-');
    const storeDir = path.join(dir, 'store');
    const log = path.join(dir, 'lock.log');
    const store = PageStore.open(storeDir);
    const runs = Promise.all([
      runChild(['loop', storeDir, 'a', '8', log]),
      runChild(['loop', storeDir, 'b', '8', log]),
    ]);
    let done = false;
    void runs.then(() => (done = true));
    let reads = 0;
    while (!done) {
      // A reader takes no lock and must never see a half-written point.
      const r = store.verify();
      expect(JSON.stringify(r.points.filter((p) => !p.ok))).toEqual('[]');
      reads++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const r of await runs) expect(r.code, r.stderr).toBe(0);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(32);
    // Strictly enter, exit, enter, exit... with the same writer on both sides: never two inside.
    for (let i = 0; i < lines.length; i += 2) {
      expect(lines[i]!.startsWith('enter ')).toBe(true);
      expect(lines[i + 1]).toBe(lines[i]!.replace('enter', 'exit'));
    }
    expect(new Set(lines.map((l) => l.split(' ')[1])).size).toBe(2);
    const listing = store.listManifests();
    expect(listing.damaged).toEqual([]);
    expect(listing.manifests).toHaveLength(16);
    expect(store.verify({ readData: true }).ok).toBe(true);
    for (const tag of ['a', 'b']) {
      const i = 5;
      const out = path.join(dir, `${tag}.db`);
      await store.materialise(`${tag}-${i}`, out);
      const expected = Buffer.concat([...seededPages(1, 20), ...seededPages(tag.charCodeAt(0) * 1000 + i, 20)]);
      expect(fs.readFileSync(out).equals(expected)).toBe(true);
    }
    console.log(`[concurrency] ${reads} lock-free verifies ran while the two writers worked`);
    expect(reads).toBeGreaterThan(0);
  });
});
