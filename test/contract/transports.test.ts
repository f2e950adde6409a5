import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { OPERATIONS, OPERATION_NAMES, createClient, describeZodError } from '../../src-main/contract';
import { startHost, type RunningHost } from '../../src-main/host/server';
import type { Handlers } from '../../src-main/operations/handlers';

/**
 * Every operation the contract declares is reachable, under the same name, through each
 * transport: the Electron preload and IPC, and the headless host. The list is the contract's
 * own; nothing here spells it out.
 */

type Fn = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

// A recording stand-in for 'electron', so the real preload and IPC modules run in Node.
const fake = vi.hoisted(() => ({
  exposed: null as null | { ops: Record<string, Fn> },
  invoked: [] as string[],
  mainHandlers: new Map<string, Fn>(),
}));
vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (_key: string, api: { ops: Record<string, Fn> }) => {
      fake.exposed = api;
    },
  },
  ipcRenderer: {
    invoke: async (channel: string) => {
      fake.invoked.push(channel);
      return { ok: true, result: null };
    },
    on: () => undefined,
    removeListener: () => undefined,
  },
  ipcMain: {
    handle: (channel: string, fn: Fn) => fake.mainHandlers.set(channel, fn),
    removeHandler: (channel: string) => fake.mainHandlers.delete(channel),
  },
  app: { getPath: () => os.tmpdir() },
  dialog: {},
}));

const sorted = (xs: Iterable<string>) => [...xs].sort();
const GARBAGE: unknown[] = [42, 'text', [], true, { zz_unknown: 1 }];

describe('Electron: preload and IPC', () => {
  it('the preload exposes exactly the contract operations, each on its own channel', async () => {
    await import('../../src-main/electron/preload');
    expect(sorted(Object.keys(fake.exposed!.ops))).toEqual(sorted(OPERATION_NAMES));
    for (const name of OPERATION_NAMES) await fake.exposed!.ops[name]!({});
    expect(fake.invoked).toEqual(OPERATION_NAMES.map((n) => `strata:op:${n}`));
  });

  it('main answers on exactly those channels, hands each call to its operation, and refuses other senders', async () => {
    const { registerIpc, OP_CHANNEL_PREFIX } = await import('../../src-main/electron/ipc');
    const ran: string[] = [];
    const handlers = {
      run: async (name: string) => {
        ran.push(name);
        return { ok: true as const, result: name };
      },
    } as unknown as Handlers;
    const mainFrame = { url: 'app://strata/index.html' };
    const webContents = { mainFrame };
    const win = { isDestroyed: () => false, webContents };
    const off = registerIpc({ handlers, window: () => win as never, rendererOrigin: 'app://strata' });
    try {
      const opChannels = [...fake.mainHandlers.keys()].filter((c) => c.startsWith(OP_CHANNEL_PREFIX));
      expect(sorted(opChannels)).toEqual(sorted(OPERATION_NAMES.map((n) => `strata:op:${n}`)));
      for (const name of OPERATION_NAMES) {
        const reply = await fake.mainHandlers.get(OP_CHANNEL_PREFIX + name)!(
          { sender: webContents, senderFrame: mainFrame },
          {},
        );
        expect(reply).toEqual({ ok: true, result: name });
      }
      expect(ran).toEqual(OPERATION_NAMES);
      const stranger = { mainFrame: { url: 'https://evil.example/' } };
      const refused = await fake.mainHandlers.get(OP_CHANNEL_PREFIX + OPERATION_NAMES[0])!(
        { sender: stranger, senderFrame: stranger.mainFrame },
        {},
      );
      expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(ran).toHaveLength(OPERATION_NAMES.length);
    } finally {
      off();
    }
    expect([...fake.mainHandlers.keys()]).toEqual([]);
  });
});

describe('every input schema', () => {
  it('rejects garbage with a message a person can read', () => {
    for (const name of OPERATION_NAMES) {
      for (const value of GARBAGE) {
        const r = OPERATIONS[name].input.safeParse(value);
        expect(r.success, `${name} accepted ${JSON.stringify(value)}`).toBe(false);
        const message = describeZodError(r.error!);
        expect(message.length, name).toBeGreaterThan(5);
        expect(message, name).not.toMatch(/\bat .*\.(ts|js):\d+/);
      }
      expect(describeZodError(OPERATIONS[name].input.safeParse({ zz_unknown: 1 }).error!), name).toContain(
        'zz_unknown',
      );
    }
  });
});

describe('the headless host', () => {
  let root: string;
  let app: StrataApp;
  let host: RunningHost;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-transports-'));
    fs.mkdirSync(path.join(root, 'renderer'));
    app = await StrataApp.open({ dataDir: path.join(root, 'data'), owner: 'host' });
    host = await startHost({ app, port: 0, rendererDir: path.join(root, 'renderer') });
  });
  afterAll(async () => {
    await host?.close();
    await app?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const post = async (name: string, body: unknown) => {
    const res = await fetch(`http://127.0.0.1:${host.port}/api/op/${name}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as { ok: boolean; error?: { code: string; message: string } },
    };
  };

  it('serves every operation, and refuses bad input to each without running it', async () => {
    const sessions = app.db.sessions.count();
    const snapshots = (await app.snapshots.list()).length;
    for (const name of OPERATION_NAMES) {
      const r = await post(name, { zz_unknown: 1 });
      expect(r.status, name).toBe(400);
      expect(r.body.error, name).toEqual({ code: 'invalid_input', message: expect.stringContaining('zz_unknown') });
    }
    // A name the contract does not declare is not served.
    expect((await post('dropEverything', {})).body.error?.code).toBe('unknown_operation');
    expect(app.db.sessions.count()).toBe(sessions);
    expect((await app.snapshots.list()).length).toBe(snapshots);
  });

  it('the typed client offers the same operations and validates before sending', async () => {
    const sent: string[] = [];
    const client = createClient({
      invoke: async (name) => {
        sent.push(name);
        return {};
      },
      subscribe: () => () => undefined,
    });
    expect(sorted(Object.keys(client.ops))).toEqual(sorted(OPERATION_NAMES));
    for (const name of OPERATION_NAMES) {
      const err = await (client.ops[name] as Fn)({ zz_unknown: 1 }).catch((e: { code: string }) => e);
      expect(err.code, name).toBe('invalid_input');
    }
    expect(sent).toEqual([]);
  });
});
