import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_NAMES } from '../../src-main/contract';
import { fakeElectron, loadMainWith, quitAndWait, waitFor, type FakeElectron } from './fake-electron';
import { ensureMainBundle, MAIN_BUNDLE } from './main-bundle';

/**
 * Loads the built Electron main bundle (dist/electron/main.cjs) with a recording stand-in for
 * the 'electron' module, so the shell's security settings, IPC sender checks, protocol and
 * quit handling are checked on machines without the Electron binary. The bundle is built when
 * it is missing or older than the sources, never skipped. The real-binary spec is
 * electron.spec.test.ts.
 */
describe('Electron main shell (with a stand-in for electron)', () => {
  let root: string;
  let dataDir: string;
  let fake: FakeElectron;
  let unload: () => void = () => {};
  const savedEnv = process.env.STRATA_DATA_DIR;

  beforeAll(async () => {
    ensureMainBundle();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-shell-'));
    dataDir = path.join(root, 'data');
    fs.mkdirSync(path.join(root, 'dist-renderer', 'assets'), { recursive: true });
    fs.writeFileSync(path.join(root, 'dist-renderer', 'index.html'), '<!doctype html><title>Strata</title>');
    fs.writeFileSync(path.join(root, 'secret.txt'), 'do not serve');
    fake = fakeElectron(root);
    process.env.STRATA_DATA_DIR = dataDir;
    unload = loadMainWith(MAIN_BUNDLE, fake);
    await waitFor(() => fake.windows.length === 1);
  });

  afterAll(async () => {
    unload();
    if (savedEnv === undefined) delete process.env.STRATA_DATA_DIR;
    else process.env.STRATA_DATA_DIR = savedEnv;
    // Quit cleanly if a test did not already.
    await quitAndWait(fake, dataDir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('opens one window with isolation, sandbox and no Node, from app://strata', () => {
    const [win] = fake.windows;
    expect(win!.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(String(win!.options.webPreferences.preload)).toMatch(/preload\.cjs$/);
    expect(win!.loaded).toBe('app://strata/index.html');
    expect(fake.state.privileged).toEqual([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ secure: true, standard: true }) }),
    ]);
    // The data folder override also moves the browser profile (and the single-instance lock).
    expect(fake.state.userData).toBe(path.join(dataDir, 'electron-profile'));
    expect(fs.existsSync(path.join(dataDir, 'strata.db'))).toBe(true);
  });

  it('denies permissions, new windows and navigation away from the app', () => {
    let granted: boolean | null = null;
    fake.state.permissionRequest!({}, 'media', (ok: boolean) => (granted = ok));
    expect(granted).toBe(false);
    expect(fake.state.permissionCheck!({}, 'notifications')).toBe(false);
    const wc = fake.windows[0]!.webContents;
    expect(wc.openHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    const navigate = (url: string) => {
      let prevented = false;
      for (const fn of wc.events.on['will-navigate'] ?? []) fn({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(navigate('https://evil.example/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate('app://strata/index.html')).toBe(false);
  });

  it('serves the renderer with the CSP header and nothing outside dist-renderer', async () => {
    const handler = fake.protocols.get('app')!;
    const page = (await handler(new Request('app://strata/index.html'))) as Response;
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<title>Strata</title>');
    for (const p of ['app://strata/%2e%2e/secret.txt', 'app://strata/..%2fsecret.txt', 'app://other/secret.txt']) {
      const r = (await handler(new Request(p))) as Response;
      expect(await r.text(), p).not.toContain('do not serve');
    }
  });

  it('registers one IPC handler per operation and answers only our window', async () => {
    for (const name of OPERATION_NAMES) expect(fake.ipc.has(`strata:op:${name}`), name).toBe(true);
    expect(fake.ipc.has('strata:files:upload')).toBe(true);
    const wc = fake.windows[0]!.webContents;
    const call = (event: unknown, input: unknown) => fake.ipc.get('strata:op:createSession')!(event, input);
    const ours = { sender: wc, senderFrame: wc.mainFrame };
    const ok = await call(ours, { title: 'From the window' });
    expect(ok).toMatchObject({ ok: true, result: { title: 'From the window' } });

    const other = { sender: { mainFrame: { url: 'app://strata/index.html' } }, senderFrame: wc.mainFrame };
    expect(await call(other, { title: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const subframe = { sender: wc, senderFrame: { url: 'app://strata/index.html' } };
    expect(await call(subframe, { title: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    wc.mainFrame.url = 'https://evil.example/';
    expect(await call({ sender: wc, senderFrame: wc.mainFrame }, { title: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    wc.mainFrame.url = 'app://strata/index.html';
    expect(await call(ours, { title: 'x', path: '/etc' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });

    const list = await fake.ipc.get('strata:op:listSessions')!(ours, {});
    expect(list.result.sessions.map((s: { title: string }) => s.title)).toEqual(['From the window']);
    // Events reach the window in the contract's shape.
    expect(wc.sent).toContainEqual({
      channel: 'strata:event',
      msg: { name: 'data-changed', payload: { reason: 'edit' } },
    });
  });

  it('keeps dropped files as transfers and refuses names with folders', async () => {
    const wc = fake.windows[0]!.webContents;
    const ours = { sender: wc, senderFrame: wc.mainFrame };
    const upload = fake.ipc.get('strata:files:upload')!;
    const bytes = new TextEncoder().encode('{"a":1}').buffer;
    const r = await upload(ours, 'notes.json', bytes);
    expect(r).toMatchObject({ ok: true, result: { fileName: 'notes.json', bytes: 7 } });
    expect(r.result.transferId).toMatch(/^[0-9a-f]{32}$/);
    expect(await upload(ours, '../evil.json', bytes)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const pick = await fake.ipc.get('strata:files:chooseImport')!(ours, 'archive');
    expect(pick).toEqual({ ok: true, result: null }); // the dialog was cancelled
  });

  it('drives the scheduler from suspend and resume, and quits only after a clean close', async () => {
    expect(fake.state.powerMonitor.on.suspend).toHaveLength(1);
    expect(fake.state.powerMonitor.on.resume).toHaveLength(1);
    fake.state.powerMonitor.on.suspend![0]!();
    fake.state.powerMonitor.on.resume![0]!();
    expect(fs.existsSync(path.join(dataDir, 'strata.lock'))).toBe(true);
    let prevented = false;
    for (const fn of fake.appEvents.on['before-quit'] ?? []) fn({ preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    await expect.poll(() => fake.state.quitCalls, { timeout: 20_000 }).toBe(1);
    expect(fs.existsSync(path.join(dataDir, 'strata.lock'))).toBe(false);
    // The second before-quit (from app.quit) goes through.
    let preventedAgain = false;
    for (const fn of fake.appEvents.on['before-quit'] ?? []) fn({ preventDefault: () => (preventedAgain = true) });
    expect(preventedAgain).toBe(false);
  });
});
