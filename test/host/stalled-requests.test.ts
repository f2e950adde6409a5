import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { startHost, type RunningHost } from '../../src-main/host/server';
import { createTransferServices } from '../../src-main/operations/transfer-services';

const BODY_IDLE_MS = 300;

/** Opens a raw connection, sends `head` and `body`, then nothing; resolves with what came back once the host closes it. */
function stall(port: number, head: string, body: Buffer): Promise<{ received: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // A reset is one way of being closed; anything else is a failure of the test.
      if (e.code !== 'ECONNRESET') reject(e);
    });
    socket.on('close', () => resolve({ received }));
    socket.on('connect', () => socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body])));
  });
}

describe('the host and stalled requests', () => {
  let root: string;
  let app: StrataApp;
  let host: RunningHost;
  const transfersDir = () => path.join(root, 'data', 'transfers');
  const headers = (method: string, target: string, extra: string) =>
    `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nAuthorization: Bearer ${host.token}\r\n${extra}\r\n`;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-stall-'));
    fs.mkdirSync(path.join(root, 'renderer'));
    fs.writeFileSync(path.join(root, 'renderer', 'index.html'), '<!doctype html><title>Strata</title>');
    app = await StrataApp.open({ dataDir: path.join(root, 'data'), owner: 'host' });
    const real = createTransferServices();
    host = await startHost({
      app,
      port: 0,
      rendererDir: path.join(root, 'renderer'),
      timeouts: { bodyIdleMs: BODY_IDLE_MS },
      services: {
        ...real,
        // An export that takes several idle periods: the socket is silent while it runs.
        exportSettings: async (job) => {
          await new Promise((r) => setTimeout(r, BODY_IDLE_MS * 4));
          return real.exportSettings(job);
        },
      },
    });
  });

  afterAll(async () => {
    await host?.close();
    await app?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('closes an operation request that sends 1 byte of a declared 1000, and runs nothing', async () => {
    const before = app.db.sessions.count();
    const { received } = await stall(
      host.port,
      headers('POST', '/api/op/createSession', 'Content-Type: application/json\r\nContent-Length: 1000\r\n'),
      Buffer.from('{'),
    );
    // Cut off without a reply: there was nothing complete to answer.
    expect(received).toBe('');
    expect(app.db.sessions.count()).toBe(before);
  });

  it('closes a stalled upload and keeps no partial file', async () => {
    const { received } = await stall(
      host.port,
      headers(
        'POST',
        '/api/upload?name=stalled.json',
        'Content-Type: application/octet-stream\r\nContent-Length: 1000\r\n',
      ),
      Buffer.from('x'),
    );
    expect(received).toBe('');
    // The partial file is removed as the aborted stream unwinds, just after the close.
    await expect
      .poll(() => fs.readdirSync(transfersDir()).filter((f) => f.includes('stalled')), { timeout: 30_000 })
      .toEqual([]);
  });

  it('still answers an operation that runs longer than the idle limit once its body is in', async () => {
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: host.port,
          method: 'POST',
          path: '/api/op/exportSettings',
          headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ includeSecrets: false }));
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ ok: true, result: { fileName: expect.stringMatching(/\.json$/) } });
  });

  it('closes a keep-alive connection that stays idle after its reply', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const closed = await new Promise<boolean>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: host.port,
            method: 'POST',
            path: '/api/op/listSessions',
            agent,
            headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
          },
          (res) => {
            res.resume();
            // The client keeps the socket for reuse; the host must be the one to close it.
            res.on('end', () => req.socket?.once('close', () => resolve(true)));
          },
        );
        req.on('error', reject);
        req.end('{}');
      });
      expect(closed).toBe(true);
    } finally {
      agent.destroy();
    }
  });
});
