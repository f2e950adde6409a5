import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PageStore, pagesOfBuffers } from '../../src-main/page-store';
import { tempDir } from '../helpers/temp-dir';
import { seededPages } from './fixtures/seeded-pages';
import { meta } from './store-fixtures';

/** A real full disk: a 1 MiB tmpfs, mounted when the test runs as root and may mount. */
function mountSmallTmpfs(): string | null {
  if (process.getuid?.() !== 0) return null;
  const dir = tempDir('strata-ps-full-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
  return r.status === 0 ? dir : null;
}

const mounted: string[] = [];
afterEach(() => {
  while (mounted.length) spawnSync('umount', [mounted.pop()!]);
});

const canMount = (() => {
  const dir = mountSmallTmpfs();
  if (!dir) return false;
  spawnSync('umount', [dir]);
  return true;
})();

describe('a full disk', () => {
  it.skipIf(!canMount)('gives disk_full, lists nothing half-written, and keeps the older point intact', async () => {
    const dir = mountSmallTmpfs()!;
    mounted.push(dir);
    const store = PageStore.open(path.join(dir, 'store'));
    const first = seededPages(11, 40); // 160 KiB, incompressible
    const w = await store.beginWrite('test');
    w.commitManifest(await w.putPages(pagesOfBuffers(first)), { id: 'fits', meta: meta() });
    w.close();
    const w2 = await store.beginWrite('test');
    // 2 MiB of new pages cannot fit in what is left of 1 MiB.
    await expect(w2.putPages(pagesOfBuffers(seededPages(12, 512)))).rejects.toMatchObject({ code: 'disk_full' });
    w2.close();
    const listing = store.listManifests();
    expect(listing.damaged).toEqual([]);
    expect(listing.manifests.map((m) => m.id)).toEqual(['fits']);
    expect(store.verify({ readData: true }).ok).toBe(true);
    // Nothing of the failed write is left behind to fill the disk further.
    expect(fs.readdirSync(store.paths.packs).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const out = path.join(tempDir('strata-ps-full-out-'), 'fits.db');
    await store.materialise('fits', out);
    expect(fs.readFileSync(out).equals(Buffer.concat(first))).toBe(true);
  });
});
