import { describe, expect, it } from 'vitest';
import {
  ContractError,
  OPERATIONS,
  createClient,
  decodeError,
  encodeErrorMessage,
  parseEvent,
  type Transport,
} from '../../src-main/contract';

const input = (name: keyof typeof OPERATIONS, value: unknown) => OPERATIONS[name].input.safeParse(value);

describe('contract inputs', () => {
  it('accepts well-formed inputs', () => {
    expect(input('createSession', { title: 'Trip plans' }).success).toBe(true);
    expect(input('addMessage', { sessionId: 'abc-123', role: 'user', content: 'hi' }).success).toBe(true);
    expect(input('exportSession', { sessionId: 'abc', format: 'md' }).success).toBe(true);
    expect(input('importArchive', { transferId: 'a'.repeat(32), allowDuplicate: false }).success).toBe(true);
    expect(input('setBackupConfig', { retention: { keep: { daily: 3 } } }).success).toBe(true);
    expect(input('listSnapshots', {}).success).toBe(true);
  });

  it('refuses unknown fields, at the top and nested', () => {
    expect(input('createSession', { title: 'x', admin: true }).success).toBe(false);
    expect(input('listSnapshots', { path: '/etc' }).success).toBe(false);
    expect(input('setBackupConfig', { tiers: { auto: true, everySecond: true } }).success).toBe(false);
    expect(input('setBackupConfig', { retry: { attempts: 100 } }).success).toBe(false);
  });

  it('refuses wrong types and values out of range', () => {
    expect(input('createSession', { title: 42 }).success).toBe(false);
    expect(input('createSession', { title: '   ' }).success).toBe(false);
    expect(input('addMessage', { sessionId: 'a', role: 'admin', content: 'x' }).success).toBe(false);
    expect(input('listSessions', { limit: 0 }).success).toBe(false);
    expect(input('listSessions', { limit: 1.5 }).success).toBe(false);
    expect(input('listSessions', { limit: '10' }).success).toBe(false);
    expect(input('exportSession', { sessionId: 'a', format: 'pdf' }).success).toBe(false);
    expect(input('importArchive', { transferId: 'a'.repeat(32) }).success).toBe(false);
    expect(input('setBackupConfig', { autoIntervalMinutes: 0 }).success).toBe(false);
    expect(input('setBackupConfig', { retention: { minFreeRatio: 2 } }).success).toBe(false);
  });

  it('refuses oversized strings', () => {
    expect(input('createSession', { title: 'x'.repeat(501) }).success).toBe(false);
    expect(input('addMessage', { sessionId: 'a', role: 'user', content: 'x'.repeat(1_000_001) }).success).toBe(false);
    expect(input('listSessions', { search: 'x'.repeat(501) }).success).toBe(false);
    expect(input('createSnapshot', { label: 'x'.repeat(201) }).success).toBe(false);
    expect(input('getSession', { sessionId: 'x'.repeat(201) }).success).toBe(false);
  });

  it('refuses path-like transfer ids and snapshot ids', () => {
    for (const transferId of [
      '../../etc/passwd',
      '/tmp/x',
      'C:\\Windows\\win.ini',
      'A'.repeat(32),
      'a'.repeat(31),
      'a'.repeat(33),
      `${'a'.repeat(30)}/.`,
    ]) {
      expect(input('importArchive', { transferId, allowDuplicate: false }).success, transferId).toBe(false);
      expect(input('previewSettingsImport', { transferId, mode: 'merge' }).success, transferId).toBe(false);
    }
    for (const snapshotId of ['../x', 'a/b', 'a\\b', '..', '.hidden', 'a..b', '']) {
      expect(input('restoreSnapshot', { snapshotId }).success, snapshotId).toBe(false);
      expect(input('deleteSnapshot', { snapshotId }).success, snapshotId).toBe(false);
    }
  });
});

