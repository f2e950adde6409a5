import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { startHost, type RunningHost } from '../../src-main/host/server';
import { createClient, createHttpTransport, type ContractError } from '../../src-main/contract';
import { CLI_BUNDLE, runStrata } from '../helpers/cli';

function makeRenderer(dir: string) {
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><title>Strata</title><script src="/assets/app.js"></script>',
  );
  fs.writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log("strata")');
}

/** A raw request, so tests can send what a browser or an attacker would (bad Host, no token...). */
function request(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const json = (b: Buffer) => JSON.parse(b.toString('utf8')) as { ok: boolean; result?: any; error?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('headless host', () => {
  let root: string;
  let app: StrataApp;
  let host: RunningHost;
  let small: RunningHost;
  const auth = () => ({ Authorization: `Bearer ${host.token}`, Host: `127.0.0.1:${host.port}` });
  const op = (name: string, body: unknown, headers: Record<string, string> = {}) =>
    request(host.port, {
      method: 'POST',
      path: `/api/op/${name}`,
      headers: { ...auth(), 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-host-'));
    makeRenderer(path.join(root, 'renderer'));
    // A file left by an earlier run must be cleared on start.
    fs.mkdirSync(path.join(root, 'data', 'transfers'), { recursive: true });
    fs.writeFileSync(path.join(root, 'data', 'transfers', 'stale-export.json'), '{}');
    app = await StrataApp.open({ dataDir: path.join(root, 'data'), owner: 'host' });
    host = await startHost({ app, port: 0, rendererDir: path.join(root, 'renderer') });
  });

  afterAll(async () => {
    await small?.close();
    await host?.close();
    await app?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('prints a 127.0.0.1 URL with a 256-bit token and clears old transfer files', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.token).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readdirSync(path.join(root, 'data', 'transfers'))).toEqual([]);
  });

  it('refuses a missing or wrong token with 401 and changes nothing', async () => {
    const noToken = await request(host.port, {
      method: 'POST',
      path: '/api/op/createSession',
      headers: { Host: `127.0.0.1:${host.port}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'sneaky' }),
    });
    expect(noToken.status).toBe(401);
    expect(json(noToken.body).error.code).toBe('unauthorized');
    const wrong = await op('createSession', { title: 'sneaky' }, { Authorization: `Bearer ${'0'.repeat(64)}` });
    expect(wrong.status).toBe(401);
    const almost = await op(
      'createSession',
      { title: 'sneaky' },
      { Authorization: `Bearer ${host.token.slice(0, -1)}` },
    );
    expect(almost.status).toBe(401);
    // The query token is only for the event stream and downloads, not for operations.
    const viaQuery = await request(host.port, {
      method: 'POST',
      path: `/api/op/createSession?token=${host.token}`,
      headers: { Host: `127.0.0.1:${host.port}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'sneaky' }),
    });
    expect(viaQuery.status).toBe(401);
    const events = await request(host.port, { path: '/api/events', headers: { Host: `127.0.0.1:${host.port}` } });
    expect(events.status).toBe(401);
    expect(app.db.sessions.list({ search: 'sneaky' })).toEqual([]);
  });

  it('refuses a foreign Host header (DNS rebinding) and foreign origins', async () => {
    const rebinding = await op('listSessions', {}, { Host: `evil.example:${host.port}` });
    expect(rebinding.status).toBe(421);
    const page = await request(host.port, { path: '/', headers: { Host: 'evil.example' } });
    expect(page.status).toBe(421);
    const otherPort = await op('listSessions', {}, { Host: `127.0.0.1:${host.port + 1}` });
    expect(otherPort.status).toBe(421);
    const cors = await op('listSessions', {}, { Origin: 'https://evil.example' });
    expect(cors.status).toBe(403);
    const ok = await op(
      'listSessions',
      {},
      { Host: `localhost:${host.port}`, Origin: `http://localhost:${host.port}` },
    );
    expect(ok.status).toBe(200);
  });

  it('serves the renderer with a strict CSP and never outside its folder', async () => {
    const page = await request(host.port, { path: '/', headers: { Host: `127.0.0.1:${host.port}` } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body.toString()).toContain('<title>Strata</title>');
    const js = await request(host.port, { path: '/assets/app.js', headers: { Host: `127.0.0.1:${host.port}` } });
    expect(js.headers['content-type']).toMatch(/javascript/);
    for (const p of [
      '/../data/strata.db',
      '/%2e%2e/data/strata.db',
      '/..%2fdata%2fstrata.db',
      '/assets/../../data/strata.db',
    ]) {
      const r = await request(host.port, { path: p, headers: { Host: `127.0.0.1:${host.port}` } });
      expect(r.body.includes(Buffer.from('SQLite format 3')), p).toBe(false);
    }
    const route = await request(host.port, { path: '/backups', headers: { Host: `127.0.0.1:${host.port}` } });
    expect(route.body.toString()).toContain('<title>Strata</title>');
    const missingAsset = await request(host.port, {
      path: '/assets/nope.js',
      headers: { Host: `127.0.0.1:${host.port}` },
    });
    expect(missingAsset.status).toBe(404);
  });

  it('runs operations end to end and reports bad input without a stack trace', async () => {
    const created = await op('createSession', { title: 'Trip to Lisbon' });
    expect(created.status).toBe(200);
    const session = json(created.body).result;
    expect(session.title).toBe('Trip to Lisbon');
    expect((await op('addMessage', { sessionId: session.id, role: 'user', content: 'Where to eat?' })).status).toBe(
      200,
    );
    const list = json((await op('listSessions', { search: 'Lisbon' })).body).result;
    expect(list.sessions).toHaveLength(1);
    expect(list.sessions[0].messageCount).toBe(1);

    const bad = await op('createSession', { title: 'x', extra: true });
    expect(bad.status).toBe(400);
    expect(json(bad.body)).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringContaining('extra') },
    });
    const missing = await op('getSession', { sessionId: 'no-such-session' });
    expect(missing.status).toBe(404);
    expect(json(missing.body).error.message).not.toMatch(/\bat .*\.(ts|js):\d+/);
    for (const name of ['dropDatabase', 'constructor', 'toString', 'hasOwnProperty']) {
      const unknown = await op(name, {});
      expect(unknown.status, name).toBe(404);
      expect(json(unknown.body).error.code, name).toBe('unknown_operation');
    }
    const notJson = await request(host.port, {
      method: 'POST',
      path: '/api/op/listSessions',
      headers: { ...auth(), 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(notJson.status).toBe(415);
    const broken = await op('listSessions', {}, {});
    expect(broken.status).toBe(200);
    const tooBig = await request(host.port, {
      method: 'POST',
      path: '/api/op/addMessage',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ sessionId: session.id, role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }),
    });
    expect(tooBig.status).toBe(413);
    expect(app.db.messages.countForSession(session.id)).toBe(1);
  });

  it('works through the typed HTTP client', async () => {
    const client = createClient(createHttpTransport({ token: host.token, baseUrl: `http://127.0.0.1:${host.port}` }));
    const s = await client.ops.createSession({ title: 'Via client' });
    await client.ops.addMessage({ sessionId: s.id, role: 'assistant', content: 'Hello', tokenCount: 3 });
    const got = await client.ops.getSession({ sessionId: s.id });
    expect(got.messages.map((m) => m.content)).toEqual(['Hello']);
    expect(got.session.totalTokens).toBe(3);
    const err = (await client.ops.getSession({ sessionId: 'nope' }).catch((e: unknown) => e)) as ContractError;
    expect(err.code).toBe('not_found');
    const wrong = createClient(
      createHttpTransport({ token: 'f'.repeat(64), baseUrl: `http://127.0.0.1:${host.port}` }),
    );
    expect(((await wrong.ops.listSessions({}).catch((e: unknown) => e)) as ContractError).code).toBe('unauthorized');
  });

  it('streams progress events over SSE while a snapshot runs, then lists and verifies it', async () => {
    const events: { name: string; data: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    const req = http.get({
      host: '127.0.0.1',
      port: host.port,
      path: `/api/events?token=${host.token}`,
      headers: { Host: `127.0.0.1:${host.port}` },
    });
    const connected = new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    const res = await connected;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    let buf = '';
    res.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (name && data) events.push({ name, data: JSON.parse(data) });
      }
    });

    const created = await op('createSnapshot', { label: 'before trip', operationId: 'test-op-1' });
    expect(created.status).toBe(200);
    const snap = json(created.body).result;
    expect(snap.label).toBe('before trip');
    expect(snap.tier).toBe('manual');
    expect(snap).not.toHaveProperty('storedPath');
    expect(snap.source).not.toHaveProperty('file');
    await expect
      .poll(() => events.some((e) => e.name === 'progress' && e.data.finished), { timeout: 10_000 })
      .toBe(true);
    const mine = events.filter((e) => e.name === 'progress' && e.data.operationId === 'test-op-1');
    expect(mine.length).toBeGreaterThan(1);
    expect(mine.at(-1)!.data).toMatchObject({ finished: true, kind: 'snapshot' });
    req.destroy();

    const listed = json((await op('listSnapshots', {})).body).result.snapshots;
    expect(listed.map((s: { id: string }) => s.id)).toContain(snap.id);
    const verified = json((await op('verifySnapshot', { snapshotId: snap.id })).body).result;
    expect(verified).toMatchObject({ id: snap.id, ok: true, problems: [] });
    const health = await op('getHealth', {});
    expect(health.status).toBe(200);
    expect(json(health.body).result.snapshotCount).toBeGreaterThanOrEqual(1);
  });

  it('restores a snapshot, reports data-changed, and undoes the restore', async () => {
    const s = json((await op('createSession', { title: 'Keep me' })).body).result;
    const snap = json((await op('createSnapshot', { label: 'with keep-me' })).body).result;
    await op('deleteSession', { sessionId: s.id });
    const cmp = json((await op('compareSnapshot', { snapshotId: snap.id })).body).result;
    expect(cmp.snapshot.sessions).toBe(cmp.current.sessions + 1);
    const changed: string[] = [];
    const off = app.events.on('data-changed', (e) => changed.push(e.reason));
    const restored = await op('restoreSnapshot', { snapshotId: snap.id });
    expect(restored.status).toBe(200);
    expect(json(restored.body).result.restoredFrom).toBe(snap.id);
    expect(json((await op('getSession', { sessionId: s.id })).body).result.session.title).toBe('Keep me');
    const undone = await op('undoRestore', {});
    expect(undone.status).toBe(200);
    expect((await op('getSession', { sessionId: s.id })).status).toBe(404);
    off();
    expect(changed).toEqual(['restore', 'undo-restore']);
    const pinned = json((await op('restoreSnapshot', { snapshotId: '../../strata' })).body);
    expect(pinned.error.code).toBe('invalid_input');
  });

  it('reads and changes the backup configuration', async () => {
    const before = json((await op('getBackupConfig', {})).body).result;
    expect(before.autoIntervalMinutes).toBeGreaterThan(0);
    expect(before).not.toHaveProperty('retry');
    const after = json(
      (await op('setBackupConfig', { autoIntervalMinutes: 30, retention: { keep: { daily: 3 } } })).body,
    ).result;
    expect(after.autoIntervalMinutes).toBe(30);
    expect(after.retention.keep.daily).toBe(3);
    expect(after.retention.keep.hourly).toBe(before.retention.keep.hourly);
    const plan = await op('previewPrune', {});
    expect(plan.status).toBe(200);
    expect(Array.isArray(json(plan.body).result.decisions)).toBe(true);
  });

  it('takes uploads into the transfer folder and hands back an id, but never serves an upload back', async () => {
    const bytes = Buffer.from(JSON.stringify({ hello: 'wörld' }));
    const up = await request(host.port, {
      method: 'POST',
      path: `/api/upload?name=${encodeURIComponent('my notes.json')}`,
      headers: { ...auth(), 'Content-Type': 'application/octet-stream' },
      body: bytes,
    });
    expect(up.status).toBe(200);
    const t = json(up.body).result;
    expect(t.transferId).toMatch(/^[0-9a-f]{32}$/);
    expect(t).toMatchObject({ fileName: 'my notes.json', bytes: bytes.length });
    const down = await request(host.port, {
      path: `/api/download/${t.transferId}?token=${host.token}`,
      headers: { Host: `127.0.0.1:${host.port}` },
    });
    // An uploaded file could be HTML; only files the app exported are downloadable.
    expect(down.status).toBe(404);

    const noToken = await request(host.port, {
      path: `/api/download/${t.transferId}`,
      headers: { Host: `127.0.0.1:${host.port}` },
    });
    expect(noToken.status).toBe(401);
    const unknownId = await request(host.port, {
      path: `/api/download/${'0'.repeat(32)}?token=${host.token}`,
      headers: { Host: `127.0.0.1:${host.port}` },
    });
    expect(unknownId.status).toBe(404);
    const traversal = await request(host.port, {
      path: `/api/download/..%2f..%2fstrata.db?token=${host.token}`,
      headers: { Host: `127.0.0.1:${host.port}` },
    });
    expect(traversal.status).toBe(400);
    const badName = await request(host.port, {
      method: 'POST',
      path: `/api/upload?name=${encodeURIComponent('../../evil.json')}`,
      headers: auth(),
      body: 'x',
    });
    expect(badName.status).toBe(400);
    // An id that was never handed out is refused even if it is well formed.
    const fake = await op('previewSettingsImport', { transferId: 'a'.repeat(32), mode: 'merge' });
    expect(json(fake.body).error.code).toBe('not_found');
  });

  it('exports a session, downloads it, uploads it again and imports it as a new session', async () => {
    const s = json((await op('createSession', { title: 'Recipes: soup' })).body).result;
    for (const content of ['Leek and potato?', 'Yes: leeks, potatoes, stock.'])
      await op('addMessage', { sessionId: s.id, role: content.endsWith('?') ? 'user' : 'assistant', content });

    const progress: string[] = [];
    const off = app.events.on('progress', (p) => {
      if (p.operationId === 'export-1') progress.push(p.phase);
    });
    const exported = await op('exportSession', { sessionId: s.id, format: 'json', operationId: 'export-1' });
    off();
    expect(exported.status).toBe(200);
    const t = json(exported.body).result;
    expect(t.fileName).toBe('recipes-soup.strata-session.json.gz');
    expect(t.bytes).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe('done');

    const down = await request(host.port, {
      path: `/api/download/${t.transferId}?token=${host.token}`,
      headers: { Host: `127.0.0.1:${host.port}` },
    });
    expect(down.status).toBe(200);
    expect(down.body.length).toBe(t.bytes);
    expect(down.body.subarray(0, 2).toString('hex')).toBe('1f8b'); // gzip

    const up = await request(host.port, {
      method: 'POST',
      path: `/api/upload?name=${encodeURIComponent(t.fileName)}`,
      headers: { ...auth(), 'Content-Type': 'application/octet-stream' },
      body: down.body,
    });
    const uploaded = json(up.body).result;
    const snapshotsBefore = json((await op('listSnapshots', {})).body).result.snapshots.length;
    const imported = await op('importArchive', { transferId: uploaded.transferId, allowDuplicate: false });
    expect(imported.status).toBe(200);
    const r = json(imported.body).result;
    expect(r.messageCount).toBe(2);
    expect(r.sessionId).not.toBe(s.id);
    const back = json((await op('getSession', { sessionId: r.sessionId })).body).result;
    expect(back.messages.map((m: { content: string }) => m.content)).toEqual([
      'Leek and potato?',
      'Yes: leeks, potatoes, stock.',
    ]);
    // A safety snapshot was taken before the import wrote anything.
    const after = json((await op('listSnapshots', {})).body).result.snapshots;
    expect(after.length).toBe(snapshotsBefore + 1);
    expect(after[0].label).toBe('Before archive import');
    // The upload is used up: importing it again needs a new upload.
    const again = await op('importArchive', { transferId: uploaded.transferId, allowDuplicate: true });
    expect(json(again.body).error.code).toBe('not_found');

    const md = json((await op('exportSession', { sessionId: s.id, format: 'md' })).body).result;
    expect(md.fileName).toBe('recipes-soup.md');
    const mdDown = await request(host.port, {
      path: `/api/download/${md.transferId}?token=${host.token}`,
      headers: { Host: `127.0.0.1:${host.port}` },
    });
    expect(mdDown.headers['content-type']).toMatch(/text\/markdown/);
    expect(mdDown.body.toString('utf8')).toContain('Leek and potato?');
  });

  it('refuses a damaged archive with a readable error and writes nothing', async () => {
    const before = app.db.sessions.count();
    const up = await request(host.port, {
      method: 'POST',
      path: '/api/upload?name=broken.strata-session.json.gz',
      headers: { ...auth(), 'Content-Type': 'application/octet-stream' },
      body: Buffer.from('this is not an archive'),
    });
    const t = json(up.body).result;
    const r = await op('importArchive', { transferId: t.transferId, allowDuplicate: false });
    expect(r.status).toBeGreaterThanOrEqual(400);
    const err = json(r.body).error;
    expect(err.message.length).toBeGreaterThan(0);
    expect(err.message).not.toMatch(/\bat .*\.(ts|js|cjs):\d+/);
    expect(app.db.sessions.count()).toBe(before);
  });

  it('exports settings without secrets, previews an import, and applies it after a safety snapshot', async () => {
    app.db.settings.set('ui.theme', 'dark');
    app.db.settings.set('provider.apiKey', 'sk-very-secret', { secret: true });
    const exported = json((await op('exportSettings', { includeSecrets: false })).body).result;
    expect(exported.fileName).toMatch(/^strata-settings-\d{4}-\d{2}-\d{2}\.json$/);
    const down = await request(host.port, {
      path: `/api/download/${exported.transferId}?token=${host.token}`,
      headers: { Host: `127.0.0.1:${host.port}` },
    });
    const text = down.body.toString('utf8');
    expect(text).toContain('ui.theme');
    expect(text).not.toContain('sk-very-secret');

    app.db.settings.set('ui.theme', 'light');
    app.db.settings.set('ui.fontSize', 14);
    const up = json(
      (
        await request(host.port, {
          method: 'POST',
          path: `/api/upload?name=${exported.fileName}`,
          headers: { ...auth(), 'Content-Type': 'application/octet-stream' },
          body: down.body,
        })
      ).body,
    ).result;

    const preview = await op('previewSettingsImport', { transferId: up.transferId, mode: 'replace' });
    expect(preview.status).toBe(200);
    const p = json(preview.body).result;
    expect(p.changes).toContainEqual(expect.objectContaining({ kind: 'setting', key: 'ui.theme', change: 'update' }));
    expect(p.changes).toContainEqual(
      expect.objectContaining({ kind: 'setting', key: 'ui.fontSize', change: 'remove' }),
    );
    expect(p.summary.update).toBeGreaterThanOrEqual(1);
    expect(p.warnings.join(' ')).toMatch(/secret setting/);
    // The preview changed nothing.
    expect(app.db.settings.getValue('ui.theme', null)).toBe('light');

    const imported = await op('importSettings', { transferId: up.transferId, mode: 'replace' });
    expect(imported.status).toBe(200);
    const r = json(imported.body).result;
    expect(r.mode).toBe('replace');
    expect(app.db.settings.getValue('ui.theme', null)).toBe('dark');
    expect(app.db.settings.get('ui.fontSize')).toBeNull();
    // The secret this computer holds stays: the file had none.
    expect(app.db.settings.getValue('provider.apiKey', null)).toBe('sk-very-secret');
    expect(r.safetySnapshotId).toEqual(expect.any(String));
    const snaps = json((await op('listSnapshots', {})).body).result.snapshots;
    expect(snaps.find((s: { id: string }) => s.id === r.safetySnapshotId)?.label).toBe('Before settings import');

    const notSettings = json(
      (
        await request(host.port, {
          method: 'POST',
          path: '/api/upload?name=x.json',
          headers: { ...auth(), 'Content-Type': 'application/octet-stream' },
          body: '{"format":"something-else"}',
        })
      ).body,
    ).result;
    const bad = json((await op('previewSettingsImport', { transferId: notSettings.transferId, mode: 'merge' })).body);
    expect(bad.error.code).toBe('invalid_settings_file');
    expect(bad.error.message).toMatch(/Nothing was changed/);
  });

  it('refuses uploads over the size limit and keeps no partial file', async () => {
    small = await startHost({ app, port: 0, rendererDir: path.join(root, 'renderer'), maxUploadBytes: 1024 });
    const r = await request(small.port, {
      method: 'POST',
      path: '/api/upload?name=big.json',
      headers: { Authorization: `Bearer ${small.token}`, Host: `127.0.0.1:${small.port}` },
      body: Buffer.alloc(4096, 1),
    });
    expect(r.status).toBe(413);
    expect(fs.readdirSync(path.join(root, 'data', 'transfers')).filter((f) => f.includes('big'))).toEqual([]);
    // Chunked (no Content-Length): the stream limit catches it.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: small.port,
          method: 'POST',
          path: '/api/upload?name=big2.json',
          headers: {
            Authorization: `Bearer ${small.token}`,
            Host: `127.0.0.1:${small.port}`,
            'Transfer-Encoding': 'chunked',
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write(Buffer.alloc(512, 2));
      req.end();
    });
    expect(chunked).toBe(413);
    expect(fs.readdirSync(path.join(root, 'data', 'transfers')).filter((f) => f.includes('big'))).toEqual([]);
  });
});

