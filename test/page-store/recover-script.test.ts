import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PageStore } from '../../src-main/page-store';
import { packFile } from '../../src-main/page-store/store-paths';
import { tempDir } from '../helpers/temp-dir';
import { churn, filesUnder, integrityCheck, makeDemoDb, seededRandom, takePoint } from './store-fixtures';

const script = path.resolve(__dirname, '..', '..', 'scripts', 'recover.mjs');

function recover(args: string[]) {
  return spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
}

describe('scripts/recover.mjs', () => {
  it('rebuilds every point on its own, equal to materialise, even without index files', async () => {
    const dir = tempDir('strata-ps-recover-');
    const db = await makeDemoDb(path.join(dir, 'strata.db'), 10, 80);
    const storeDir = path.join(dir, 'store');
    const store = PageStore.open(storeDir);
    const a = await takePoint(store, db, 'first');
    churn(db, seededRandom(9), 50, 5, 2);
    await takePoint(store, db, 'second', a);
    const list = recover(['--store', storeDir, '--list']);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^first\t/m);
    expect(list.stdout).toMatch(/^second\t/m);
    // The index files are only a cache: the script reads pack trailers.
    for (const f of filesUnder(storeDir, 'index')) fs.rmSync(f);
    for (const id of ['first', 'second']) {
      const viaScript = path.join(dir, `${id}.script.db`);
      const viaStore = path.join(dir, `${id}.store.db`);
      const r = recover(['--store', storeDir, '--point', id, '--out', viaScript]);
      expect(r.status, r.stderr).toBe(0);
      await store.materialise(id, viaStore);
      expect(fs.readFileSync(viaScript).equals(fs.readFileSync(viaStore))).toBe(true);
      expect(integrityCheck(viaScript)).toBe('ok');
    }
    expect(fs.readFileSync(path.join(dir, 'second.script.db')).equals(fs.readFileSync(db))).toBe(true);
  });

  it('reads through a damaged dictionary file by using its copy in a pack', async () => {
    const dir = tempDir('strata-ps-recover-');
    const db = await makeDemoDb(path.join(dir, 'strata.db'), 6, 60);
    const store = PageStore.open(path.join(dir, 'store'));
    await takePoint(store, db, 'only');
    const [dictFile] = filesUnder(store.paths.root, 'dictionaries');
    expect(dictFile, 'a dictionary was trained').toBeDefined();
    const data = fs.readFileSync(dictFile!);
    data[100] = data[100]! ^ 0xff;
    fs.writeFileSync(dictFile!, data);
    const report = store.verify({ readData: true });
    expect(report.dictionaries).toEqual([expect.objectContaining({ ok: false })]);
    expect(report.points.every((p) => p.ok)).toBe(true);
    const out = path.join(dir, 'out.db');
    expect(recover(['--store', store.paths.root, '--point', 'only', '--out', out]).status).toBe(0);
    expect(fs.readFileSync(out).equals(fs.readFileSync(db))).toBe(true);
    await store.materialise('only', path.join(dir, 'store.db'));
    expect(fs.readFileSync(path.join(dir, 'store.db')).equals(fs.readFileSync(db))).toBe(true);
  });

  it('refuses a damaged point instead of writing wrong pages', async () => {
    const dir = tempDir('strata-ps-recover-');
    const db = await makeDemoDb(path.join(dir, 'strata.db'), 4, 40);
    const store = PageStore.open(path.join(dir, 'store'));
    await takePoint(store, db, 'only');
    // The last object of the pack: a page or a chunk, either of which the point needs.
    const [pack] = store.reloadIndex().packs.values();
    const last = pack!.entries.reduce((a, b) => (a.offset > b.offset ? a : b));
    const file = packFile(store.paths, pack!.packId);
    const data = fs.readFileSync(file);
    data[last.offset + 20] = data[last.offset + 20]! ^ 0xff;
    fs.writeFileSync(file, data);
    const out = path.join(dir, 'out.db');
    const r = recover(['--store', store.paths.root, '--point', 'only', '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing or damaged/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