describe('typed client', () => {
  function fakeTransport(reply: (name: string, input: unknown) => unknown): Transport & { calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      invoke: async (name, i) => {
        calls.push(name);
        return reply(name, i);
      },
      subscribe: () => () => {},
    };
  }

  it('refuses a bad input before it leaves, with a readable message', async () => {
    const t = fakeTransport(() => ({}));
    const client = createClient(t);
    const err = await client.ops.createSession({ title: 'x'.repeat(600) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractError);
    expect((err as ContractError).code).toBe('invalid_input');
    expect((err as ContractError).message).toMatch(/title: the title is too long/);
    const err2 = await client.ops
      .createSession({ title: 'ok', extra: 1 } as unknown as { title: string })
      .catch((e: unknown) => e);
    expect((err2 as ContractError).message).toMatch(/unknown field extra/);
    expect(t.calls).toEqual([]);
  });

  it('validates outputs and strips fields the screens should not see', async () => {
    const session = {
      id: 's1',
      title: 'T',
      model: '',
      createdAt: 1,
      updatedAt: 2,
      promptTokens: 0,
      completionTokens: 0,
      totalTokens: 0,
      costUsd: 0,
      starred: false,
      metadata: {},
      file: '/home/me/secret',
    };
    const client = createClient(fakeTransport(() => session));
    const got = await client.ops.createSession({ title: 'T' });
    expect(got.id).toBe('s1');
    expect('file' in got).toBe(false);

    const bad = createClient(fakeTransport(() => ({ id: 's1' })));
    const err = await bad.ops.createSession({ title: 'T' }).catch((e: unknown) => e);
    expect((err as ContractError).code).toBe('bad_response');
  });

  it('turns Electron-style rejected messages back into codes', async () => {
    const client = createClient({
      invoke: () =>
        Promise.reject(
          new Error(
            "Error invoking remote method 'x': " + encodeErrorMessage({ code: 'not_found', message: 'No session.' }),
          ),
        ),
      subscribe: () => () => {},
    });
    const err = await client.ops.deleteSession({ sessionId: 'a' }).catch((e: unknown) => e);
    expect((err as ContractError).code).toBe('not_found');
    expect((err as ContractError).message).toBe('No session.');
    expect(decodeError(new Error('boom\n    at x (y.js:1:1)')).message).toBe('boom');
  });

  it('drops malformed events and passes good ones', () => {
    const got: string[] = [];
    let push: (e: { name: string; payload: unknown }) => void = () => {};
    const client = createClient({
      invoke: async () => ({}),
      subscribe: (cb) => {
        push = cb;
        return () => {};
      },
    });
    client.onEvent((e) => got.push(e.name));
    push({ name: 'progress', payload: { operationId: 'o', kind: 'snapshot', phase: 'copy', done: 1, total: 2 } });
    push({ name: 'progress', payload: { operationId: 'o' } });
    push({ name: 'data-changed', payload: { reason: 'restore' } });
    push({ name: 'shell-exec', payload: {} });
    expect(got).toEqual(['progress', 'data-changed']);
    expect(parseEvent('alert', { level: 'error', title: 't', message: 'm' })).not.toBeNull();
  });
});

describe('content security policy', () => {
  it("the page's own meta policy is the served policy (meta cannot carry frame-ancestors)", async () => {
    const { RENDERER_CSP } = await import('../../src-main/contract/csp');
    const html = (await import('node:fs')).readFileSync('src-renderer/index.html', 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    const served = RENDERER_CSP.split('; ').filter((d) => !d.startsWith('frame-ancestors'));
    expect(meta?.split('; ')).toEqual(served);
    expect(meta).not.toContain('unsafe-inline');
  });
});

describe('errors that reach the screens', () => {
  it('keep their code and meaning but not the absolute paths of files', async () => {
    const { toRendererErrorPayload } = await import('../../src-main/core/errors');
    const enoent = Object.assign(
      new Error("ENOENT: no such file or directory, open '/home/ana/.config/Strata/transfers/x.json'"),
      {
        code: 'ENOENT',
      },
    );
    const payload = toRendererErrorPayload(enoent);
    expect(payload.code).toBe('not_found');
    expect(payload.message).toContain('x.json');
    expect(payload.message).not.toContain('/home/ana');
    const windows = toRendererErrorPayload(
      new Error('cannot open C:\\Users\\ana\\AppData\\Roaming\\Strata\\strata.db'),
    );
    expect(windows.message).toBe('cannot open strata.db');
    expect(toRendererErrorPayload(new Error('a plain message, 50/50 odds')).message).toBe(
      'a plain message, 50/50 odds',
    );
  });
});