describe('strata serve', () => {
  it('says clearly when the port is taken, and leaves the data folder unlocked', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-serve-'));
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await runStrata(['--data-dir', path.join(root, 'data'), 'serve', '--port', String(port), '--json'], {
        env: { STRATA_RENDERER_DIR: root },
      });
      expect(r.code).toBe(1);
      expect(r.json).toEqual({ error: { code: 'port_in_use', message: expect.stringContaining(String(port)) } });
      expect(fs.existsSync(path.join(root, 'data', 'strata.lock'))).toBe(false);
      const bad = await runStrata(['--data-dir', path.join(root, 'data'), 'serve', '--port', 'http', '--json']);
      expect(bad.code).toBe(2);
      expect((bad.json as { error: { code: string } }).error.code).toBe('usage');
    } finally {
      blocker.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('prints {"url"} with --json, answers on that URL, and stops cleanly on SIGTERM', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-serve-'));
    try {
      makeRenderer(path.join(root, 'renderer'));
      const child = spawn(process.execPath, [CLI_BUNDLE, '--data-dir', path.join(root, 'data'), 'serve', '--json'], {
        env: { ...process.env, STRATA_RENDERER_DIR: path.join(root, 'renderer') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await expect.poll(() => stdout.includes('\n'), { timeout: 30_000 }).toBe(true);
      const doc = JSON.parse(stdout) as { url: string };
      expect(Object.keys(doc)).toEqual(['url']);
      const url = new URL(doc.url);
      expect(url.hostname).toBe('127.0.0.1');
      const token = url.searchParams.get('token')!;
      const page = await fetch(new URL('/', url));
      expect(page.status).toBe(200);
      const res = await fetch(new URL('/api/op/listSessions', url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
      // The host owns the data folder like the desktop app does.
      expect(fs.existsSync(path.join(root, 'data', 'strata.lock'))).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout.trim().split('\n')).toHaveLength(1);
      expect(stderr).not.toMatch(/\bat .*\.(ts|js|cjs):\d+/);
      expect(fs.existsSync(path.join(root, 'data', 'strata.lock'))).toBe(false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
