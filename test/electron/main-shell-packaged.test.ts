import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeElectron, loadMainWith, quitAndWait, waitFor, type FakeElectron } from './fake-electron';
import { ensureMainBundle, MAIN_BUNDLE } from './main-bundle';

/**
 * The built main bundle as a packaged app (app.isPackaged), started with both code-choosing
 * variables pointing at planted code: a native binding that is not a library at all, and a
 * worker folder whose snapshot worker leaves a mark. Honouring either would show: the database
 * would fail to open, or the mark would appear.
 */
describe('the packaged app ignores STRATA_SQLITE_BINDING and STRATA_DIST_DIR', () => {
  let root: string;
  let dataDir: string;
  let mark: string;
  let fake: FakeElectron;
  let unload: () => void = () => {};
  const saved = { ...process.env };

  beforeAll(async () => {
    ensureMainBundle();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-packaged-'));
    dataDir = path.join(root, 'data');
    mark = path.join(root, 'planted-worker-ran');
    fs.mkdirSync(path.join(root, 'dist-renderer'), { recursive: true });
    fs.writeFileSync(path.join(root, 'dist-renderer', 'index.html'), '<!doctype html><title>Strata</title>');
    const planted = path.join(root, 'planted');
    fs.mkdirSync(path.join(planted, 'workers'), { recursive: true });
    fs.writeFileSync(path.join(planted, 'evil.node'), 'not a shared library');
    fs.writeFileSync(
      path.join(planted, 'workers', 'snapshot.cjs'),
      `require('node:fs').writeFileSync(${JSON.stringify(mark)}, 'ran');`,
    );
    process.env.STRATA_DATA_DIR = dataDir;
    process.env.STRATA_SQLITE_BINDING = path.join(planted, 'evil.node');
    process.env.STRATA_DIST_DIR = planted;
    fake = fakeElectron(root, { isPackaged: true });
    unload = loadMainWith(MAIN_BUNDLE, fake);
    await waitFor(() => fake.windows.length === 1 || fake.state.errorBoxes.length > 0);
  });

  afterAll(async () => {
    unload();
    await quitAndWait(fake, dataDir);
    for (const k of ['STRATA_DATA_DIR', 'STRATA_SQLITE_BINDING', 'STRATA_DIST_DIR']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('opens the database with its own better-sqlite3 and removes both variables', () => {
    expect(fake.state.errorBoxes).toEqual([]);
    expect(fake.windows).toHaveLength(1);
    expect(process.env.STRATA_SQLITE_BINDING).toBeUndefined();
    expect(process.env.STRATA_DIST_DIR).toBeUndefined();
  });

  it('runs its own snapshot worker, not the planted one', async () => {
    const wc = fake.windows[0]!.webContents;
    const r = await fake.ipc.get('strata:op:createSnapshot')!(
      { sender: wc, senderFrame: wc.mainFrame },
      { label: 'packaged' },
    );
    expect(r).toMatchObject({ ok: true, result: { label: 'packaged' } });
    expect(fs.existsSync(mark)).toBe(false);
  });
});
